"""Tests for tf_colorgan.tasks.colorize.metrics (per-image colorization metrics), hand-computed on tiny images."""

import math

import numpy as np
import pytest
from skimage import data as skdata
from skimage.metrics import structural_similarity

from tf_colorgan import color
from tf_colorgan.tasks.colorize import metrics


def _uniform(rgb, shape=(4, 4)):
    return np.broadcast_to(np.array(rgb, np.uint8), (*shape, 3)).copy()


def _lab(rgb):
    return color.rgb_to_lab(np.array(rgb, np.float64) / 255.0).numpy()


def _crop():
    return skdata.astronaut()[:64, :64]


def _noisy(image, seed=0, amplitude=20):
    rng = np.random.default_rng(seed)
    return np.clip(image.astype(np.int64) + rng.integers(-amplitude, amplitude + 1, image.shape), 0, 255
                   ).astype(np.uint8)


# PSNR.

def test_psnr_identical_is_inf():
    image = _crop()
    with np.errstate(all="raise"):  # No division warning on the way to inf.
        assert metrics.psnr(image, image.copy()) == float("inf")


def test_psnr_known_mse():
    # MSE = 5^2 = 25 -> 10 log10(65025 / 25) = 10 log10(2601).
    value = metrics.psnr(_uniform((5, 5, 5)), _uniform((0, 0, 0)))
    assert isinstance(value, float)
    assert value == pytest.approx(10 * math.log10(2601))
    assert value == pytest.approx(34.1514, abs=1e-4)


def test_psnr_one_pixel_difference():
    # One of 2 x 2 x 3 = 12 values differs by 30: MSE = 900 / 12 = 75 -> 10 log10(65025 / 75) = 10 log10(867).
    truth = np.zeros((2, 2, 3), np.uint8)
    prediction = truth.copy()
    prediction[1, 0, 2] = 30
    assert metrics.psnr(prediction, truth) == pytest.approx(10 * math.log10(867))
    assert metrics.psnr(prediction, truth) == pytest.approx(29.3802, abs=1e-4)


def test_psnr_uses_uint8_without_wraparound():
    # 0 - 255 must be -255, not 1 (uint8 wraparound): MSE 255^2 -> 0 dB.
    assert metrics.psnr(_uniform((0, 0, 0)), _uniform((255, 255, 255))) == pytest.approx(0.0)


# SSIM.

def test_ssim_identical_photo_is_one():
    image = _crop()
    assert metrics.ssim(image, image.copy()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("kind", ["noise", "shift"])
def test_ssim_matches_skimage(kind):
    truth = _crop()
    prediction = _noisy(truth) if kind == "noise" else skdata.astronaut()[1:65, 2:66]
    ours = metrics.ssim(prediction, truth)
    reference = structural_similarity(prediction, truth, channel_axis=-1, data_range=255, gaussian_weights=True,
                                      sigma=1.5, use_sample_covariance=False)
    assert ours < 0.99  # A real difference, not a trivially equal pair.
    assert ours == pytest.approx(reference, abs=1e-3)


def test_ssim_too_small_raises():
    image = np.zeros((10, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="at least 11 x 11"):
        metrics.ssim(image, image)


# Colourfulness.

TWO_PIXELS = np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8)
# rg = (255, 0), yb = (127.5, -255): std_rg = 127.5, std_yb = 191.25, mean_rg = 127.5, mean_yb = -63.75.
TWO_PIXELS_CF = math.sqrt(127.5**2 + 191.25**2) + 0.3 * math.sqrt(127.5**2 + 63.75**2)
# |rg| = (255, 0), |yb| = (127.5, 255): std 127.5 and 63.75, mean 127.5 and 191.25.
TWO_PIXELS_CF_ABS = math.sqrt(127.5**2 + 63.75**2) + 0.3 * math.sqrt(127.5**2 + 191.25**2)


@pytest.mark.parametrize("absolute", [False, True])
def test_colourfulness_gray_is_zero(absolute):
    gray = np.repeat(np.array([[0, 7, 128], [200, 254, 255]], np.uint8)[..., None], 3, axis=-1)
    assert metrics.colourfulness(gray, absolute=absolute) == 0.0


def test_colourfulness_two_pixels_by_hand():
    assert TWO_PIXELS_CF == pytest.approx(272.6187, abs=1e-4)
    assert TWO_PIXELS_CF_ABS == pytest.approx(211.5055, abs=1e-4)
    assert metrics.colourfulness(TWO_PIXELS) == pytest.approx(TWO_PIXELS_CF, rel=1e-12)
    assert metrics.colourfulness(TWO_PIXELS, absolute=True) == pytest.approx(TWO_PIXELS_CF_ABS, rel=1e-12)


def test_colourfulness_uniform_colour_is_mean_term_only():
    # One colour: stds 0; rg = 100, yb = 0.5 * (200 + 100) - 50 = 100 -> 0.3 * sqrt(2) * 100.
    assert metrics.colourfulness(_uniform((200, 100, 50))) == pytest.approx(0.3 * math.sqrt(2) * 100)


@pytest.mark.parametrize("absolute, expected", [(False, TWO_PIXELS_CF), (True, TWO_PIXELS_CF_ABS)])
def test_delta_colourfulness(absolute, expected):
    gray = np.full_like(TWO_PIXELS, 90)
    assert metrics.delta_colourfulness(TWO_PIXELS, gray, absolute) == pytest.approx(expected)
    assert metrics.delta_colourfulness(gray, TWO_PIXELS, absolute) == pytest.approx(expected)
    assert metrics.delta_colourfulness(TWO_PIXELS, TWO_PIXELS.copy(), absolute) == 0.0


# AuC.

def _ab_distance(rgb1, rgb2):
    lab1, lab2 = _lab(rgb1), _lab(rgb2)
    return float(np.hypot(lab1[1] - lab2[1], lab1[2] - lab2[2]))


def _auc_by_definition(distances, max_threshold=150):
    """100 * mean over t = 0..T of the fraction of distances <= t."""
    fractions = [sum(d <= t for d in distances) / len(distances) for t in range(max_threshold + 1)]
    return 100.0 * sum(fractions) / (max_threshold + 1)


def test_auc_identical_is_100():
    image = _crop()
    assert metrics.ab_error_auc(image, image.copy()) == 100.0


def test_auc_uniform_pair():
    truth_rgb, prediction_rgb = (120, 120, 120), (150, 100, 90)
    d = _ab_distance(prediction_rgb, truth_rgb)
    assert 10 < d < 140 and abs(d - round(d)) > 0.01  # Away from integer thresholds.
    expected = _auc_by_definition([d])
    assert expected == pytest.approx(100.0 * (151 - math.ceil(d)) / 151)
    assert metrics.ab_error_auc(_uniform(prediction_rgb), _uniform(truth_rgb)) == pytest.approx(expected)


def test_auc_half_changed_and_max_threshold():
    truth = _uniform((120, 120, 120))
    prediction = truth.copy()
    prediction[:2] = (20, 200, 60)
    d = _ab_distance((20, 200, 60), (120, 120, 120))
    assert 10 < d < 140 and abs(d - round(d)) > 0.01
    expected = _auc_by_definition([0.0] * 8 + [d] * 8)
    assert expected == pytest.approx(50.0 + 50.0 * (151 - math.ceil(d)) / 151)
    assert metrics.ab_error_auc(prediction, truth) == pytest.approx(expected)
    assert metrics.ab_error_auc(prediction, truth, max_threshold=0) == pytest.approx(50.0)
    expected_small = _auc_by_definition([0.0] * 8 + [d] * 8, max_threshold=int(d))
    assert metrics.ab_error_auc(prediction, truth, max_threshold=int(d)) == pytest.approx(expected_small)
    assert expected_small == pytest.approx(50.0)


def test_auc_gray_levels_count_at_threshold_zero():
    # Gray levels differ only in L: ab distance 0 in theory, ~1e-14 in float64 -> still in the t = 0 bin.
    truth = np.repeat(np.arange(256, dtype=np.uint8).reshape(16, 16, 1), 3, axis=-1)
    prediction = 255 - truth
    assert metrics.ab_error_auc(prediction, truth) == 100.0
    assert metrics.ab_error_auc(prediction, truth, max_threshold=0) == 100.0
    assert metrics.pixel_accuracy(prediction[:1, :1], truth[:1, :1], t=0.0) == 0.0  # L differs by 100.
    assert metrics.pixel_accuracy(truth, truth.copy(), t=0.0) == 1.0


# Pixel accuracy.

def test_pixel_accuracy_identical_is_one():
    image = _crop()
    assert metrics.pixel_accuracy(image, image.copy()) == 1.0


def test_pixel_accuracy_half_changed():
    truth = _uniform((128, 128, 128))
    prediction = truth.copy()
    prediction[2:] = (255, 0, 0)
    assert metrics.pixel_accuracy(prediction, truth) == 0.5


def test_pixel_accuracy_lightness_tolerance():
    # 128 -> 129 gray: dL about 0.4, da = db = 0 up to float noise.
    delta = np.abs(_lab((129, 129, 129)) - _lab((128, 128, 128)))
    assert 0.1 < delta[0] < 2.0 and delta[1:].max() < 1e-6
    truth, prediction = _uniform((128, 128, 128)), _uniform((129, 129, 129))
    assert metrics.pixel_accuracy(prediction, truth) == 1.0
    assert metrics.pixel_accuracy(prediction, truth, t=delta[0] * 0.99) == 0.0
    assert metrics.pixel_accuracy(prediction, truth, t=delta[0] * 1.01) == 1.0


def test_pixel_accuracy_ab_tolerance_is_2_2_t():
    truth_rgb, prediction_rgb = (128, 128, 128), (132, 127, 128)
    delta = np.abs(_lab(prediction_rgb) - _lab(truth_rgb))
    needed = max(delta[0], delta[1] / 2.2, delta[2] / 2.2)
    # The ab term decides, and a plain t (not 2.2 t) bound on ab would reject this pixel at t = needed.
    assert max(delta[1], delta[2]) / 2.2 > delta[0] and max(delta[1], delta[2]) > needed * 1.01
    truth, prediction = _uniform(truth_rgb), _uniform(prediction_rgb)
    assert metrics.pixel_accuracy(prediction, truth, t=needed * 1.01) == 1.0
    assert metrics.pixel_accuracy(prediction, truth, t=needed * 0.99) == 0.0


@pytest.mark.parametrize("t", [-1.0, float("nan"), float("inf"), "2"])
def test_pixel_accuracy_bad_t(t):
    image = _uniform((1, 2, 3))
    with pytest.raises(ValueError, match="Invalid value for argument `t`"):
        metrics.pixel_accuracy(image, image, t=t)


@pytest.mark.parametrize("max_threshold", [-1, 1.5, True])
def test_auc_bad_max_threshold(max_threshold):
    image = _uniform((1, 2, 3))
    with pytest.raises(ValueError, match="Invalid value for argument `max_threshold`"):
        metrics.ab_error_auc(image, image, max_threshold=max_threshold)


# image_metrics and summarize.

def test_image_metrics_keys_and_consistency():
    truth = _crop()
    prediction = _noisy(truth, seed=1)
    result = metrics.image_metrics(prediction, truth)
    assert list(result) == ["psnr", "ssim", "colourfulness", "colourfulness_abs", "dcf", "dcf_abs", "auc",
                            "pixel_accuracy", "ab_l1"]
    assert all(type(value) is float for value in result.values())
    assert result["psnr"] == metrics.psnr(prediction, truth)
    assert result["ssim"] == metrics.ssim(prediction, truth)
    assert result["colourfulness"] == metrics.colourfulness(prediction)
    assert result["colourfulness_abs"] == metrics.colourfulness(prediction, absolute=True)
    assert result["dcf"] == pytest.approx(metrics.delta_colourfulness(prediction, truth))
    assert result["dcf_abs"] == pytest.approx(metrics.delta_colourfulness(prediction, truth, absolute=True))
    assert result["auc"] == metrics.ab_error_auc(prediction, truth)
    assert result["pixel_accuracy"] == metrics.pixel_accuracy(prediction, truth)
    assert result["ab_l1"] == metrics.ab_l1(prediction, truth)
    assert result["dcf"] > 0 and result["auc"] < 100 and result["pixel_accuracy"] < 1


def test_image_metrics_identical():
    image = _crop()
    result = metrics.image_metrics(image, image.copy())
    assert result["psnr"] == float("inf")
    assert result["ssim"] == pytest.approx(1.0, abs=1e-6)
    assert result["dcf"] == result["dcf_abs"] == 0.0
    assert result["auc"] == 100.0 and result["pixel_accuracy"] == 1.0 and result["ab_l1"] == 0.0


def test_summarize_mean_and_population_std():
    names = metrics.METRIC_NAMES
    summary = metrics.summarize([{name: float(v) for name in names} for v in (1, 2, 3)])
    assert list(summary) == list(names)
    for name in names:
        assert summary[name]["mean"] == pytest.approx(2.0)
        assert summary[name]["std"] == pytest.approx(math.sqrt(2 / 3))
        assert summary[name]["std"] == pytest.approx(0.8165, abs=1e-4)
    assert summary["psnr"]["n_inf"] == 0
    assert "n_inf" not in summary["ssim"]


def test_summarize_psnr_inf():
    summary = metrics.summarize([{"psnr": float("inf"), "ssim": 1.0}, {"psnr": 10.0, "ssim": 0.5},
                                 {"psnr": 20.0, "ssim": 0.0}])
    assert summary["psnr"] == {"mean": 15.0, "std": 5.0, "ci95": [10.0, 20.0], "n_inf": 1}
    assert summary["ssim"]["mean"] == pytest.approx(0.5)
    all_inf = metrics.summarize([{"psnr": float("inf")}] * 2)["psnr"]
    assert math.isnan(all_inf["mean"]) and math.isnan(all_inf["std"]) and all_inf["n_inf"] == 2
    assert all(math.isnan(bound) for bound in all_inf["ci95"])


def test_summarize_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        metrics.summarize([])
    with pytest.raises(ValueError, match=r"per_image\[1\]"):
        metrics.summarize([{"psnr": 1.0, "ssim": 1.0}, {"psnr": 1.0}])


# Bad input.

PAIR_FUNCTIONS = [metrics.psnr, metrics.ssim, metrics.delta_colourfulness, metrics.ab_error_auc,
                  metrics.pixel_accuracy, metrics.image_metrics]


@pytest.mark.parametrize("function", PAIR_FUNCTIONS, ids=lambda f: f.__name__)
def test_shape_mismatch_raises(function):
    with pytest.raises(ValueError, match=r"Invalid value for argument `prediction`\. Expected the shape of "
                                         r"`truth`, \(16, 16, 3\)\. Received: prediction\.shape=\(16, 15, 3\)"):
        function(np.zeros((16, 15, 3), np.uint8), np.zeros((16, 16, 3), np.uint8))


@pytest.mark.parametrize("function", PAIR_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("argument", ["prediction", "truth"])
def test_non_uint8_raises(function, argument):
    good, bad = np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16, 3), np.float32)
    args = (bad, good) if argument == "prediction" else (good, bad)
    with pytest.raises(ValueError, match=rf"Invalid value for argument `{argument}`\. Expected a uint8 RGB image "
                                         rf".*Received: {argument}\.dtype=float32"):
        function(*args)


@pytest.mark.parametrize("shape", [(16, 16), (16, 16, 4), (1, 16, 16, 3), (0, 16, 3)])
def test_bad_shape_raises(shape):
    image = np.zeros(shape, np.uint8)
    with pytest.raises(ValueError, match=r"Expected a uint8 RGB image of shape \[H, W, 3\]"):
        metrics.psnr(image, image)
    with pytest.raises(ValueError, match=r"Invalid value for argument `image`.*image\.shape="):
        metrics.colourfulness(image)


def test_colourfulness_non_uint8_raises():
    with pytest.raises(ValueError, match=r"Invalid value for argument `image`.*image\.dtype=float64"):
        metrics.colourfulness(TWO_PIXELS.astype(np.float64))


def test_ab_l1_of_uniform_images_is_the_mean_of_the_ab_differences():
    red, gray = np.zeros([16, 16, 3], np.uint8), np.full([16, 16, 3], 128, np.uint8)
    red[..., 0] = 255
    # sRGB red is Lab (53.24, 80.09, 67.20) under D65 (the standard's published value, to 0.01); gray has a = b = 0
    # up to float64 round-off, so the error is (80.09 + 67.20) / 2 = 73.65 (0.02 covers the published rounding).
    assert metrics.ab_l1(red, gray) == pytest.approx((80.09 + 67.20) / 2, abs=0.02)
    assert metrics.ab_l1(gray, red) == metrics.ab_l1(red, gray)
    assert metrics.ab_l1(red, red.copy()) == 0.0


def test_bootstrap_ci_hand_computed_cases():
    assert metrics.bootstrap_ci([3.5] * 7) == [3.5, 3.5]  # every resample has the same mean
    # Two values 0 and 1: a resample's mean is 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4, so the 2.5% and 97.5%
    # quantiles of 10,000 means are exactly 0 and 1 (about 2,500 draws sit at each end, far more than the 250
    # that the quantiles need).
    assert metrics.bootstrap_ci([0.0, 1.0]) == [0.0, 1.0]
    assert metrics.bootstrap_ci([0.0, 1.0], seed=1) == [0.0, 1.0]


def test_bootstrap_ci_of_many_values_is_the_normal_interval():
    values = np.arange(1.0, 101.0)  # mean 50.5, population std 28.866, so the normal interval is +-1.96 * 2.8866
    low, high = metrics.bootstrap_ci(values)
    # 0.4 = the Monte Carlo error of a 2.5% quantile of 10,000 resampled means (about 0.1) with room, plus the
    # bootstrap's own n / (n - 1) variance shrinkage (0.5% of the half-width).
    assert low == pytest.approx(50.5 - 1.96 * 2.8866, abs=0.4)
    assert high == pytest.approx(50.5 + 1.96 * 2.8866, abs=0.4)
    assert metrics.bootstrap_ci(values) == [low, high]  # seeded: the same interval every time


def test_every_psnr_mean_leaves_out_infinities_and_counts_them():
    """One rule for PSNR's infinities (a prediction equal to its truth): `summarize` and eval.py's metrics.json."""
    finite, n_inf = metrics.without_infinities([20.0, float("inf"), 30.0])
    assert finite.tolist() == [20.0, 30.0] and n_inf == 1
    summary = metrics.summarize([{"psnr": 20.0}, {"psnr": float("inf")}, {"psnr": 30.0}])["psnr"]
    assert (summary["mean"], summary["n_inf"]) == (25.0, 1)
