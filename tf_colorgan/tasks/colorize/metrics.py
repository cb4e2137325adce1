"""Per-image colorization metrics: pure functions of uint8 RGB images, numpy in, python floats out.

Every function takes `prediction` and `truth` as uint8 numpy arrays `[H, W, 3]` of the same shape (sRGB, 0..255)
unless noted, and raises `ValueError` for any other dtype, rank, channel count or a shape mismatch. Lab values
come from `tf_colorgan.color.rgb_to_lab` (D65, 2 degree observer) applied to `image / 255` in float64.

Definitions (MSE, means and standard deviations are over all pixels; standard deviations are population ones):

- `psnr`: 10 log10(255^2 / MSE), MSE over H x W x 3 in 0..255 units; dB; identical images give `inf`.
- `ssim`: `tf.image.ssim(max_val=255)` on the RGB images as floats 0..255: Gaussian window 11 x 11, sigma 1.5,
  k1 = 0.01, k2 = 0.03, VALID windows (no padding), mean over windows and then over the 3 channels; in [-1, 1].
  Matches `skimage.metrics.structural_similarity(channel_axis=-1, data_range=255, gaussian_weights=True,
  sigma=1.5, use_sample_covariance=False)` to about 1e-5 (tested on 64 x 64 photo crops).
- `colourfulness`: Hasler & Suesstrunk (2003) on sRGB 0..255: rg = R - G, yb = (R + G) / 2 - B,
  M = sqrt(std(rg)^2 + std(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2); `absolute=True` takes |rg| and |yb|
  first (the form DDColor and CT2 report). Gray images give 0 for both forms.
- `delta_colourfulness`: |M(prediction) - M(truth)| (Delta-CF).
- `ab_error_auc`: Zhang et al. (2016): d = per-pixel Euclidean distance in (a, b) (Lab units); for the integer
  thresholds t = 0..T (T = 150) the fraction of pixels with d <= t; AuC = 100 * mean of those T + 1
  fractions, in [0, 100] % (the plain mean over the T + 1 thresholds, not a trapezoid rule over [0, T]).
- `pixel_accuracy`: Nazeri et al. (2018): fraction of pixels with |dL| <= t, |da| <= 2.2 t and |db| <= 2.2 t
  (t = 2 Lab units by default), in [0, 1].
- `ab_l1`: mean |a_pred - a_true| and |b_pred - b_true| over H x W x 2, in Lab units: the generator's L1 term
  (on ab / 110) times 110, measured on the uint8 images.
- `image_metrics` gives all of them for one image pair; `summarize` their mean, population std and percentile
  bootstrap 95% interval of the mean over images (`bootstrap_ci`: 10,000 resamples, seeded), PSNR over its
  finite values only, with "n_inf", the number of identical (infinite-PSNR) pairs left out.

Both Lab-based metrics compare with a round-off allowance of `ROUND_OFF` = 1e-9 Lab units (d <= t + 1e-9):
float64 Lab of gray pixels has a, b of about 1e-14 instead of 0, which would otherwise randomly drop gray
predictions of gray truths (ab distance exactly 0 in theory) out of the t = 0 bin of the AuC.

Numbers from different protocols are not comparable: resolution, resizing, the truth's round trip and the
colourfulness form all move them. State the protocol next to every number (image size and resizing, which
colourfulness form, the AuC normalisation, the SSIM window) and report `summarize`'s `n_inf` with PSNR.
"""

import math
import numbers

import numpy as np
import tensorflow as tf

from tf_colorgan import color

MAX_VALUE = 255.0
SSIM_FILTER_SIZE = 11
SSIM_FILTER_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03
BOOTSTRAP_RESAMPLES = 10_000
ROUND_OFF = 1e-9  # Lab units; see the module docstring.
METRIC_NAMES = ("psnr", "ssim", "colourfulness", "colourfulness_abs", "dcf", "dcf_abs", "auc", "pixel_accuracy",
                "ab_l1")


def _check_image(image, name):
    """Returns `image` as a numpy array after checking it is uint8 `[H, W, 3]` with H, W >= 1."""
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[-1] != 3 or 0 in array.shape:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a uint8 RGB image of shape [H, W, 3] "
                         f"with H, W >= 1. Received: {name}.dtype={array.dtype}, {name}.shape={array.shape}")
    return array


def _check_pair(prediction, truth):
    """Checks both images and that their shapes match; returns them as numpy arrays."""
    prediction, truth = _check_image(prediction, "prediction"), _check_image(truth, "truth")
    if prediction.shape != truth.shape:
        raise ValueError(f"Invalid value for argument `prediction`. Expected the shape of `truth`, {truth.shape}. "
                         f"Received: prediction.shape={prediction.shape}")
    return prediction, truth


def _check_number(value, name, expected, integer=False):
    """Checks `value` is a finite non-negative real (an integer when `integer`), not a bool."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected {expected}. Received: {name}={value!r}")


def _lab(image):
    """uint8 `[H, W, 3]` -> float64 Lab `[H, W, 3]` via `color.rgb_to_lab(image / 255)`."""
    return color.rgb_to_lab(image.astype(np.float64) / MAX_VALUE).numpy()


def _auc_from_lab(prediction_lab, truth_lab, max_threshold):
    distance = np.sqrt(np.sum((prediction_lab[..., 1:] - truth_lab[..., 1:]) ** 2, axis=-1)).ravel()
    thresholds = np.arange(max_threshold + 1, dtype=np.float64)
    # Fraction of pixels with d <= t (+ round-off allowance) for each threshold t.
    within = np.searchsorted(np.sort(distance), thresholds + ROUND_OFF, side="right") / distance.size
    return float(100.0 * np.mean(within))


def _accuracy_from_lab(prediction_lab, truth_lab, t):
    error = np.abs(prediction_lab - truth_lab)
    hit = ((error[..., 0] <= t + ROUND_OFF) & (error[..., 1] <= 2.2 * t + ROUND_OFF)
           & (error[..., 2] <= 2.2 * t + ROUND_OFF))
    return float(np.mean(hit))


def psnr(prediction, truth):
    """Peak signal-to-noise ratio, 10 log10(255^2 / MSE), MSE over all H x W x 3 values.

    Args:
        prediction: uint8 `[H, W, 3]` RGB image.
        truth: uint8 `[H, W, 3]` RGB image, same shape.

    Returns:
        PSNR in dB as a python float, in [0, inf); `float('inf')` for identical images (MSE 0).

    Raises:
        ValueError: If an image is not uint8 `[H, W, 3]` or the shapes differ.
    """
    prediction, truth = _check_pair(prediction, truth)
    mse = float(np.mean((prediction.astype(np.float64) - truth.astype(np.float64)) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * math.log10(MAX_VALUE**2 / mse))


def ssim(prediction, truth):
    """Structural similarity on RGB with data range 255, via `tf.image.ssim(max_val=255)`.

    Per channel and 11 x 11 Gaussian window (sigma 1.5, VALID placement, no padding):
    SSIM = (2 mu_x mu_y + c1)(2 sigma_xy + c2) / ((mu_x^2 + mu_y^2 + c1)(sigma_x^2 + sigma_y^2 + c2)),
    c1 = (0.01 * 255)^2, c2 = (0.03 * 255)^2, (co)variances weighted by the window (population form); the result
    is the mean over window positions and then over the 3 channels.

    Args:
        prediction: uint8 `[H, W, 3]` RGB image, H and W >= 11.
        truth: uint8 `[H, W, 3]` RGB image, same shape.

    Returns:
        SSIM as a python float in [-1, 1]; 1.0 for identical images.

    Raises:
        ValueError: If an image is not uint8 `[H, W, 3]`, the shapes differ, or H or W is below 11.
    """
    prediction, truth = _check_pair(prediction, truth)
    if min(prediction.shape[:2]) < SSIM_FILTER_SIZE:
        raise ValueError(f"Invalid value for argument `prediction`. Expected an image at least "
                         f"{SSIM_FILTER_SIZE} x {SSIM_FILTER_SIZE} pixels (the SSIM Gaussian window). "
                         f"Received: prediction.shape={prediction.shape}")
    value = tf.image.ssim(tf.constant(prediction, tf.float32), tf.constant(truth, tf.float32), max_val=MAX_VALUE,
                          filter_size=SSIM_FILTER_SIZE, filter_sigma=SSIM_FILTER_SIGMA, k1=SSIM_K1, k2=SSIM_K2)
    return float(value.numpy())


def colourfulness(image, absolute=False):
    """Hasler & Suesstrunk (2003) colourfulness of one sRGB image, in float64 on 0..255 values.

    rg = R - G, yb = (R + G) / 2 - B (with `absolute=True`: rg = |R - G|, yb = |(R + G) / 2 - B|);
    M = sqrt(std(rg)^2 + std(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2), population std over all pixels.

    Args:
        image: uint8 `[H, W, 3]` RGB image.
        absolute: Whether to take |rg| and |yb| first (the form DDColor and CT2 report).

    Returns:
        M as a python float >= 0; 0.0 for gray images (R = G = B) in both forms.

    Raises:
        ValueError: If `image` is not uint8 `[H, W, 3]`.
    """
    rgb = _check_image(image, "image").astype(np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    if absolute:
        rg, yb = np.abs(rg), np.abs(yb)
    spread = math.sqrt(float(np.std(rg)) ** 2 + float(np.std(yb)) ** 2)
    centre = math.sqrt(float(np.mean(rg)) ** 2 + float(np.mean(yb)) ** 2)
    return float(spread + 0.3 * centre)


def delta_colourfulness(prediction, truth, absolute=False):
    """Delta-CF = |colourfulness(prediction) - colourfulness(truth)|.

    Args:
        prediction: uint8 `[H, W, 3]` RGB image.
        truth: uint8 `[H, W, 3]` RGB image, same shape.
        absolute: Which colourfulness form (see `colourfulness`).

    Returns:
        A python float >= 0; 0.0 for identical images.

    Raises:
        ValueError: If an image is not uint8 `[H, W, 3]` or the shapes differ.
    """
    prediction, truth = _check_pair(prediction, truth)
    return float(abs(colourfulness(prediction, absolute) - colourfulness(truth, absolute)))


def ab_error_auc(prediction, truth, max_threshold=150):
    """Area under the cumulative ab-error curve (Zhang et al. 2016), in percent.

    Both images go to Lab (`color.rgb_to_lab(image / 255)`, float64); d = sqrt(da^2 + db^2) per pixel in Lab
    units; for each integer threshold t = 0, 1, ..., T (T = `max_threshold`) f(t) = fraction of pixels with
    d <= t (+ `ROUND_OFF`); AuC = 100 * (1 / (T + 1)) * sum_t f(t), i.e. the mean over the T + 1 thresholds
    (not the trapezoid rule; a uniform error d <= T gives exactly 100 * (T + 1 - ceil(d)) / (T + 1)).

    Args:
        prediction: uint8 `[H, W, 3]` RGB image.
        truth: uint8 `[H, W, 3]` RGB image, same shape.
        max_threshold: Largest threshold T, an integer >= 0 (150 in the paper).

    Returns:
        AuC as a python float in [0, 100]; 100.0 for identical images.

    Raises:
        ValueError: If an image is not uint8 `[H, W, 3]`, the shapes differ, or `max_threshold` is not an
            integer >= 0.
    """
    prediction, truth = _check_pair(prediction, truth)
    _check_number(max_threshold, "max_threshold", "an integer >= 0", integer=True)
    return _auc_from_lab(_lab(prediction), _lab(truth), int(max_threshold))


def pixel_accuracy(prediction, truth, t=2.0):
    """Fraction of pixels whose Lab colour is within tolerance (Nazeri et al. 2018).

    A pixel counts when |L_p - L_t| <= t and |a_p - a_t| <= 2.2 t and |b_p - b_t| <= 2.2 t (each bound plus
    `ROUND_OFF`), Lab from `color.rgb_to_lab(image / 255)` in float64.

    Args:
        prediction: uint8 `[H, W, 3]` RGB image.
        truth: uint8 `[H, W, 3]` RGB image, same shape.
        t: Lightness tolerance in Lab units (a finite number >= 0); the a and b tolerance is 2.2 t.

    Returns:
        The fraction as a python float in [0, 1]; 1.0 for identical images.

    Raises:
        ValueError: If an image is not uint8 `[H, W, 3]`, the shapes differ, or `t` is not a finite number >= 0.
    """
    prediction, truth = _check_pair(prediction, truth)
    _check_number(t, "t", "a finite number >= 0")
    return _accuracy_from_lab(_lab(prediction), _lab(truth), float(t))


def ab_l1(prediction, truth):
    """Mean absolute ab error, mean over pixels and both channels of |a_pred - a_true| and |b_pred - b_true|.

    Args:
        prediction: uint8 `[H, W, 3]` RGB image.
        truth: uint8 `[H, W, 3]` RGB image, same shape.

    Returns:
        The error in Lab units as a python float >= 0 (the training L1 term times 110); 0.0 for identical images.
    """
    prediction, truth = _check_pair(prediction, truth)
    return _ab_l1_from_lab(_lab(prediction), _lab(truth))


def _ab_l1_from_lab(prediction_lab, truth_lab):
    return float(np.mean(np.abs(prediction_lab[..., 1:] - truth_lab[..., 1:])))


def image_metrics(prediction, truth):
    """All metrics of one prediction with their default settings.

    Args:
        prediction: uint8 `[H, W, 3]` RGB image, H and W >= 11 (for SSIM).
        truth: uint8 `[H, W, 3]` RGB image, same shape.

    Returns:
        Dict of python floats with keys `METRIC_NAMES`: "psnr", "ssim", "colourfulness" and
        "colourfulness_abs" (of the prediction, plain and absolute form), "dcf" and "dcf_abs" (Delta-CF, both
        forms), "auc" (T = 150), "pixel_accuracy" (t = 2) and "ab_l1" (Lab units).

    Raises:
        ValueError: If an image is not uint8 `[H, W, 3]`, the shapes differ, or H or W is below 11.
    """
    prediction, truth = _check_pair(prediction, truth)
    prediction_lab, truth_lab = _lab(prediction), _lab(truth)
    cf = {absolute: (colourfulness(prediction, absolute), colourfulness(truth, absolute))
          for absolute in (False, True)}
    return {"psnr": psnr(prediction, truth), "ssim": ssim(prediction, truth),
            "colourfulness": cf[False][0], "colourfulness_abs": cf[True][0],
            "dcf": float(abs(cf[False][0] - cf[False][1])), "dcf_abs": float(abs(cf[True][0] - cf[True][1])),
            "auc": _auc_from_lab(prediction_lab, truth_lab, 150),
            "pixel_accuracy": _accuracy_from_lab(prediction_lab, truth_lab, 2.0),
            "ab_l1": _ab_l1_from_lab(prediction_lab, truth_lab)}


def bootstrap_ci(values, level=0.95, resamples=BOOTSTRAP_RESAMPLES, seed=0):
    """Percentile bootstrap interval of the mean of `values`.

    Draws `resamples` samples of n values with replacement (numpy's default generator seeded with `seed`, so the
    interval is reproducible), takes each sample's mean, and returns the (1 - level) / 2 and (1 + level) / 2
    quantiles of those means.

    Args:
        values: 1-d sequence of n finite numbers (n >= 1), e.g. one metric over images.
        level: coverage in (0, 1).
        resamples: number of bootstrap samples.
        seed: seed of the draws.

    Returns:
        [low, high] as python floats; [nan, nan] for no values.
    """
    values = np.asarray(values, np.float64)
    if not values.size:
        return [float("nan"), float("nan")]
    draws = np.random.default_rng(seed).integers(0, values.size, size=(resamples, values.size))
    low, high = np.quantile(values[draws].mean(axis=1), [(1 - level) / 2, (1 + level) / 2])
    return [float(low), float(high)]


def without_infinities(values):
    """PSNR's one rule for a mean: a prediction equal to its truth has an infinite PSNR, left out and counted.

    Returns:
        (the finite values as a float64 array, the number of infinite ones left out).
    """
    values = np.asarray(values, np.float64)
    infinite = np.isinf(values)
    return values[~infinite], int(np.sum(infinite))


def summarize(per_image):
    """Mean, population standard deviation and bootstrap 95% interval of the mean (`bootstrap_ci`) of each metric
    over images.

    PSNR is infinite for a prediction equal to its truth; its entry is the mean and std over the finite values
    only, plus "n_inf", the number of infinite values left out (always present for "psnr", 0 when none; mean and
    std are NaN when every value is infinite). Other metrics use all values as they are.

    Args:
        per_image: Non-empty list of dicts with the same keys, e.g. from `image_metrics`.

    Returns:
        `{name: {"mean": float, "std": float, "ci95": [low, high]}}` (and "n_inf": int for "psnr"), names in the
        first dict's order.

    Raises:
        ValueError: If `per_image` is empty or its dicts have different keys.
    """
    per_image = list(per_image)
    if not per_image:
        raise ValueError("Invalid value for argument `per_image`. Expected a non-empty list of metric dicts. "
                         "Received: per_image=[]")
    names = list(per_image[0])
    for index, metrics in enumerate(per_image):
        if set(metrics) != set(names):
            raise ValueError(f"Invalid value for argument `per_image`. Expected every dict to have the keys "
                             f"{names}. Received: per_image[{index}] keys={list(metrics)}")
    summary = {}
    for name in names:
        values = np.array([float(metrics[name]) for metrics in per_image], np.float64)
        if name != "psnr":
            summary[name] = {"mean": float(np.mean(values)), "std": float(np.std(values)),
                             "ci95": bootstrap_ci(values)}
            continue
        finite, n_inf = without_infinities(values)
        summary[name] = {"mean": float(np.mean(finite)) if finite.size else float("nan"),
                         "std": float(np.std(finite)) if finite.size else float("nan"),
                         "ci95": bootstrap_ci(finite), "n_inf": n_inf}
    return summary
