"""Build the study's real-photo folders (offline, deterministic) under ``data/photos/``:

    train/     256 x 256 tiles of the Debian wallpaper *photographs* (mate-backgrounds nature/, the photo sets of
               plasma-workspace-wallpapers): each photo resized (Lanczos) so that its short side is 256, 512, 1024
               and 1536 px (scales above the photo's own short side are skipped), then cut into the centred grid
               of whole 256 x 256 tiles at each scale (about 1,500 tiles from 21 photos).
    heldout/   photos that are not in train/: the lxqt-themes wallpaper photos and the photos bundled in
               scikit-image, scikit-learn and matplotlib, each resized so its short side is 256, then
               centre-cropped to 256 x 256 (19 photos).
    solvay/    the 1927 Solvay Conference photograph (Debian visp-images-data), a true black-and-white photo
               with no colour original (the report's Figure 7): resized to a short side of 512 and cut into its
               centred 2 x 2 grid of 256 x 256 tiles (4 tiles, a few faces each).

Each folder gets ``manifest.csv``: file, source, licence, scale (short side in px), x, y (the tile's top-left
corner at that scale). A source that is not installed is skipped with a warning (package contents differ
between Debian releases); the files are PNG (lossless after the one resize), sRGB, alpha dropped.

Install the sources first (Debian packages; nothing here is downloaded or committed):

    apt-get install -y --no-install-recommends mate-backgrounds lxqt-themes plasma-workspace-wallpapers
    mkdir -p /opt/visp && cd /opt/visp && apt-get download visp-images-data && \
        dpkg-deb --fsys-tarfile visp-images-data_*.deb | tar -x --wildcards '*Solvay*'

Usage (from the repository root):

    python data/build_photos.py [--out=data/photos] [--scales=256,512,1024,1536] [--solvay=PATH]
"""

import argparse
import csv
import pathlib
import sys

import numpy as np
from PIL import Image

TILE = 256
TRAIN_SCALES = (256, 512, 1024, 1536)
MATE = pathlib.Path("/usr/share/backgrounds/mate/nature")
PLASMA = pathlib.Path("/usr/share/wallpapers")
LXQT = pathlib.Path("/usr/share/lxqt/wallpapers")
SOLVAY = "usr/share/visp-images-data/ViSP-images/Solvay/Solvay_conference_1927_Version2_2126x1463.png"

TRAIN_SOURCES = (
    [(MATE / f"{name}.jpg", "GPL-2+ (mate-backgrounds)")
     for name in ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "RainDrops", "Storm",
                  "TwoWings", "Wood", "YellowFlower")]
    + [(PLASMA / name / "contents" / "images" / "2560x1600.jpg", "LGPL-3 (plasma-workspace-wallpapers metadata)")
       for name in ("BytheWater", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Kite", "OneStandsOut",
                    "Path", "summer_1am")])
HELDOUT_FILES = ("Butterfly-Kenneth-Wimer.jpg", "Valendas.png", "after-the-rain.jpg", "appleflower.png", "beam.png",
                 "butterfly.png", "cloud.png", "drop.png", "flowers.png", "fog.jpg", "this-is-not-windows.jpg")
BUNDLED = (("skimage", "astronaut", "public domain (NASA)"), ("skimage", "chelsea", "CC0"),
           ("skimage", "coffee", "CC0"), ("skimage", "rocket", "public domain (SpaceX)"),
           ("skimage", "hubble_deep_field", "public domain (NASA)"), ("sklearn", "china.jpg", "CC-BY-2.0"),
           ("sklearn", "flower.jpg", "CC-BY-2.0"), ("matplotlib", "grace_hopper.jpg", "public domain"))


def resize_short_side(image, short):
    """PIL RGB image resized (Lanczos) so that its shorter side is `short` px, aspect ratio kept."""
    width, height = image.size
    factor = short / min(width, height)
    return image.resize((max(short, round(width * factor)), max(short, round(height * factor))), Image.LANCZOS)


def grid_tiles(image, tile=TILE):
    """[(x, y, tile image)] of the centred grid of whole tile x tile squares of `image`, row-major."""
    width, height = image.size
    columns, rows = width // tile, height // tile
    x0, y0 = (width - columns * tile) // 2, (height - rows * tile) // 2
    return [(x0 + c * tile, y0 + r * tile, image.crop((x0 + c * tile, y0 + r * tile, x0 + (c + 1) * tile,
                                                       y0 + (r + 1) * tile)))
            for r in range(rows) for c in range(columns)]


def bundled_photo(library, name):
    """A photo bundled in an installed wheel, as a PIL RGB image."""
    if library == "skimage":
        import skimage.data

        return Image.fromarray(getattr(skimage.data, name)())
    if library == "sklearn":
        from sklearn.datasets import load_sample_image

        return Image.fromarray(load_sample_image(name))
    from matplotlib import cbook

    return Image.open(cbook.get_sample_data(name))


def write_folder(folder, rows):
    """Saves [(file name, PIL image, source, licence, scale, x, y)] as PNGs plus manifest.csv; returns the count."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "manifest.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["file", "source", "licence", "scale", "x", "y"])
        for name, image, source, licence, scale, x, y in rows:
            image.convert("RGB").save(folder / name, format="PNG", icc_profile=None)  # the sources' are sRGB
            writer.writerow([name, source, licence, scale, x, y])
    return len(rows)


def present(sources):
    """The (path, licence) pairs whose file exists; warns about the others."""
    found = [(path, licence) for path, licence in sources if path.is_file()]
    for path, _ in sorted(set(sources) - set(found)):
        print(f"warning: {path} is not installed; skipped", file=sys.stderr)
    return found


def train_rows(scales=TRAIN_SCALES):
    rows = []
    for path, licence in present(TRAIN_SOURCES):
        photo = Image.open(path).convert("RGB")
        stem = path.stem if path.parent == MATE else path.parents[2].name
        for scale in (s for s in scales if s <= min(photo.size)):
            for x, y, tile in grid_tiles(resize_short_side(photo, scale)):
                rows.append((f"{stem}_s{scale}_x{x}_y{y}.png", tile, str(path), licence, scale, x, y))
    return rows


def centre_crop_rows(photos):
    """[(name, PIL image, source, licence)] -> rows of the short side 256, centre-cropped 256 x 256 photos."""
    rows = []
    for name, photo, source, licence in photos:
        resized = resize_short_side(photo.convert("RGB"), TILE)
        x, y = (resized.size[0] - TILE) // 2, (resized.size[1] - TILE) // 2
        rows.append((f"{name}.png", resized.crop((x, y, x + TILE, y + TILE)), source, licence, TILE, x, y))
    return rows


def heldout_rows():
    photos = [(path.stem, Image.open(path), str(path), "CC-BY-SA-3.0 (lxqt-themes)")
              for path, _ in present([(LXQT / name, "") for name in HELDOUT_FILES])]
    for library, name, licence in BUNDLED:
        try:
            photos.append((f"{library}_{pathlib.Path(name).stem}", bundled_photo(library, name), f"{library}: {name}",
                           licence))
        except (ImportError, OSError) as error:
            print(f"warning: {library} {name} could not be loaded ({error}); skipped", file=sys.stderr)
    return centre_crop_rows(photos)


def solvay_rows(path):
    if not path.is_file():
        print(f"warning: {path} is not there (see the module docstring); solvay/ skipped", file=sys.stderr)
        return []
    photo = resize_short_side(Image.open(path).convert("RGB"), 2 * TILE)
    pixels = np.asarray(photo)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all(), "not gray"
    return [(f"solvay_x{x}_y{y}.png", tile, str(path), "public domain (1927; visp-images-data)", 2 * TILE, x, y)
            for x, y, tile in grid_tiles(photo)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent / "photos"))
    parser.add_argument("--scales", default=",".join(map(str, TRAIN_SCALES)),
                        help="short sides of the training photos' tilings, comma-separated")
    parser.add_argument("--solvay", default=str(pathlib.Path("/opt/visp") / SOLVAY),
                        help=f"the Solvay PNG (installed: /{SOLVAY})")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    solvay = pathlib.Path(args.solvay)
    if not solvay.is_file() and pathlib.Path("/", SOLVAY).is_file():
        solvay = pathlib.Path("/", SOLVAY)
    scales = tuple(int(scale) for scale in args.scales.split(","))
    for part, rows in (("train", train_rows(scales)), ("heldout", heldout_rows()), ("solvay", solvay_rows(solvay))):
        if rows:
            print(f"{out / part}: {write_folder(out / part, rows)} images")


if __name__ == "__main__":
    main()
