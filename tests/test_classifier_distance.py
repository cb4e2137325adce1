"""Tests for tf_colorgan.tasks.generate.classifier_distance (Frechet classifier distance, classifier score, the
classifier).

Hand-computed Gaussian cases for the distance and the score; real data for the classifier: a CNN trained once per
module on the first 20,000 Fashion-MNIST training images (Debian package `dataset-fashion-mnist`) for 2 epochs,
and a cached classifier on scikit-learn's 8x8 digits.
"""

import json
import pathlib

import numpy as np
import pytest

from tf_colorgan.data import digits
from tf_colorgan.tasks.generate import classifier_distance

TRAIN_COUNT = 20_000
requires_fashion_mnist = pytest.mark.skipif(
    not pathlib.Path(digits.FASHION_MNIST_DIR, "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"Fashion-MNIST IDX files absent from {digits.FASHION_MNIST_DIR}: "
           f"run `apt-get install dataset-fashion-mnist`.")


def _whitened(count, dim, seed):
    """[count, dim] samples with sample mean exactly 0 and unbiased sample covariance exactly I."""
    z = np.random.default_rng(seed).normal(size=(count, dim))
    z -= z.mean(axis=0)
    return z @ np.linalg.inv(np.linalg.cholesky(np.atleast_2d(np.cov(z, rowvar=False)))).T


def test_frechet_distance_identical_is_zero():
    a = np.random.default_rng(0).normal(size=(500, 6)) @ np.random.default_rng(1).normal(size=(6, 6))
    assert classifier_distance.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_shifted_1d():
    z = _whitened(1000, 1, seed=2)  # N(0, 1) vs N(3, 1): 3^2 + (1 + 1 - 2 * 1) = 9.
    assert classifier_distance.frechet_distance(z, z + 3.0) == pytest.approx(9.0, rel=1e-10)


def test_frechet_distance_diagonal_covariances():
    z = _whitened(1000, 2, seed=3)  # diag(1, 4) vs diag(4, 1): 5 + 5 - 2 * Tr(diag(2, 2)) = (1 - 2)^2 + (2 - 1)^2.
    assert classifier_distance.frechet_distance(z * [1.0, 2.0], z * [2.0, 1.0]) == pytest.approx(2.0, rel=1e-10)


def test_frechet_distance_numpy_fallback_matches_scipy(monkeypatch):
    rng = np.random.default_rng(4)
    a = rng.normal(size=(300, 8)) @ rng.normal(size=(8, 8))
    b = np.maximum(rng.normal(size=(300, 8)) @ rng.normal(size=(8, 8)) + 1.0, 0.0)  # ReLU-like, correlated.
    with_scipy = classifier_distance.frechet_distance(a, b)
    monkeypatch.setattr(classifier_distance, "scipy_linalg", None)
    assert classifier_distance.frechet_distance(a, b) == pytest.approx(with_scipy, rel=1e-8)
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = np.sum(np.sqrt(np.linalg.eigvals(sigma_a @ sigma_b).real))
    assert classifier_distance.trace_sqrt_product_symmetric(sigma_a, sigma_b) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_with_fewer_samples_than_features_matches_the_covariance_form():
    # 5 and 7 samples of 50 features (FID on a few photos): the n x m singular-value form against the definition
    # through the 50 x 50 covariances. Their product has rank <= 5; its ~45 null eigenvalues come out of the
    # symmetric eigendecomposition as rounding noise (~1e-16 of the largest), whose square roots (~1e-8 each)
    # may add up to ~1e-6 of the trace: hence rel=1e-5.
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(5, 50)) * 2.0 + 1.0, rng.normal(size=(7, 50)) @ rng.normal(size=(50, 50)) * 0.3
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = (np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2) + np.trace(sigma_a) + np.trace(sigma_b)
                - 2.0 * classifier_distance.trace_sqrt_product_symmetric(sigma_a, sigma_b))
    assert classifier_distance.frechet_distance(a, b) == pytest.approx(expected, rel=1e-5)
    assert classifier_distance.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9 * np.trace(sigma_a))


@pytest.mark.parametrize("a_shape, b_shape", [((10,), (10, 2)), ((1, 2), (10, 2)), ((10, 2), (10, 3))])
def test_frechet_distance_rejects_bad_shapes(a_shape, b_shape):
    with pytest.raises(ValueError, match="Invalid value for argument `features_"):
        classifier_distance.frechet_distance(np.zeros(a_shape), np.zeros(b_shape))


def test_classifier_score_hand_cases():
    one_hot_uniform = np.tile(50.0 * np.eye(10), (3, 1))  # p(y|x) one-hot, p(y) uniform: exp(log 10).
    assert classifier_distance.classifier_score(one_hot_uniform) == pytest.approx(10.0, rel=1e-9)
    identical = np.tile(np.random.default_rng(5).normal(size=(1, 10)), (7, 1))  # p(y|x) = p(y): exp(0).
    assert classifier_distance.classifier_score(identical) == pytest.approx(1.0, abs=1e-12)
    assert 1.0 < classifier_distance.classifier_score(np.random.default_rng(6).normal(size=(100, 10))) < 10.0
    with pytest.raises(ValueError, match="Invalid value for argument `logits`"):
        classifier_distance.classifier_score(np.full((2, 10), np.inf))


@pytest.fixture(scope="module")
def fashion():
    """(classifier trained on 20,000 training images for 2 epochs, its test accuracy, test images, test labels)."""
    train_images, train_labels = digits.load_fashion_mnist(split="train")
    test_images, test_labels = digits.load_fashion_mnist(split="test")
    model, accuracy = classifier_distance.train_classifier(train_images[:TRAIN_COUNT], train_labels[:TRAIN_COUNT],
                                                           test_images,
                                          test_labels, epochs=2, seed=0)
    return model, accuracy, test_images, test_labels


@requires_fashion_mnist
def test_classifier_accuracy(fashion):
    model, accuracy, test_images, test_labels = fashion
    assert accuracy >= 0.85
    assert classifier_distance.accuracy(model, test_images, test_labels) == accuracy


@requires_fashion_mnist
def test_features_and_logits_accept_both_formats(fashion):
    model, _, test_images, _ = fashion
    uint8_features = classifier_distance.features(model, test_images[:50])
    assert uint8_features.shape == (50, classifier_distance.FEATURE_DIM) and uint8_features.dtype == np.float64
    assert uint8_features.min() >= 0.0
    float_features = classifier_distance.features(model, test_images[:50, :, :, None] / 255.0)
    np.testing.assert_allclose(float_features, uint8_features, rtol=1e-5, atol=1e-5)
    assert classifier_distance.logits(model, test_images[:50]).shape == (50, classifier_distance.NUM_CLASSES)


@requires_fashion_mnist
@pytest.mark.parametrize("images, match", [(np.full((2, 28, 28), 1.5), r"\[0, 1\]"),
                                           (np.zeros((2, 28, 28, 3), np.uint8), "shape"),
                                           (np.zeros((2, 8, 8), np.uint8), "classifier's input"),
                                           (np.zeros((2, 28, 28), np.int32), "dtype")])
def test_invalid_images_rejected(fashion, images, match):
    with pytest.raises(ValueError, match=match):
        classifier_distance.features(fashion[0], images)


@requires_fashion_mnist
def test_fcd_real_halves_small_and_noise_large(fashion):
    model, _, test_images, _ = fashion
    noise = np.random.default_rng(7).integers(0, 256, size=(5000, 28, 28), dtype=np.uint8)
    real_vs_real = classifier_distance.evaluate_samples(model, test_images[:5000], test_images[5000:])
    real_vs_noise = classifier_distance.evaluate_samples(model, test_images[:5000], noise)
    assert real_vs_real["n_real"] == real_vs_real["n_generated"] == 5000
    assert real_vs_noise["fcd"] > 10.0
    assert real_vs_real["fcd"] < 0.05 * real_vs_noise["fcd"]
    assert real_vs_real["classifier_score"] > 5.0 > 2.0 > real_vs_noise["classifier_score"] >= 1.0
    assert classifier_distance.frechet_classifier_distance(model, test_images[:5000], noise) == real_vs_noise["fcd"]


def test_classifier_cache(digits_classifiers, monkeypatch):
    """Trained once on the 8x8 digits (1,500 train / 297 test, by the fixture's first call) and cached; the next
    call only loads."""
    root, model = digits_classifiers
    model_path = root / "digits" / "classifier.keras"
    record = json.loads((root / "digits" / "accuracy.json").read_text())
    accuracy = record["test_accuracy"]
    assert accuracy >= 0.8
    assert (record["train_images"], record["test_images"]) == (1500, 297)
    mtime = model_path.stat().st_mtime_ns

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier was retrained")

    monkeypatch.setattr(classifier_distance, "train_classifier", no_training)
    loaded, loaded_accuracy = classifier_distance.load_or_train_classifier("digits", root)
    assert loaded_accuracy == accuracy
    assert model_path.stat().st_mtime_ns == mtime
    test_images, _ = digits.load_sklearn_digits("test")
    np.testing.assert_allclose(classifier_distance.logits(loaded, test_images),
                               classifier_distance.logits(model, test_images), rtol=1e-5, atol=1e-5)


def test_load_or_train_rejects_unknown_dataset(tmp_path):
    with pytest.raises(ValueError, match="Invalid value for argument `dataset`"):
        classifier_distance.load_or_train_classifier("cifar10", tmp_path)
