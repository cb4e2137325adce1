"""Tests for tf_colorgan.color (sRGB <-> CIE Lab, D65)."""

import numpy as np
import pytest
import tensorflow as tf
from skimage import color as skcolor
from skimage import data as skdata

from tf_colorgan.color import (
    AB_SCALE,
    L_SCALE,
    denormalize_lab,
    lab_to_rgb,
    normalize_lab,
    normalized_lightness_of_uint8,
    rgb_to_lab,
)

PHOTOS = {"astronaut": skdata.astronaut, "chelsea": skdata.chelsea,
          "coffee": skdata.coffee}


def _random_rgb(n=20000, seed=0):
    """Seeded random colours, a 17^3 grid (exact 0 and 1) and knee values."""
    rng = np.random.default_rng(seed)
    g = np.linspace(0.0, 1.0, 17)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    knee = np.array([[0.04045, 0.0404, 0.0405], [0.0, 0.04045, 1.0]])
    return np.concatenate([rng.random((n, 3)), grid, knee]).astype(np.float32)


def _photo(name):
    return (PHOTOS[name]() / 255.0).astype(np.float32)


def _max_dev(a, b):
    """Max absolute deviation per channel (L, a, b)."""
    return np.abs(np.asarray(a, np.float64) - b).reshape(-1, 3).max(axis=0)


def test_rgb_to_lab_matches_skimage_random():
    rgb = _random_rgb()
    dev = _max_dev(rgb_to_lab(rgb), skcolor.rgb2lab(rgb.astype(np.float64)))
    assert np.all(dev < 0.5), dev


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_rgb_to_lab_matches_skimage_photos(name):
    rgb = _photo(name)
    dev = _max_dev(rgb_to_lab(rgb), skcolor.rgb2lab(rgb.astype(np.float64)))
    assert np.all(dev < 0.5), dev


@pytest.mark.parametrize("source", ["random", "astronaut"])
def test_lab_to_rgb_matches_skimage_in_gamut(source):
    rgb = _random_rgb() if source == "random" else _photo(source)
    lab = skcolor.rgb2lab(rgb.astype(np.float64))  # In gamut by construction.
    ours = lab_to_rgb(lab.astype(np.float32)).numpy()
    np.testing.assert_allclose(ours, skcolor.lab2rgb(lab), rtol=0, atol=1e-3)


@pytest.mark.parametrize("source", ["random", "chelsea"])
def test_round_trip_float32(source):
    rgb = _random_rgb() if source == "random" else _photo(source)
    back = lab_to_rgb(rgb_to_lab(rgb))
    assert back.dtype == tf.float32
    np.testing.assert_allclose(back.numpy(), rgb, rtol=0, atol=1e-4)


def test_round_trip_float64():
    rgb = _random_rgb().astype(np.float64)
    back = lab_to_rgb(rgb_to_lab(rgb))
    assert back.dtype == tf.float64
    np.testing.assert_allclose(back.numpy(), rgb, rtol=0, atol=1e-10)


def test_normalize_denormalize_round_trip():
    lab = rgb_to_lab(_random_rgb()).numpy()
    l, ab = normalize_lab(lab)
    assert l.shape == lab.shape[:-1] + (1,)
    assert ab.shape == lab.shape[:-1] + (2,)
    np.testing.assert_allclose(l.numpy()[..., 0], lab[..., 0] / 50.0 - 1.0,
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(ab.numpy(), lab[..., 1:] / 110.0,
                               rtol=0, atol=1e-6)
    assert np.all(np.abs(l) <= 1.0 + 1e-6) and np.all(np.abs(ab) <= 1.0)
    np.testing.assert_allclose(denormalize_lab(l, ab).numpy(), lab,
                               rtol=0, atol=1e-4)
    assert (L_SCALE, AB_SCALE) == (50.0, 110.0)


@pytest.mark.parametrize("rgb, l_expected", [((1.0, 1.0, 1.0), 1.0),
                                             ((0.0, 0.0, 0.0), -1.0)])
def test_normalize_white_and_black(rgb, l_expected):
    l, ab = normalize_lab(rgb_to_lab(rgb))
    np.testing.assert_allclose(l.numpy(), [l_expected], rtol=0, atol=1e-5)
    np.testing.assert_allclose(ab.numpy(), [0.0, 0.0], rtol=0, atol=1e-5)


def _grey_lightness(v):
    """Hand formula: L of an sRGB grey v (> 0.04045), where X/Xn = Y = Z/Zn."""
    y = ((v + 0.055) / 1.055) ** 2.4
    return 116.0 * y ** (1.0 / 3.0) - 16.0


@pytest.mark.parametrize("rgb, lab, tol", [
    ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0), 1e-3),
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), 1e-3),
    ((0.5, 0.5, 0.5), (_grey_lightness(0.5), 0.0, 0.0), 1e-3),
    ((1.0, 0.0, 0.0), (53.24, 80.09, 67.20), 0.1),
    ((0.0, 1.0, 0.0), (87.73, -86.18, 83.18), 0.1),
    ((0.0, 0.0, 1.0), (32.30, 79.19, -107.86), 0.1),
])
def test_known_values(rgb, lab, tol):
    np.testing.assert_allclose(rgb_to_lab(rgb).numpy(), lab, rtol=0, atol=tol)
    np.testing.assert_allclose(lab_to_rgb(lab).numpy(), rgb, rtol=0, atol=1e-3)


def test_rank_handling_is_consistent():
    batch = _random_rgb(n=40)[:40].reshape(2, 4, 5, 3)
    out = rgb_to_lab(batch).numpy()
    assert out.shape == batch.shape
    np.testing.assert_allclose(rgb_to_lab(batch[1]).numpy(), out[1],
                               rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(rgb_to_lab(batch[1, 2, 3]).numpy(),
                               out[1, 2, 3], rtol=1e-6, atol=1e-5)
    back = lab_to_rgb(out).numpy()
    assert back.shape == batch.shape
    np.testing.assert_allclose(lab_to_rgb(out[0, 1, 2]).numpy(),
                               back[0, 1, 2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float32])
def test_low_precision_inputs_compute_in_float32(dtype):
    x = tf.cast(_random_rgb(n=1000), dtype)
    lab = rgb_to_lab(x)
    assert lab.dtype == tf.float32 and lab_to_rgb(lab).dtype == tf.float32
    np.testing.assert_allclose(lab.numpy(),
                               rgb_to_lab(tf.cast(x, tf.float32)).numpy(),
                               rtol=0, atol=1e-6)
    assert normalize_lab(tf.cast(lab, dtype))[0].dtype == tf.float32


def test_float64_input_stays_float64():
    rgb = _random_rgb(n=1000).astype(np.float64)
    lab = rgb_to_lab(rgb)
    assert lab.dtype == tf.float64
    assert denormalize_lab(*normalize_lab(lab)).dtype == tf.float64
    np.testing.assert_allclose(lab.numpy(), rgb_to_lab(rgb.astype(np.float32)),
                               rtol=0, atol=1e-3)
    assert np.all(_max_dev(lab, skcolor.rgb2lab(rgb)) < 0.5)


def test_xla_matches_eager():
    rgb = tf.constant(_random_rgb(n=2000).reshape(-1, 5, 3))  # 6915 colours.
    lab = rgb_to_lab(rgb)

    @tf.function(jit_compile=True)
    def pipeline(x):
        lab = rgb_to_lab(x)
        return normalize_lab(lab), lab_to_rgb(lab)

    (l_xla, ab_xla), rgb_xla = pipeline(rgb)
    l_eager, ab_eager = normalize_lab(lab)
    # Compared on the network scale: float32 Lab (up to ~110) only resolves
    # ~1e-5 absolute, and XLA's pow may differ from Eigen's by a few ulp.
    np.testing.assert_allclose(l_xla.numpy(), l_eager.numpy(), rtol=0,
                               atol=1e-5)
    np.testing.assert_allclose(ab_xla.numpy(), ab_eager.numpy(), rtol=0,
                               atol=1e-5)
    np.testing.assert_allclose(rgb_xla.numpy(), lab_to_rgb(lab).numpy(),
                               rtol=0, atol=1e-5)


def test_lightness_of_uint8_is_the_l_of_the_full_conversion_for_every_level():
    levels = np.arange(256, dtype=np.uint8)
    colours = np.stack(np.meshgrid(levels, levels[::15], levels[::15], indexing="ij"), -1).reshape(-1, 3)
    colours = np.concatenate([colours, skdata.astronaut().reshape(-1, 3)[::97]])
    expected, _ = normalize_lab(rgb_to_lab(colours.astype(np.float32) / 255.0))
    fast = normalized_lightness_of_uint8(tf.constant(colours))
    assert fast.shape == (len(colours), 1) and fast.dtype == tf.float32
    np.testing.assert_allclose(fast.numpy(), expected.numpy(), rtol=0, atol=2e-6)
    xla = tf.function(normalized_lightness_of_uint8, jit_compile=True)(tf.constant(colours))
    np.testing.assert_allclose(xla.numpy(), expected.numpy(), rtol=0, atol=2e-6)
    np.testing.assert_allclose(fast.numpy()[[0, 256 * 18 * 18 - 1]], [[-1.0], [1.0]], atol=2e-6)  # black, white


@pytest.mark.parametrize("spec_shape, shape", [
    ([None, None, None, None], (2, 3, 4, 3)),  # Unknown dims incl. channels.
    (None, (2, 3, 4, 3)),  # Unknown rank.
    (None, (3,)),
])
def test_unknown_shapes_under_tf_function(spec_shape, shape):
    fn = tf.function(lambda x: lab_to_rgb(rgb_to_lab(x)),
                     input_signature=[tf.TensorSpec(spec_shape, tf.float32)])
    rgb = _random_rgb(n=24)[:24].reshape(-1)[:np.prod(shape)].reshape(shape)
    out = fn(rgb).numpy()
    assert out.shape == shape
    np.testing.assert_allclose(out, rgb, rtol=0, atol=1e-4)
    # Graph rewrites may reorder float32 ops; dark channels of bright colours
    # come out of a cancellation in XYZ->RGB, so allow a few 1e-6.
    np.testing.assert_allclose(out, lab_to_rgb(rgb_to_lab(rgb)).numpy(),
                               rtol=0, atol=1e-5)


def test_gradients_finite_including_exact_zero_and_one():
    # Slightly out-of-range values (e.g. raw generator outputs) included:
    # pow of a negative base in the unused branch would give NaN gradients.
    extra = np.array([[-0.1, 1.1, 0.5], [-1.0, 0.0, 2.0]], np.float32)
    x = tf.constant(np.concatenate([_random_rgb(n=500), extra]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(rgb_to_lab(x))
    grad = tape.gradient(total, x).numpy()
    assert np.all(np.isfinite(grad)) and np.any(grad != 0.0)

    # At black only the linear segments are active: dL/drgb is analytic.
    black = tf.zeros([3])
    with tf.GradientTape() as tape:
        tape.watch(black)
        lightness = rgb_to_lab(black)[0]
    slope = 116.0 * 29.0**2 / (3.0 * 6.0**2) / 12.92
    expected = slope * np.array([0.212671, 0.715160, 0.072169])
    np.testing.assert_allclose(tape.gradient(lightness, black).numpy(),
                               expected, rtol=1e-5)

    lab = tf.constant([[0.0, 0.0, 0.0], [100.0, 0.0, 0.0],
                       [50.0, 128.0, -128.0], [0.0, -128.0, 128.0],
                       [100.0, 128.0, 128.0]])
    with tf.GradientTape() as tape:
        tape.watch(lab)
        total = tf.reduce_sum(lab_to_rgb(lab))
    assert np.all(np.isfinite(tape.gradient(total, lab).numpy()))


@pytest.mark.parametrize("fn, arg, name", [
    (rgb_to_lab, np.zeros((2, 4), np.float32), "rgb"),
    (lab_to_rgb, np.zeros((5, 4), np.float32), "lab"),
    (normalize_lab, np.zeros((1, 2, 4), np.float32), "lab"),
])
def test_wrong_last_dimension_raises(fn, arg, name):
    with pytest.raises(ValueError) as excinfo:
        fn(arg)
    message = str(excinfo.value)
    assert f"Invalid `{name}`: expected last dimension 3" in message
    assert f"Received shape={tuple(arg.shape)}" in message


def test_invalid_denormalize_inputs_and_dtypes_raise():
    with pytest.raises(ValueError, match=r"expected last dimension 1 .*"
                                         r"Received shape=\(4, 2\)"):
        denormalize_lab(np.zeros((4, 2), np.float32), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="expected last dimension 3"):
        rgb_to_lab(np.float32(0.5))
    with pytest.raises(TypeError, match="floating-point"):
        rgb_to_lab(np.zeros((2, 3), np.uint8))

