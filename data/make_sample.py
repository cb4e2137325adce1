"""Regenerate ``tf_colorgan/sample/`` (``data/sample`` links to it): the small built-in set of real colour
photos, package data so that an installed package has them.

Every photo comes from data bundled with an installed library (no network):

    astronaut.jpg          skimage.data.astronaut()          public domain (NASA)
    chelsea.jpg            skimage.data.chelsea()            CC0
    coffee.jpg             skimage.data.coffee()             CC0
    rocket.jpg             skimage.data.rocket()             public domain (SpaceX)
    hubble_deep_field.jpg  skimage.data.hubble_deep_field()  public domain (NASA)
    grace_hopper.jpg       matplotlib.cbook.get_sample_data('grace_hopper.jpg')
                                                             public domain

Processing, identical for every photo:

1. load as 8-bit RGB (alpha, if any, dropped; no colour-space conversion,
   the sources are sRGB);
2. if the longer side exceeds ``MAX_SIDE`` (512 px), downscale with
   ``PIL.Image.LANCZOS`` keeping the aspect ratio (never upscale);
3. save as baseline JPEG, quality 92, no EXIF/ICC metadata.

The output depends only on the installed scikit-image / matplotlib / Pillow
versions, so running the script again rewrites byte-identical files.
A source that cannot be loaded is skipped with a warning.

Usage (from the repository root)::

    python data/make_sample.py
"""

import os
import sys

import numpy as np
from PIL import Image

MAX_SIDE = 512
JPEG_QUALITY = 92
OUT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tf_colorgan", "sample")


def _skimage(name):
    def load():
        import skimage.data

        return getattr(skimage.data, name)()

    return load


def _grace_hopper():
    import matplotlib.cbook

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


# output file name -> loader returning an (H, W, 3|4) uint8 array
SOURCES = {
    "astronaut.jpg": _skimage("astronaut"),
    "chelsea.jpg": _skimage("chelsea"),
    "coffee.jpg": _skimage("coffee"),
    "rocket.jpg": _skimage("rocket"),
    "hubble_deep_field.jpg": _skimage("hubble_deep_field"),
    "grace_hopper.jpg": _grace_hopper,
}


def to_sample(array, max_side=MAX_SIDE):
    """Return an RGB PIL image whose longer side is at most ``max_side``."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError("expected uint8 image, got %s" % array.dtype)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    im = Image.fromarray(np.ascontiguousarray(array[..., :3])).convert("RGB")
    w, h = im.size
    scale = max_side / float(max(w, h))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        im = im.resize(size, resample=Image.LANCZOS)
    return im


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    failed = []
    for fname, load in SOURCES.items():
        try:
            array = load()
        except Exception as exc:  # e.g. a data file missing from the install
            print("SKIP %s: %s" % (fname, exc), file=sys.stderr)
            failed.append(fname)
            continue
        im = to_sample(array)
        path = os.path.join(OUT_DIR, fname)
        im.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
        h, w = np.asarray(array).shape[:2]
        print("%-22s %4dx%-4d -> %4dx%-4d %7d bytes"
              % (fname, w, h, im.size[0], im.size[1], os.path.getsize(path)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
