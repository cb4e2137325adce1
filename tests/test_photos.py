"""data/build_photos.py and data/photo_sources.py: the study's folders of real photos from Debian packages
(wallpapers, gcompris' resource bundles, kphotoalbum, ...), the photos bundled in wheels, and Solvay 1927."""

import collections
import csv
import io
import pathlib
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "build_photos.py"
sys.path.insert(0, str(SCRIPT.parent))  # the scripts' folder, as when they run
import build_photos  # noqa: E402
import photo_sources  # noqa: E402


def test_tiles_are_the_centred_grid_of_the_resized_photo():
    coffee = Image.fromarray(skdata.coffee())  # 600 x 400
    resized = build_photos.resize_short_side(coffee, 512)
    assert resized.size == (768, 512)
    tiles = build_photos.grid_tiles(resized)
    assert [(x, y) for x, y, _ in tiles] == [(0, 0), (256, 0), (512, 0), (0, 256), (256, 256), (512, 256)]
    pixels = np.asarray(resized)
    for x, y, tile in tiles:
        assert np.array_equal(np.asarray(tile), pixels[y:y + 256, x:x + 256])
    small = build_photos.grid_tiles(build_photos.resize_short_side(coffee, 256))  # 384 x 256: one centred tile
    assert [(x, y) for x, y, _ in small] == [(64, 0)]


def manifest(folder):
    with open(folder / "manifest.csv") as file:
        return list(csv.DictReader(file))


@pytest.mark.slow
def test_the_script_builds_disjoint_train_heldout_and_solvay_folders(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--corpus=small", f"--out={tmp_path}", "--scales=256,512",
                             f"--manifest={tmp_path / 'sources.csv'}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr  # every source is read (installed or fetched), Solvay too
    train, heldout, solvay = (manifest(tmp_path / part) for part in ("train", "heldout", "solvay"))
    # 21 photos, each at least 1280 x 1024: at short side 256 one tile or more, at 512 six or more
    sources = {row["source"] for row in train}
    assert len(sources) == len(photo_sources.MATE_PHOTOS) + len(photo_sources.PLASMA_PHOTOS) == 21
    for source in sources:
        scales = [int(row["scale"]) for row in train if row["source"] == source]
        assert scales.count(256) >= 1 and scales.count(512) >= 4, source
    assert len(heldout) == 19 and not sources & {row["source"] for row in heldout}
    assert len(solvay) == 4 and {row["licence"] for row in solvay} == {"public domain (1927; visp-images-data)"}
    for part, rows in (("train", train), ("heldout", heldout), ("solvay", solvay)):
        files = sorted(path.name for path in (tmp_path / part).glob("*.png"))
        assert files == sorted(row["file"] for row in rows), part
        for row in rows[:: max(1, len(rows) // 10)]:
            image = Image.open(tmp_path / part / row["file"])
            assert (image.size, image.mode) == ((256, 256), "RGB") and "icc_profile" not in image.info
    gray = np.asarray(Image.open(tmp_path / "solvay" / solvay[0]["file"])).astype(int)
    assert (gray[..., 0] == gray[..., 1]).all() and gray.std() > 10  # a real gray photo, not a blank


def test_the_perceptual_hash_finds_a_resized_recompressed_copy_and_tells_other_photos_apart():
    coffee = Image.fromarray(skdata.coffee())
    encoded = io.BytesIO()
    coffee.resize((300, 200), Image.BILINEAR).save(encoded, "JPEG", quality=60)
    copy = Image.open(encoded)
    assert build_photos.distance(build_photos.perceptual_hash(coffee), build_photos.perceptual_hash(copy)) <= \
        build_photos.DUPLICATE_BITS
    for other in ("chelsea", "astronaut", "rocket"):  # about half of the 63 bits differ (30-36 measured)
        bits = build_photos.distance(build_photos.perceptual_hash(coffee),
                                     build_photos.perceptual_hash(Image.fromarray(getattr(skdata, other)())))
        assert bits > 3 * build_photos.DUPLICATE_BITS, other


def rcc(files, version):
    """A Qt rcc bundle written by hand from the format (photo_sources' docstring): {path: (bytes, zlib?)}, one
    folder level deep, as gcompris' bundles are."""
    names, data, name_offsets = b"", b"", {}
    folders = sorted({path.split("/")[0] for path in files})
    for name in folders + [path.split("/")[1] for path in files]:
        if name not in name_offsets:
            name_offsets[name] = len(names)
            names += struct.pack(">HI", len(name), 0) + name.encode("utf-16-be")
    mtime = b"" if version == 1 else bytes(8)
    tree = struct.pack(">IHII", 0, 2, len(folders), 1) + mtime  # the root: a folder of the folders
    children = 1 + len(folders)
    for folder in folders:
        inside = [path for path in files if path.startswith(folder + "/")]
        tree += struct.pack(">IHII", name_offsets[folder], 2, len(inside), children) + mtime
        children += len(inside)
    for folder in folders:
        for path in (path for path in files if path.startswith(folder + "/")):
            content, compressed = files[path]
            stored = struct.pack(">I", len(content)) + zlib.compress(content) if compressed else content
            tree += struct.pack(">IHHHI", name_offsets[path.split("/")[1]], int(compressed), 0, 0, len(data)) + mtime
            data += struct.pack(">I", len(stored)) + stored
    header = 20 if version == 1 else 24
    blob_tree, blob_data = header, header + len(tree)
    blob_names = blob_data + len(data)
    flags = b"" if version == 1 else bytes(4)
    return struct.pack(">4sIIII", b"qres", version, blob_tree, blob_data, blob_names) + flags + tree + data + names


@pytest.mark.parametrize("version", [1, 3])
def test_rcc_entries_reads_a_bundle_written_from_the_format(version):
    files = {"erase/gorilla.webp": (b"ape" * 50, True), "erase/bee.webp": (b"bee", False),
             "music/orchestra.webp": (b"\x00\xff" * 7, True)}
    entries = photo_sources.rcc_entries(rcc(files, version))
    assert entries == {f"/{path}": content for path, (content, _) in files.items()}
    with pytest.raises(photo_sources.SourceError, match="magic b'qres'"):
        photo_sources.rcc_entries(b"RIFF" + bytes(30))


def test_pzl_picture_is_the_rectangle_of_the_texture_named_by_the_image_line():
    def jpeg(image):
        encoded = io.BytesIO()
        image.save(encoded, "JPEG", quality=95)
        return encoded.getvalue()

    coffee = Image.fromarray(skdata.coffee())
    texture = jpeg(coffee)
    mask = io.BytesIO()
    Image.new("L", (8, 8)).save(mask, "PNG")
    blob = (b"PzlF\n0.1\ncoffee-3x2\ncrop000 0 0 5 5 0 0 0 0 0 0\nimage 40 30 200 120 1 1\ncoffee-t.jpg\n"
            + jpeg(coffee.resize((60, 40))) + mask.getvalue() + texture)
    picture = photo_sources.pzl_picture(blob)
    assert picture.size == (200, 120)
    assert np.array_equal(np.asarray(picture), np.asarray(Image.open(io.BytesIO(texture)))[30:150, 40:240])


def test_the_licence_is_the_last_matching_stanza_of_the_copyright_file():
    stanzas = photo_sources.dep5_licences("""Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: 2000 Someone
License: GPL-3+

Files: src/activities/erase/resource/*
   src/activities/details/resource/image/*
Copyright: 2001 Photographers
License: CC-BY-SA-4.0

Files: src/activities/erase/resource/gorilla.jpg
Copyright: 2002 Another
License: public-domain
 The text of a licence, indented.
""")
    assert stanzas[0] == ("*", "GPL-3+") and len(stanzas) == 4
    licence = photo_sources.licence_of
    assert licence(stanzas, "src/activities/erase/resource/bee.webp") == "CC-BY-SA-4.0"
    assert licence(stanzas, "src/activities/details/resource/image/Louvre.webp") == "CC-BY-SA-4.0"
    assert licence(stanzas, "src/activities/erase/resource/gorilla.webp") == "CC-BY-SA-4.0"  # another file
    assert licence(stanzas, "src/activities/erase/resource/gorilla.webp", any_extension=True) == "public-domain"
    assert licence(stanzas, "src/core/tux.svg") == "GPL-3+"


@pytest.mark.slow
def test_a_package_not_installed_is_fetched_into_the_cache_and_an_unknown_one_is_named(tmp_path):
    root = photo_sources.fetch("sddm-theme-maldives", tmp_path)  # 1.2 MB from Debian's mirror
    assert Image.open(root / "usr/share/sddm/themes/maldives/background.jpg").size == (2592, 1754)
    assert photo_sources.fetch("sddm-theme-maldives", tmp_path) == root  # once
    with pytest.raises(photo_sources.SourceError, match="no-such-package-.* is neither installed nor downloadable"):
        photo_sources.fetch("no-such-package-tf-colorgan", tmp_path)


@pytest.fixture(scope="module")
def large(module_tmp_path):
    """The large corpus built by the script, training tiles at the short side 256 only; its sources manifest."""
    out = module_tmp_path / "large"
    result = subprocess.run([sys.executable, str(SCRIPT), "--corpus=large", f"--out={out}", "--scales=256",
                             f"--manifest={out / 'sources.csv'}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with open(out / "sources.csv") as file:
        return out, list(csv.DictReader(file))


@pytest.mark.slow
def test_the_large_corpus_is_split_by_source_and_meets_its_targets(large):
    out, sources = large
    split = collections.defaultdict(list)
    for row in sources:
        split[row["split"]].append(row)
    assert len(split["train"]) >= 280 and len(split["heldout"]) >= 60
    assert sum(row["people"] == "1" for row in split["heldout"]) >= 10
    assert not {row["group"] for row in split["train"]} & {row["group"] for row in split["heldout"]}
    assert all(row["reason"] for row in split["excluded"]) and not any(row["reason"] for row in split["train"])
    packages = {part: {row["package"] for row in split[part]} for part in ("train", "heldout")}
    assert packages["train"] & packages["heldout"] == {"gcompris-qt-data", "kphotoalbum"}  # by activity, by scene
    assert {row["name"].split("_")[1] for row in split["heldout"] if row["package"] == "gcompris-qt-data"} == {"erase"}
    assert "gcompris_erase" not in " ".join(row["name"] for row in split["train"])
    # the same manifest as committed: the packages' contents, the reviewed exclusions and the split are as published
    with open(ROOT / "data" / "manifests" / "large.csv") as file:
        assert sources == list(csv.DictReader(file))
    tiles = {row["source"] for row in manifest(out / "train")}
    assert len(tiles) == len(split["train"]) and len(manifest(out / "heldout")) == len(split["heldout"])


@pytest.mark.slow
def test_no_held_out_photo_is_a_near_duplicate_of_a_training_photo(large):
    out, sources = large
    hashes = {part: {path.name: build_photos.perceptual_hash(Image.open(path)) for path in (out / part).glob("*.png")}
              for part in ("train", "heldout")}
    closest = min((build_photos.distance(held, trained), name)
                  for name, held in hashes["heldout"].items() for trained in hashes["train"].values())
    assert closest[0] > build_photos.DUPLICATE_BITS, closest  # 16 bits measured
    # the copies gcompris ships under two activities were found, and kept once
    twins = [row["name"] for row in sources if row["reason"].startswith("near-duplicate of gcompris_explore")]
    assert {"gcompris_categorization_colosseum", "gcompris_categorization_greatPyramid"} <= set(twins)
