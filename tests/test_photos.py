"""data/build_photos.py: the study's folders of real photos (Debian wallpapers, bundled photos, Solvay 1927)."""

import csv
import importlib.util
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "build_photos.py"
spec = importlib.util.spec_from_file_location("build_photos", SCRIPT)
build_photos = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_photos)


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
    result = subprocess.run([sys.executable, str(SCRIPT), f"--out={tmp_path}", "--scales=256,512"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr  # every source is installed (.ci/run installs them)
    train, heldout, solvay = (manifest(tmp_path / part) for part in ("train", "heldout", "solvay"))
    # 21 photos, each at least 1280 x 1024: at short side 256 one tile or more, at 512 six or more
    sources = {row["source"] for row in train}
    assert len(sources) == len(build_photos.TRAIN_SOURCES) == 21
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
