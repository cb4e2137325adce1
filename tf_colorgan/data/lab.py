"""One photo to one Lab pair (as the original `ops/data_ops.py`): sRGB float [0, 1] [H, W, 3] -> Lab at the native
resolution -> an AREA resize of the whole image to size x size (the report's runs; the aspect ratio is not kept),
or with jitter an AREA resize to (size + 20)^2, a random left-right flip and a random size x size crop, applied to
L and ab together -> L' = L/50 - 1 [S, S, 1] and ab' = ab/110 [S, S, 2].
"""

import tensorflow as tf

from tf_colorgan import color

JITTER_MARGIN = 20


def resized_lab(rgb, side):
    """sRGB [H, W, 3] in [0, 1] -> Lab at the native resolution, AREA-resized to [side, side, 3]."""
    return tf.image.resize(color.rgb_to_lab(rgb), [side, side], method="area")


def jittered_pair(lab, size, jitter_seed=None):
    """Lab [side, side, 3] from `resized_lab` -> (L' [size, size, 1], ab' [size, size, 2]); with a `jitter_seed`
    (int tensor [2]; side = size + JITTER_MARGIN) a left-right flip and a size x size crop of L and ab together,
    drawn statelessly from the seed (the same seed gives the same flip and crop, in any thread)."""
    if jitter_seed is not None:
        flip_seed, crop_seed = tf.unstack(tf.random.experimental.stateless_split(jitter_seed, 2))
        lab = tf.image.stateless_random_flip_left_right(lab, flip_seed)
        lab = tf.image.stateless_random_crop(lab, [size, size, 3], crop_seed)
    return color.normalize_lab(lab)


def lab_pair(rgb, size, jitter_seed=None):
    """sRGB [H, W, 3] in [0, 1] -> (L' [size, size, 1] in [-1, 1], ab' [size, size, 2] in about [-1, 1]).

    Lab at the native resolution, AREA-resized to size; with a `jitter_seed` to size + 20, then flipped and
    cropped to size as `jittered_pair` (the flip commutes with the resize, so it is applied after it).
    """
    side = size if jitter_seed is None else size + JITTER_MARGIN
    return jittered_pair(resized_lab(rgb, side), size, jitter_seed)
