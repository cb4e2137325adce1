"""Where the study's real photographs come from: Debian packages, read where installed or fetched into a cache.

A *candidate* is one image file a package ships that the study considered: a photograph it takes (for training or
held out) or an image it leaves out, with the reason. `candidates(corpus, cache)` lists them for a corpus
(`data/build_photos.py` turns them into folders of tiles and crops); nothing here resizes or writes images.

Packages that are not installed are fetched without their dependencies (`apt-get download` + `dpkg-deb -x`) into
`cache/<package>/` and read from there; the machine needs Debian's package lists (`apt-get update`) once.

Readers of formats that hold more than one image:
    rcc   Qt's binary resource bundle (gcompris-qt-data): the magic ``qres``, then big-endian u32 version, tree,
          data and names offsets. Tree nodes are 14 bytes (version 1) or 22 (version >= 2, an 8-byte mtime
          added): u32 name offset, u16 flags (1 zlib, 2 directory, 4 zstd), then for a directory u32 child count
          and u32 first child index, for a file u16 country, u16 language and u32 data offset. A name is u16
          length, u32 hash, UTF-16BE characters; a data entry is a u32 length then the bytes, which for zlib
          entries begin with the u32 uncompressed length.
    pzl   jigzo's puzzles: a text header (with the line ``image x y w h``), a thumbnail JPEG, the pieces' PNG
          mask, then the texture JPEG, which holds the whole picture at (x, y, w, h) beside the cut pieces.
"""

import bz2
import configparser
import dataclasses
import fnmatch
import gzip
import io
import pathlib
import re
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
import zlib
from typing import Callable

from PIL import Image

TRAIN, HELDOUT, EXCLUDED = "train", "heldout", "excluded"


class SourceError(RuntimeError):
    """A package could not be read or fetched; the message says which and what to do."""


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One image a package ships. `read()` gives it as an RGB PIL image at its own size.

    name: unique stem in the corpus (``<package>_<scene>``). path: where it was read (an rcc entry is
    ``<bundle>:<resource>``). group: the scene it belongs to; a split never separates one group.
    split: TRAIN, HELDOUT or EXCLUDED, with the `reason` for an exclusion. people: it shows people.
    """

    name: str
    package: str
    path: str
    licence: str
    group: str
    split: str
    read: Callable[[], Image.Image] = dataclasses.field(compare=False, repr=False)
    reason: str = ""
    people: bool = False


# ----------------------------------------------------------------------------------------------- packages


def installed(package):
    """True if dpkg reports `package` installed on this machine."""
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "install ok installed"


def package_root(package, cache):
    """The folder under which `package`'s files lie at their installed paths: ``/`` if installed, else
    `fetch(package, cache)`."""
    return pathlib.Path("/") if installed(package) else fetch(package, cache)


def fetch(package, cache):
    """`cache/<package>/`, holding `package`'s files (not its dependencies) as `dpkg-deb -x` unpacks them from the
    .deb that `apt-get download` brings; fetched once, then reused."""
    root = pathlib.Path(cache) / package
    if (root / ".complete").exists():
        return root
    with tempfile.TemporaryDirectory() as folder:
        download = subprocess.run(["apt-get", "download", "-qq", package], cwd=folder, capture_output=True,
                                  text=True)
        debs = list(pathlib.Path(folder).glob("*.deb"))
        if download.returncode or not debs:
            raise SourceError(f"Debian package {package} is neither installed nor downloadable "
                              f"(apt-get download: {download.stderr.strip() or 'no .deb'}). Run `apt-get update` "
                              f"(as root), or install it: apt-get install --no-install-recommends {package}")
        root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)], check=True)
    (root / ".complete").touch()
    return root


def dep5_licences(copyright_text):
    """[(file pattern, licence)] of a machine-readable Debian copyright file, in file order."""
    stanzas = []
    for block in re.split(r"\n\s*\n", copyright_text):
        files = re.search(r"^Files:\s*(.+?)(?=^\S|\Z)", block, re.M | re.S)
        licence = re.search(r"^License:\s*(\S.*)$", block, re.M)
        if files and licence:
            stanzas += [(pattern, licence.group(1).strip()) for pattern in files.group(1).split()]
    return stanzas


def licence_of(stanzas, path, any_extension=False):
    """The licence of the last stanza whose pattern matches `path` (Debian's rule: the last match wins).

    A pattern matches if it matches a trailing part of the path, or names the same file (same basename; with
    `any_extension`, the same stem: gcompris ships as .webp what its copyright file names .jpg or .png).
    """
    parts = pathlib.PurePosixPath(path).parts
    stem = pathlib.PurePosixPath(path).stem

    def matches(pattern):
        if any(fnmatch.fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts))):
            return True
        base = pathlib.PurePosixPath(pattern)
        if "*" in base.name:
            return False
        return base.name == parts[-1] or (any_extension and base.stem == stem)

    found = [licence for pattern, licence in stanzas if matches(pattern)]
    return found[-1] if found else "see the package's copyright file"


def copyright_stanzas(root, package):
    path = root / "usr/share/doc" / package / "copyright"
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    return dep5_licences(text)


def rgb(data):
    """An image file's bytes as an RGB PIL image (alpha dropped, the sources are sRGB)."""
    return Image.open(io.BytesIO(data)).convert("RGB")


def from_file(path, clockwise=0):
    """A reader of an image file as RGB, turned `clockwise` degrees (a multiple of 90)."""
    return lambda: Image.open(path).convert("RGB").rotate(-clockwise, expand=True)


# ----------------------------------------------------------------------------------------------- formats


def rcc_entries(blob):
    """{resource path: bytes} of a Qt rcc bundle (see the module docstring)."""
    magic, version, tree, data, names = struct.unpack(">4sIIII", blob[:20])
    if magic != b"qres":
        raise SourceError(f"Not a Qt resource bundle: expected the magic b'qres', received {magic!r}")
    node = 14 if version == 1 else 22

    def name(offset):
        (length,) = struct.unpack(">H", blob[names + offset:names + offset + 2])
        return blob[names + offset + 6:names + offset + 6 + 2 * length].decode("utf-16-be")

    entries, stack = {}, [(0, "")]
    while stack:
        index, prefix = stack.pop()
        at = tree + index * node
        name_offset, flags = struct.unpack(">IH", blob[at:at + 6])
        path = f"{prefix}/{name(name_offset)}" if index else ""
        if flags & 2:
            count, first = struct.unpack(">II", blob[at + 6:at + 14])
            stack += [(child, path) for child in range(first, first + count)]
            continue
        (offset,) = struct.unpack(">I", blob[at + 10:at + 14])
        (length,) = struct.unpack(">I", blob[data + offset:data + offset + 4])
        raw = blob[data + offset + 4:data + offset + 4 + length]
        if flags & 4:
            raise SourceError(f"{path}: zstd-compressed rcc entries are not supported")
        entries[path] = zlib.decompress(raw[4:]) if flags & 1 else raw
    return entries


def pzl_picture(blob):
    """The whole picture of a jigzo .pzl puzzle: the rectangle its ``image x y w h`` line names in the texture,
    the file's last JPEG (see the module docstring)."""
    line = re.search(rb"^image (\d+) (\d+) (\d+) (\d+)", blob, re.M)
    start = blob.rfind(b"\xff\xd8\xff")
    if not line or start < 0:
        raise SourceError("Not a jigzo puzzle: expected an `image x y w h` line and a JPEG texture")
    x, y, width, height = map(int, line.groups())
    return rgb(blob[start:]).crop((x, y, x + width, y + height))


# ----------------------------------------------------------------------------------------------- gcompris

GCOMPRIS_ACTIVITIES = {  # activity: (resource subfolder, split)
    "explore_monuments": ("resource", TRAIN), "explore_world_animals": ("resource/animals", TRAIN),
    "explore_farm_animals": ("resource/animals", TRAIN), "explore_world_music": ("resource/music", TRAIN),
    "categorization": ("resource/images", TRAIN), "details": ("resource/image", TRAIN),
    "erase": ("resource", HELDOUT)}
GCOMPRIS_EXCLUDED = {  # resource path pattern (below the activity): reason
    "resource/usa/castleClinton.*": "black and white",
    "resource/images/numbers/*": "drawing (digits), not a photograph",
    "resource/images/alphabets/*": "drawing (letters), not a photograph",
    "resource/image/*_[0-9].*": "a detail cut from a background (the same photo again)",
    "resource/image/PortraitOfPereTanguy*": "painting (Van Gogh)",
    "resource/image/Van_Gogh*": "painting (Van Gogh)",
    "resource/image/VincentVanGogh*": "painting (Van Gogh)",
    "resource/image/Gogh4*": "painting (Van Gogh)",
    "resource/image/Eglise_dAuvers-sur-Oise*": "painting (Van Gogh)",
}
GCOMPRIS_PEOPLE = tuple(f"gcompris_explore_world_music_{scene}"  # musicians (the others show instruments alone)
                        for scene in ("australia", "ireland", "italy", "japan", "mexico", "orchestra"))
IMAGE_SUFFIXES = (".webp", ".jpg", ".jpeg", ".png")


def gcompris(root):
    stanzas = copyright_stanzas(root, "gcompris-qt-data")
    for activity, (folder, split) in GCOMPRIS_ACTIVITIES.items():
        bundle = root / "usr/share/gcompris-qt/rcc" / f"{activity}.rcc"
        prefix = f"/gcompris/src/activities/{activity}/"
        for resource, data in sorted(rcc_entries(bundle.read_bytes()).items()):
            inner = resource[len(prefix):]
            if not inner.startswith(folder + "/") or not inner.lower().endswith(IMAGE_SUFFIXES):
                continue
            scene = pathlib.PurePosixPath(inner).stem
            name = f"gcompris_{activity}_{scene}"
            reason = next((why for pattern, why in GCOMPRIS_EXCLUDED.items()
                           if fnmatch.fnmatchcase(inner, pattern)), "")
            yield Candidate(name, "gcompris-qt-data", f"{bundle}:{resource}",
                            licence_of(stanzas, resource.lstrip("/").split("/", 1)[1], any_extension=True),
                            group=name, split=EXCLUDED if reason else split, read=lambda data=data: rgb(data),
                            reason=reason, people=name in GCOMPRIS_PEOPLE)


# ----------------------------------------------------------------------------------------------- the others

KPHOTOALBUM_HELDOUT = ("anne_helene", "bar55", "donna", "jesper", "new_wave", "pool", "sunset", "wayne")  # scenes
KPHOTOALBUM_PEOPLE = ("anne_helene", "bar55", "bar55_2", "cold_water", "grand_canyon_1", "grand_canyon_2", "jesper",
                      "jesper_2", "new_wave_1", "new_wave_2", "pool", "pool_2", "qt-logo", "wayne")  # index.xml's
# People also names the dogs Blackie and Donna and the rabbit Spiff: these lists are from looking at the photos
KPHOTOALBUM_LICENCE = "GPL-2+ (kphotoalbum; the demo photos have no licence of their own)"


def kphotoalbum(root):
    """The demo album: 24 photos in 15 scenes (``pool.jpg`` and ``pool_2.jpg`` are one), turned upright as its
    index.xml says (``angle``, degrees clockwise); held out: the scenes of `KPHOTOALBUM_HELDOUT`."""
    demo = root / "usr/share/kphotoalbum/demo"
    for image in ElementTree.parse(demo / "index.xml").getroot().iter("image"):
        file = image.get("file")
        if not file.endswith(".jpg"):
            continue  # movie.avi
        scene = re.sub(r"_\d+$", "", pathlib.Path(file).stem)
        name = f"kphotoalbum_{pathlib.Path(file).stem}"
        yield Candidate(name, "kphotoalbum", str(demo / file), KPHOTOALBUM_LICENCE, group=f"kphotoalbum_{scene}",
                        split=HELDOUT if scene in KPHOTOALBUM_HELDOUT else TRAIN,
                        read=from_file(demo / file, int(image.get("angle") or 0)),
                        people=pathlib.Path(file).stem in KPHOTOALBUM_PEOPLE)


def files_of(package, root, pattern, split):
    """Every installed file of `package` under `root` matching `pattern` (a glob below /), one scene each."""
    stanzas = copyright_stanzas(root, package)
    for path in sorted(root.glob(pattern)):
        name = f"{package.split('-')[0]}_{path.name.split('.')[0]}"
        yield Candidate(name, package, str(path), licence_of(stanzas, str(path)), group=name, split=split,
                        read=from_file(path))


def jigzo(root):
    stanzas = copyright_stanzas(root, "jigzo-data")
    for path in sorted((root / "usr/share/games/jigzo/puzzles").glob("*/*.pzl")):
        name = f"jigzo_{path.stem.split('-')[0]}"
        yield Candidate(name, "jigzo-data", str(path), licence_of(stanzas, str(path)), group=name, split=TRAIN,
                        read=lambda path=path: pzl_picture(path.read_bytes()))


def palapeli(root):
    for path in sorted((root / "usr/share/palapeli/collection").glob("*.jpg")):
        desktop = configparser.ConfigParser(interpolation=None)
        desktop.read(path.with_suffix(".desktop"))
        entry = desktop["Desktop Entry"]
        licence = f"{entry.get('X-KDE-PluginInfo-License', '?')} ({entry.get('X-KDE-PluginInfo-Author', '?')})"
        name = f"palapeli_{path.stem}"
        yield Candidate(name, "palapeli-data", str(path), licence, group=name, split=TRAIN, read=from_file(path))


def scipy_face(root):
    """scipy.misc's raccoon: bz2-compressed raw 768 x 1024 x 3 uint8."""
    path = root / "usr/lib/python3/dist-packages/scipy/misc/face.dat"
    yield Candidate("scipy_face", "python3-scipy", str(path), licence_of(copyright_stanzas(root, "python3-scipy"),
                                                                         str(path)),
                    group="scipy_face", split=TRAIN,
                    read=lambda: Image.frombytes("RGB", (1024, 768), bz2.decompress(path.read_bytes())))


def single(package, relative, name, split=TRAIN, people=False):
    """A reader of one installed file of `package` (`relative` below /)."""
    def read(root):
        path = root / relative
        yield Candidate(name, package, str(path), licence_of(copyright_stanzas(root, package), str(path)),
                        group=name, split=split, read=from_file(path), people=people)
    return read


# ----------------------------------------------------------------------------------------------- wallpapers

MATE_PHOTOS = ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "RainDrops", "Storm",
               "TwoWings", "Wood", "YellowFlower")
PLASMA_PHOTOS = ("BytheWater", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Kite", "OneStandsOut",
                 "Path", "summer_1am")
LXQT_PHOTOS = ("Butterfly-Kenneth-Wimer.jpg", "Valendas.png", "after-the-rain.jpg", "appleflower.png", "beam.png",
               "butterfly.png", "cloud.png", "drop.png", "flowers.png", "fog.jpg", "this-is-not-windows.jpg")
BUNDLED = (  # (library, name, licence, shows people)
    ("skimage", "astronaut", "public domain (NASA)", True), ("skimage", "chelsea", "CC0", False),
    ("skimage", "coffee", "CC0", False), ("skimage", "rocket", "public domain (SpaceX)", False),
    ("skimage", "hubble_deep_field", "public domain (NASA)", False), ("sklearn", "china.jpg", "CC-BY-2.0", False),
    ("sklearn", "flower.jpg", "CC-BY-2.0", False), ("matplotlib", "grace_hopper.jpg", "public domain", True))


def named_files(package, folder, names, split, licence, stem=lambda path: path.stem):
    """A reader of the files `names` in `folder` (below /) of `package`; the other files there are renders or
    abstract art. A missing name is an error: the package's contents changed. Named by the file's stem alone,
    as the first study's folders were."""
    def read(root):
        for name in names:
            path = root / folder.format(name=name)
            if not path.is_file():
                raise SourceError(f"{package} has no {path}: its contents differ from Debian 12's")
            yield Candidate(stem(path), package, str(path), licence, group=f"{package}_{stem(path)}", split=split,
                            read=from_file(path))
    return read


def bundled_photo(library, name):
    """A photo bundled in an installed wheel, as a PIL RGB image."""
    if library == "skimage":
        import skimage.data

        return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    if library == "sklearn":
        from sklearn.datasets import load_sample_image

        return Image.fromarray(load_sample_image(name))
    from matplotlib import cbook

    return Image.open(cbook.get_sample_data(name)).convert("RGB")


def bundled(root):
    for library, file, licence, people in BUNDLED:
        name = f"{library}_{pathlib.Path(file).stem}"
        yield Candidate(name, library, f"{library}: {file}", licence, group=name, split=HELDOUT,
                        read=lambda library=library, file=file: bundled_photo(library, file), people=people)


# ----------------------------------------------------------------------------------------------- corpora

WALLPAPERS = {  # package (None: a Python wheel): reader
    "mate-backgrounds": named_files("mate-backgrounds", "usr/share/backgrounds/mate/nature/{name}.jpg", MATE_PHOTOS,
                                    TRAIN, "GPL-2+ (mate-backgrounds)"),
    "plasma-workspace-wallpapers": named_files(
        "plasma-workspace-wallpapers", "usr/share/wallpapers/{name}/contents/images/2560x1600.jpg", PLASMA_PHOTOS,
        TRAIN, "LGPL-3 (plasma-workspace-wallpapers metadata)", stem=lambda path: path.parents[2].name),
    "lxqt-themes": named_files("lxqt-themes", "usr/share/lxqt/wallpapers/{name}", LXQT_PHOTOS, HELDOUT,
                               "CC-BY-SA-3.0 (lxqt-themes)"),
    None: bundled,
}
LIBJXL = "usr/share/libjxl-testdata/"
DEBIAN = {
    **WALLPAPERS,
    "gcompris-qt-data": gcompris,
    "kphotoalbum": kphotoalbum,
    "tuxpaint-data": lambda root: (
        candidate for pattern in ("usr/share/tuxpaint/templates/*.jpg", "usr/share/tuxpaint/starters/reef-back.png",
                                  "usr/share/tuxpaint/starters/skyline-sf-dusk-back.jpeg")
        for candidate in files_of("tuxpaint-data", root, pattern, TRAIN)),
    "jigzo-data": jigzo,
    "palapeli-data": palapeli,
    "libjxl-testdata": lambda root: (
        candidate for pattern in (LIBJXL + "jxl/flower/flower.png", LIBJXL + "jxl/hdr_room.png",
                                  LIBJXL + "external/wesaturate/500px/*_srgb8.png")
        for candidate in files_of("libjxl-testdata", root, pattern, HELDOUT)),
    "sddm-theme-maldives": single("sddm-theme-maldives", "usr/share/sddm/themes/maldives/background.jpg",
                                  "sddm_maldives"),
    "lomiri-wallpapers-20.04": single("lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg",
                                      "lomiri_kleiber"),
    "python3-scipy": scipy_face,
}
CORPORA = {"small": WALLPAPERS, "large": DEBIAN}
REVIEWED = {  # name: why it is excluded, from looking at every candidate (contact sheets of 48), 2026-12-03
    "libjxl_hdr_room": "HDR (Rec. 2100 HLG ICC profile), not sRGB: read as sRGB its colours would be wrong",
}


def candidates(corpus, cache):
    """Every candidate of `corpus` ('small' or 'large'), packages fetched into `cache` where not installed."""
    if corpus not in CORPORA:
        raise SourceError(f"Invalid corpus. Expected one of {list(CORPORA)}. Received: {corpus!r}")
    found = []
    for package, reader in CORPORA[corpus].items():
        root = package_root(package, cache) if package else None
        found += [candidate if root in (None, pathlib.Path("/")) else  # named by its installed path
                  dataclasses.replace(candidate, path=candidate.path.replace(str(root), "", 1))
                  for candidate in map(reviewed, reader(root))]
    return found


def reviewed(candidate):
    """`candidate`, excluded with its reason where `REVIEWED` names it."""
    reason = REVIEWED.get(candidate.name)
    return dataclasses.replace(candidate, split=EXCLUDED, reason=reason) if reason else candidate
