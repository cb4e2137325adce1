"""Build the study's real-photo folders (offline but for Debian's mirror, deterministic) from Debian packages.

Two corpora (`photo_sources.CORPORA`; every source, licence and exclusion is listed in `data/manifests/`):

    small  the first study's (results/figure6/): 21 wallpaper photographs (mate-backgrounds, plasma-workspace-
           wallpapers) for training; 19 held out (lxqt-themes' wallpaper photos and the photos bundled in
           scikit-image, scikit-learn and matplotlib).       -> data/photos/
    large  the study at scale (results/study_large/): those plus gcompris-qt-data (photos inside its Qt resource
           bundles), kphotoalbum, tuxpaint-data, jigzo-data, palapeli-data, libjxl-testdata, sddm-theme-maldives,
           lomiri-wallpapers-20.04 (Kleiber) and python3-scipy (the raccoon): about 300 training photos and 69
           held out, 12 of them showing people.                -> data/photos_large/

The split is by source, never by tile (`photo_sources`): whole packages, activities and scenes go to one side.
Near-duplicates (a 64-bit perceptual hash within `DUPLICATE_BITS` bits; gcompris ships some photos under two
activities) are kept once: in the held-out set if either copy is held out, else the larger copy. Photos whose
short side is under `MIN_SHORT_SIDE` are left out (too small to tile without a large upscale).

In the output folder:
    train/     256 x 256 tiles: each photo resized (Lanczos) so that its short side is each of --scales (the
               smallest always, the others only up to the photo's own short side), then cut into the centred grid
               of whole tiles at each scale.
    heldout/   each held-out photo resized so its short side is 256, then centre-cropped to 256 x 256.
    solvay/    the 1927 Solvay Conference photograph (Debian visp-images-data), a true black-and-white photo with
               no colour original (the report's Figure 7): short side 512, its centred 2 x 2 grid of tiles.
Each folder gets ``manifest.csv``: file, source, licence, scale (short side in px), x, y (the tile's top-left
corner at that scale). The files are PNG (lossless after the one resize), sRGB, alpha dropped.

Packages that are not installed are fetched into --cache (`apt-get download`, no dependencies; needs Debian's
package lists, `apt-get update`). Usage (from the repository root):

    python data/build_photos.py --corpus=large      # data/photos_large/{train,heldout,solvay} (about 1 min)
    python data/build_photos.py --corpus=small      # data/photos/{train,heldout,solvay}, the first study's
"""

import argparse
import csv
import dataclasses
import pathlib
import sys

import numpy as np
import photo_sources
import scipy.fft
from photo_sources import EXCLUDED, HELDOUT, TRAIN
from PIL import Image

TILE = 256
SCALES = {"small": (256, 512, 1024, 1536), "large": (256, 512)}  # large: higher scales would make the 21
# wallpapers (2560 x 1600 and more) most of the tiles again
OUT = {"small": "photos", "large": "photos_large"}
DUPLICATE_BITS = 8  # of 63: copies measured here at 0-2 bits, different photos of one castle at 10, others >= 12
MIN_SHORT_SIDE = 128  # at most a 2x upscale to the 256-px tile
DATA = pathlib.Path(__file__).resolve().parent
SOLVAY = "usr/share/visp-images-data/ViSP-images/Solvay/Solvay_conference_1927_Version2_2126x1463.png"


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


def centre_crop(image, tile=TILE):
    """(x, y, crop): the centred tile x tile square of `image` resized to a short side of `tile`."""
    resized = resize_short_side(image, tile)
    x, y = (resized.size[0] - tile) // 2, (resized.size[1] - tile) // 2
    return x, y, resized.crop((x, y, x + tile, y + tile))


def perceptual_hash(image):
    """63 bits (bool array): the 8 x 8 lowest frequencies of the 2-D DCT of the 32 x 32 grayscale image, DC term
    left out, each above or below their median. Resizing and recompression move few bits; other photos differ in
    about half (the pHash of Zauner, 2010)."""
    gray = np.asarray(image.convert("L").resize((32, 32), Image.LANCZOS), dtype=np.float64)
    low = scipy.fft.dctn(gray, norm="ortho")[:8, :8].ravel()[1:]
    return low > np.median(low)


def distance(hash_a, hash_b):
    """Hamming distance of two perceptual hashes (0-63)."""
    return int(np.count_nonzero(hash_a != hash_b))


def select(candidates):
    """The candidates with small and near-duplicate photos moved to EXCLUDED, each with its reason; and
    {name: (image, hash)} of the photos kept (each read once here)."""
    images, chosen = {}, {}
    for candidate in candidates:
        if candidate.split != EXCLUDED:
            image = candidate.read()
            if min(image.size) < MIN_SHORT_SIDE:
                candidate = excluded(candidate, f"too small: short side {min(image.size)} px < {MIN_SHORT_SIDE}")
            else:
                images[candidate.name] = (image, perceptual_hash(image))
        chosen[candidate.name] = candidate
    kept = []  # in order of preference: held out first, then the larger
    for name in sorted(images, key=lambda name: (chosen[name].split != HELDOUT, -np.prod(images[name][0].size))):
        twin = next((keep for keep in kept if distance(images[keep][1], images[name][1]) <= DUPLICATE_BITS), None)
        if twin is None:
            kept.append(name)
            continue
        bits = distance(images[twin][1], images.pop(name)[1])
        chosen[name] = excluded(chosen[name], f"near-duplicate of {twin} ({bits} of 63 hash bits differ)")
    return list(chosen.values()), images


def excluded(candidate, reason):
    return dataclasses.replace(candidate, split=EXCLUDED, reason=reason)


def train_rows(candidates, images, scales):
    rows = []
    for candidate in candidates:
        if candidate.split != TRAIN:
            continue
        image = images[candidate.name][0]
        for scale in (s for s in scales if s == min(scales) or s <= min(image.size)):
            for x, y, tile in grid_tiles(resize_short_side(image, scale)):
                rows.append((f"{candidate.name}_s{scale}_x{x}_y{y}.png", tile, candidate.path, candidate.licence,
                             scale, x, y))
    return rows


def heldout_rows(candidates, images):
    return [(f"{candidate.name}.png", crop, candidate.path, candidate.licence, TILE, x, y)
            for candidate in candidates if candidate.split == HELDOUT
            for x, y, crop in [centre_crop(images[candidate.name][0])]]


def solvay_rows(path):
    photo = resize_short_side(Image.open(path).convert("RGB"), 2 * TILE)
    pixels = np.asarray(photo)
    if not ((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()):
        sys.exit(f"error: --solvay {path}: expected a black-and-white photo (R = G = B everywhere). Received: one "
                 "with colour")
    return [(f"solvay_x{x}_y{y}.png", tile, str(path), "public domain (1927; visp-images-data)", 2 * TILE, x, y)
            for x, y, tile in grid_tiles(photo)]


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


def write_sources(path, candidates, images):
    """The corpus manifest: every candidate, taken or not, with its package, licence, size and reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "split", "group", "package", "path", "licence", "people", "width", "height",
                         "reason"])
        for c in sorted(candidates, key=lambda c: ({TRAIN: 0, HELDOUT: 1, EXCLUDED: 2}[c.split], c.name)):
            size = images[c.name][0].size if c.name in images else ("", "")
            writer.writerow([c.name, c.split, c.group, c.package, c.path, c.licence, int(c.people), *size,
                             c.reason])


def scales_list(text):
    """--scales: comma-separated short sides, each at least a tile's side."""
    scales = tuple(int(s) for s in text.split(",") if s.strip().isdigit())
    if len(scales) != len(text.split(",")) or min(scales) < TILE:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= {TILE}. Received: {text!r}")
    return scales


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(photo_sources.CORPORA), default="large")
    parser.add_argument("--out", help="output folder (default: data/photos for small, data/photos_large for large)")
    parser.add_argument("--scales", type=scales_list, help="short sides of the training photos' tilings, "
                        f"comma-separated integers >= {TILE} (default: {SCALES})")
    parser.add_argument("--cache", default=str(pathlib.Path.home() / ".cache" / "tf_colorgan" / "debs"),
                        help="where packages that are not installed are unpacked")
    parser.add_argument("--manifest", help="the corpus manifest (default: data/manifests/<corpus>.csv)")
    parser.add_argument("--solvay", default=str(pathlib.Path("/opt/visp") / SOLVAY),
                        help=f"the Solvay PNG (installed: /{SOLVAY})")
    args = parser.parse_args()
    out = pathlib.Path(args.out or DATA / OUT[args.corpus])
    scales = args.scales or SCALES[args.corpus]
    try:
        candidates, images = select(photo_sources.candidates(args.corpus, args.cache))
    except photo_sources.SourceError as error:
        sys.exit(f"error: {error}")
    write_sources(pathlib.Path(args.manifest or DATA / "manifests" / f"{args.corpus}.csv"), candidates, images)
    solvay = pathlib.Path(args.solvay)
    if not solvay.is_file() and pathlib.Path("/", SOLVAY).is_file():
        solvay = pathlib.Path("/", SOLVAY)
    parts = [("train", train_rows(candidates, images, scales)), ("heldout", heldout_rows(candidates, images))]
    if solvay.is_file():
        parts.append(("solvay", solvay_rows(solvay)))
    else:
        print(f"warning: {solvay} is not there (see data/README.md); solvay/ skipped", file=sys.stderr)
    for part, rows in parts:
        print(f"{out / part}: {write_folder(out / part, rows)} images")


if __name__ == "__main__":
    main()
