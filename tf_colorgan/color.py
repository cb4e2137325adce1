"""Pure-TensorFlow sRGB <-> CIE Lab (D65, 2 degree observer) conversion.

Port of the 2017 TensorFlow colourisation code's conversion (itself ported from
torch `image.c`): sRGB companding, the sRGB/D65 RGB->XYZ matrix, white point
(0.950456, 1, 1.088754) and CIE f(t) with its linear part below (6/29)^3.
`lab_to_rgb` inverts each step, as the 2017 code's did (its XYZ->RGB matrix is
computed here as the inverse of the RGB->XYZ one), so rgb -> lab -> rgb round-trips to float32 precision.

Contract: any rank >= 1, channels last (`[3]`, `[H, W, 3]`, `[N, H, W, 3]`),
output shaped like the input; dynamic shapes and XLA (`jit_compile=True`)
work. float64 input is computed and returned in float64, other floating dtypes
(float16, bfloat16, float32) in float32; integer input raises `TypeError`
(scale uint8 images to [0, 1] first); a wrong static channel count raises
`ValueError`. Piecewise functions evaluate both branches on clamped in-domain
values, so gradients are finite everywhere (including at exactly 0 and 1).
sRGB is in [0, 1]; L is in [0, 100] and, for in-gamut colours, a is in about
[-87, 99] and b in about [-108, 95].
"""

import numpy as np
import tensorflow as tf

# Network-facing normalisation: l = L / L_SCALE - 1, ab = (a, b) / AB_SCALE.
L_SCALE = 50.0
AB_SCALE = 110.0

_RGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423],
                        [0.212671, 0.715160, 0.072169],
                        [0.019334, 0.119193, 0.950227]])
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = (0.950456, 1.0, 1.088754)
_SRGB_KNEE = 0.04045  # Companded side; the linear side is _SRGB_KNEE / 12.92.
_EPS = 6.0 / 29.0


def _prepare(x, name, channels):
    """Checks dtype and static shape; returns a float32/float64 tensor."""
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(f"Invalid `{name}`: expected a floating-point tensor. "
                        f"Received dtype={x.dtype.name}")
    n = len(channels.split(", "))
    if x.shape.rank is not None and (x.shape.rank == 0
                                     or x.shape[-1] not in (None, n)):
        raise ValueError(f"Invalid `{name}`: expected last dimension {n} "
                         f"({channels}). Received shape={tuple(x.shape)}")
    return x if x.dtype == tf.float64 else tf.cast(x, tf.float32)


def _mix(x, matrix):
    """Per-pixel `matrix @ x` as elementwise ops (immune to TF32 matmuls)."""
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    return tf.stack([float(m0) * r + float(m1) * g + float(m2) * b
                     for m0, m1, m2 in matrix], axis=-1)


def _linearize(rgb):
    """sRGB companding undone: rgb / 12.92 below the knee, ((rgb + 0.055) / 1.055)^2.4 above."""
    return tf.where(rgb <= _SRGB_KNEE, rgb / 12.92, ((tf.maximum(rgb, _SRGB_KNEE) + 0.055) / 1.055) ** 2.4)


def _cie_f(t):
    """CIE f(t): t^(1/3) above (6/29)^3, else t / (3 (6/29)^2) + 4/29."""
    return tf.where(t > _EPS**3, tf.maximum(t, _EPS**3) ** (1.0 / 3.0), t / (3.0 * _EPS**2) + 4.0 / 29.0)


def rgb_to_lab(rgb):
    """Converts sRGB to CIE Lab (D65).

    lin = rgb / 12.92 if rgb <= 0.04045 else ((rgb + 0.055) / 1.055)^2.4;
    t = (M @ lin) / (0.950456, 1, 1.088754), M the sRGB/D65 RGB->XYZ matrix;
    f = t^(1/3) if t > (6/29)^3 else t / (3 (6/29)^2) + 4/29;
    L = 116 f_y - 16, a = 500 (f_x - f_y), b = 200 (f_y - f_z).

    Args:
        rgb: Floating tensor `[..., 3]`, sRGB in [0, 1].

    Returns:
        `[..., 3]` (L, a, b), float32 (float64 for float64 input): L in
        [0, 100], a and b roughly in [-110, 110].

    Raises:
        ValueError: If the static last dimension is not 3.
        TypeError: If `rgb` is not floating point.
    """
    rgb = _prepare(rgb, "rgb", "R, G, B")
    t = _mix(_linearize(rgb), _RGB_TO_XYZ) / tf.constant(_WHITE, rgb.dtype)
    f = _cie_f(t)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return tf.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)],
                    axis=-1)


def normalized_lightness_of_uint8(images):
    """L' = L / 50 - 1 of uint8 sRGB images, the first output of `normalize_lab(rgb_to_lab(images / 255))`,
    computed for L alone: linearised values from a 256-entry table, Y = M[1] @ lin, L = 116 f(Y) - 16.

    Args:
        images: uint8 tensor `[..., 3]`.

    Returns:
        float32 `[..., 1]` in [-1, 1].
    """
    table = _linearize(tf.range(256, dtype=tf.float32) / 255.0)
    lin = tf.gather(table, tf.cast(images, tf.int32))
    r, g, b = (float(m) for m in _RGB_TO_XYZ[1])
    y = r * lin[..., 0:1] + g * lin[..., 1:2] + b * lin[..., 2:3]
    return (116.0 * _cie_f(y) - 16.0) / L_SCALE - 1.0


def lab_to_rgb(lab):
    """Converts CIE Lab (D65) to sRGB; the exact inverse of `rgb_to_lab`.

    f_y = (L + 16) / 116, f_x = f_y + a / 500, f_z = f_y - b / 200;
    t = f^3 if f > 6/29 else 3 (6/29)^2 (f - 4/29);
    lin = clip(M^-1 @ (t * white), 0, 1) (out-of-gamut colours are clipped);
    rgb = 12.92 lin if lin <= 0.04045 / 12.92 else 1.055 lin^(1/2.4) - 0.055.

    Args:
        lab: Floating tensor `[..., 3]` of (L, a, b).

    Returns:
        `[..., 3]` sRGB tensor in [0, 1], float32 (float64 for float64 input).

    Raises:
        ValueError: If the static last dimension is not 3.
        TypeError: If `lab` is not floating point.
    """
    lab = _prepare(lab, "lab", "L, a, b")
    fy = (lab[..., 0] + 16.0) / 116.0
    f = tf.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], -1)
    t = tf.where(f > _EPS, f**3, 3.0 * _EPS**2 * (f - 4.0 / 29.0))
    lin = tf.clip_by_value(
        _mix(t * tf.constant(_WHITE, lab.dtype), _XYZ_TO_RGB), 0.0, 1.0)
    knee = _SRGB_KNEE / 12.92
    return tf.where(lin <= knee, lin * 12.92,
                    1.055 * tf.maximum(lin, knee) ** (1.0 / 2.4) - 0.055)


def normalize_lab(lab):
    """Splits Lab into network-range l = L / 50 - 1 and ab = (a, b) / 110.

    Args:
        lab: Floating tensor `[..., 3]` of (L, a, b).

    Returns:
        `(l, ab)`: `[..., 1]` in [-1, 1] and `[..., 2]` (in [-1, 1] when in
        gamut); float32 (float64 for float64 input).
    """
    lab = _prepare(lab, "lab", "L, a, b")
    return lab[..., :1] / L_SCALE - 1.0, lab[..., 1:] / AB_SCALE


def denormalize_lab(l, ab):
    """Inverse of `normalize_lab`: Lab = concat((l + 1) * 50, ab * 110).

    Args:
        l: Floating tensor `[..., 1]`, normalised lightness.
        ab: Floating tensor `[..., 2]`, normalised chroma.

    Returns:
        `[..., 3]` Lab tensor; float64 only if both inputs are float64.
    """
    l, ab = _prepare(l, "l", "L"), _prepare(ab, "ab", "a, b")
    if l.dtype != ab.dtype:
        l, ab = tf.cast(l, tf.float32), tf.cast(ab, tf.float32)
    return tf.concat([(l + 1.0) * L_SCALE, ab * AB_SCALE], axis=-1)


def to_uint8(images, unit_range=True):
    """Float images in [0, 1] (`unit_range`) or [-1, 1] -> uint8 [0, 255], rounded and clipped."""
    images = tf.cast(images, tf.float32)
    images = images if unit_range else (images + 1.0) / 2.0
    return tf.cast(tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0), tf.uint8)


def lab_to_uint8(l, ab):
    """L' [..., 1] and ab' [..., 2] (normalised, `normalize_lab`) -> sRGB uint8 [..., 3], rounded and clipped: the
    one way every prediction becomes a picture (the export, the evaluation, the sample grids)."""
    return to_uint8(lab_to_rgb(denormalize_lab(l, ab)))
