"""Frechet classifier distance (FCD) and classifier score: TF-GAN's MNIST metrics, computed offline.

A small CNN classifier is trained on the real dataset's own training split; its 128-d penultimate activations
play the role Inception's pool3 features play in FID, and its logits that of Inception's in the Inception score:

    FCD = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))      (means / covariances of the features)
    classifier score = exp(E_x KL(p(y|x) || p(y))),  p(y) = E_x p(y|x)  (in [1, number of classes])

Images everywhere are uint8 [N, H, W] or [N, H, W, 1] in 0..255, or floating point of the same shapes in [0, 1]
(black 0, white 1); H and W must match the classifier's input (28 x 28 for (Fashion-)MNIST, 8 x 8 for "digits").
"""

import json
import pathlib
import time
import warnings

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tf_colorgan.data import digits
from tf_colorgan.settings import ConfigError
from tf_colorgan.tasks.generate import z_sampling
from tf_colorgan.tasks.generate.problem import sample_z

try:
    from scipy import linalg as scipy_linalg
except ImportError:  # scipy is optional: the symmetric eigendecomposition form below needs numpy only.
    scipy_linalg = None

CLASSIFIER_CACHE = pathlib.Path("models") / "classifiers"  # where `generator_metrics` keeps the trained classifiers
FEATURES_LAYER = "features"
FEATURE_DIM = 128
NUM_CLASSES = 10
BATCH_SIZE = 64
PREDICT_BATCH_SIZE = 1000
EPOCHS = {"fashion_mnist": 2, "mnist": 2, "digits": 20}  # "digits": 1,500 training images, 24 steps an epoch.


def to_model_input(images):
    """uint8 [N, H, W] / [N, H, W, 1] in 0..255, or float of those shapes in [0, 1] -> float32 [N, H, W, 1], [0, 1]."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"Invalid value for argument `images`. Expected shape [N, H, W] or [N, H, W, 1]. "
                         f"Received: images.shape={images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"Invalid value for argument `images`. Expected dtype uint8 (0..255) or a float dtype "
                         f"(0..1). Received: images.dtype={images.dtype}")
    if images.size and not (images.min() >= 0.0 and images.max() <= 1.0):
        raise ValueError(f"Invalid value for argument `images`. Expected float values in [0, 1]. "
                         f"Received: values in [{images.min()}, {images.max()}]")
    return images.astype(np.float32)


def build_classifier(input_shape=(28, 28, 1)):
    """The CNN: conv3x3(32)-maxpool-conv3x3(64)-maxpool-dense(128, "features")-dense(10, "logits").

    Args:
        input_shape: (H, W, 1) with H and W divisible by 4; (28, 28, 1) or (8, 8, 1).

    Returns:
        An uncompiled keras.Model mapping float [N, H, W, 1] in [0, 1] to logits [N, 10].
    """
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(FEATURE_DIM, activation="relu", name=FEATURES_LAYER)(x)
    return keras.Model(inputs, keras.layers.Dense(NUM_CLASSES, name="logits")(x), name="classifier")


def _predict(model, images, layer_name=None):
    """Activations of `layer_name` (None: the logits) for `images`, as float64 [N, units]."""
    x = to_model_input(images)
    if x.shape[1:] != tuple(model.input_shape[1:]):
        raise ValueError(f"Invalid value for argument `images`. Expected images of shape {model.input_shape[1:3]} "
                         f"(the classifier's input). Received: images.shape={np.shape(images)}")
    if layer_name is not None:
        model = keras.Model(model.inputs, model.get_layer(layer_name).output)
    return model.predict(x, batch_size=PREDICT_BATCH_SIZE, verbose=0).astype(np.float64)


def features(model, images):
    """Penultimate ("features") activations: float64 [N, 128], >= 0 (ReLU). Images as in the module docstring."""
    return _predict(model, images, FEATURES_LAYER)


def logits(model, images):
    """Class logits: float64 [N, 10]. Images as in the module docstring."""
    return _predict(model, images)


def accuracy(model, images, labels):
    """Fraction in [0, 1] of `images` whose argmax logit equals the integer label in `labels` [N]."""
    return float(np.mean(np.argmax(logits(model, images), axis=1) == np.asarray(labels)))


def train_classifier(images, labels, test_images, test_labels, epochs=2, seed=0):
    """Trains `build_classifier` with Adam (learning rate 1e-3, batch 64) on softmax cross-entropy.

    Args:
        images: training images [N, H, W] (formats as in the module docstring).
        labels: integer labels [N] in 0..9.
        test_images: held-out images [M, H, W].
        test_labels: integer labels [M] in 0..9.
        epochs: passes over the training images.
        seed: seeds Python, NumPy and TensorFlow (weights and shuffling).

    Returns:
        (keras.Model, test accuracy in [0, 1]).
    """
    x, y = to_model_input(images), np.asarray(labels)
    if y.shape != (len(x),):
        raise ValueError(f"Invalid value for argument `labels`. Expected shape ({len(x)},) to match `images`. "
                         f"Received: labels.shape={y.shape}")
    keras.utils.set_random_seed(seed)
    model = build_classifier(x.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=epochs, shuffle=True, verbose=0)
    test_accuracy = accuracy(model, test_images, test_labels)
    logging.info("Trained the classifier on %d images for %d epochs in %.1f s: test accuracy %.4f on %d images",
                 len(x), epochs, time.perf_counter() - start, test_accuracy, len(test_labels))
    return model, test_accuracy


def load_or_train_classifier(dataset, cache_dir, data_dir=None):
    """The dataset's classifier, loaded from `<cache_dir>/<dataset>/classifier.keras` or trained and saved there.

    Training uses the dataset's whole training split for `EPOCHS[dataset]` epochs (seed 0) and its test split for
    the accuracy, written with the settings into `<cache_dir>/<dataset>/accuracy.json`.

    Args:
        dataset: "fashion_mnist", "mnist" or "digits" (see `digits.load_grayscale`).
        cache_dir: the cache's root folder, e.g. "models/classifiers".
        data_dir: folder of IDX files, passed to `digits.load_grayscale`.

    Returns:
        (keras.Model, test accuracy in [0, 1]).
    """
    if dataset not in EPOCHS:
        raise ValueError(f"Invalid value for argument `dataset`. Expected one of {list(EPOCHS)}. "
                         f"Received: dataset={dataset!r}")
    folder = pathlib.Path(cache_dir) / dataset
    model_path, accuracy_path = folder / "classifier.keras", folder / "accuracy.json"
    if model_path.is_file() and accuracy_path.is_file():
        test_accuracy = json.loads(accuracy_path.read_text())["test_accuracy"]
        logging.info("Loaded the %s classifier from %s (test accuracy %.4f)", dataset, model_path, test_accuracy)
        return keras.models.load_model(model_path), test_accuracy
    train, test = (digits.load_grayscale(dataset, data_dir, split) for split in ("train", "test"))
    start = time.perf_counter()
    model, test_accuracy = train_classifier(*train, *test, epochs=EPOCHS[dataset])
    seconds = time.perf_counter() - start
    folder.mkdir(parents=True, exist_ok=True)
    model.save(model_path)
    accuracy_path.write_text(json.dumps({
        "dataset": dataset, "test_accuracy": test_accuracy, "train_images": len(train[0]),
        "test_images": len(test[0]), "epochs": EPOCHS[dataset], "seed": 0, "training_seconds": round(seconds, 1),
    }, indent=2))
    logging.info("Saved the %s classifier to %s", dataset, model_path)
    return model, test_accuracy


def _psd_sqrt(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues clipped to 0)."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def trace_sqrt_product_symmetric(sigma_a, sigma_b):
    """Tr((S_a S_b)^(1/2)) = Tr((S_a^(1/2) S_b S_a^(1/2))^(1/2)) = sum_i sqrt(lambda_i), numpy only.

    The two products are similar, so share eigenvalues lambda_i; the second is symmetric PSD, so they are real
    and >= 0 (rounding negatives are clipped to 0).
    """
    root_a = _psd_sqrt(sigma_a)
    eigenvalues = np.linalg.eigvalsh(root_a @ sigma_b @ root_a)
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def _trace_sqrt_product(sigma_a, sigma_b):
    """Tr((S_a S_b)^(1/2)): scipy.linalg.sqrtm when scipy is importable and its root is finite, else symmetric.

    ReLU features make singular covariances common (dead units); sqrtm's singular-matrix warning is silenced
    since its trace stays accurate there (checked against the symmetric form in the tests).
    """
    if scipy_linalg is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy_linalg.LinAlgWarning)
            root = scipy_linalg.sqrtm(sigma_a @ sigma_b)
        if np.all(np.isfinite(root)):
            return float(np.real(np.trace(root)))
        logging.warning("scipy.linalg.sqrtm gave a non-finite root; using the symmetric eigendecomposition form.")
    return trace_sqrt_product_symmetric(sigma_a, sigma_b)


def frechet_distance(features_a, features_b):
    """Frechet distance between Gaussians fitted to two feature sets, in float64.

        d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)),  clipped at 0 (rounding)

    with mu the mean and S the unbiased (N - 1) covariance of each set.

    Args:
        features_a: [N_a, D] with N_a >= 2.
        features_b: [N_b, D] with N_b >= 2.

    Returns:
        float >= 0 (squared units of the features).
    """
    arrays = []
    for name, value in (("features_a", features_a), ("features_b", features_b)):
        value = np.asarray(value, np.float64)
        if value.ndim != 2 or len(value) < 2:
            raise ValueError(f"Invalid value for argument `{name}`. Expected a 2-D array [N, D] with N >= 2. "
                             f"Received: {name}.shape={value.shape}")
        arrays.append(value)
    a, b = arrays
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"Invalid value for argument `features_b`. Expected {a.shape[1]} features like "
                         f"`features_a`. Received: features_b.shape={b.shape}")
    centred_a, centred_b = a - a.mean(axis=0), b - b.mean(axis=0)
    if min(len(a), len(b)) <= a.shape[1]:
        # Fewer samples than features (FID on a few photos: 2048-d): with S_a = A'A / (n - 1), S_b = B'B / (m - 1)
        # for the centred features A, B, S_a S_b has the non-zero eigenvalues of M M', M = A B' / sqrt((n-1)(m-1)),
        # so Tr((S_a S_b)^(1/2)) is the sum of M's singular values: an n x m SVD instead of a D x D square root.
        cross = centred_a @ centred_b.T / np.sqrt((len(a) - 1) * (len(b) - 1))
        trace_sqrt = float(np.linalg.svd(cross, compute_uv=False).sum())
    else:
        trace_sqrt = _trace_sqrt_product(np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False)))
    traces = np.sum(centred_a ** 2) / (len(a) - 1) + np.sum(centred_b ** 2) / (len(b) - 1)  # Tr(S_a) + Tr(S_b)
    distance = np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2) + traces - 2.0 * trace_sqrt
    return max(float(distance), 0.0)


def classifier_score(logits):
    """exp(E_x KL(p(y|x) || p(y))), p(y|x) = softmax(logits), p(y) = E_x p(y|x); float64, log-sum-exp stable.

    Args:
        logits: [N, K] finite logits.

    Returns:
        float in [1, K]: K for confident predictions spread evenly over the K classes, 1 when every row
        predicts the same distribution.
    """
    z = np.asarray(logits, np.float64)
    if z.ndim != 2 or not len(z) or not np.all(np.isfinite(z)):
        raise ValueError(f"Invalid value for argument `logits`. Expected a finite 2-D array [N, K] with "
                         f"N >= 1. Received: shape={z.shape}")
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    peak = log_p.max(axis=0)
    log_marginal = peak + np.log(np.mean(np.exp(log_p - peak), axis=0))
    kl = np.sum(np.exp(log_p) * (log_p - log_marginal), axis=1)
    return float(np.exp(np.mean(kl)))


def frechet_classifier_distance(model, real_images, generated_images):
    """FCD: `frechet_distance` of the classifier's 128-d features of real [N, H, W] and generated [M, H, W]."""
    return frechet_distance(features(model, real_images), features(model, generated_images))


def evaluate_samples(model, real, generated):
    """TF-GAN's MNIST metrics for generated images against real ones (formats as in the module docstring).

    Returns:
        {"fcd": float >= 0, "classifier_score": float in [1, 10] (of `generated`), "n_real": N, "n_generated": M}.
    """
    return {"fcd": frechet_classifier_distance(model, real, generated),
            "classifier_score": classifier_score(logits(model, generated)),
            "n_real": len(real), "n_generated": len(generated)}



def generator_metrics(generate, config, count=2000, cache_dir=CLASSIFIER_CACHE):
    """Frechet classifier distance and classifier score of `count` generated samples.

    Samples come from z of `z_sampling(config)` (seed `config.seed`, stream 1), generated 500 at a time (BatchNorm
    runs on batch statistics), converted to grayscale and AREA-resized to the dataset's own size when they
    differ. The real side is the first `count` images of the dataset's test split.

    Args:
        generate: function z float32 [n, z_dim] -> uint8 images [n, H, W, C] (an export's signature or a
            wrapped generator).
        config: the run's `Config`; `config.dataset` one of `digits.NAMES`.
        count: samples and real images compared.
        cache_dir: where the dataset's classifier is cached.

    Returns:
        {"fcd", "classifier_score", "n_real", "n_generated", "classifier_test_accuracy", "dataset", "features"}.
    """
    if config.dataset not in digits.NAMES:
        raise ConfigError(f"Invalid value for argument `dataset`. Expected one of {digits.NAMES} for the classifier "
                         f"distance. Received: dataset={config.dataset!r}")
    classifier, accuracy = load_or_train_classifier(config.dataset, cache_dir, config.data_dir)
    real, _ = digits.load_grayscale(config.dataset, config.data_dir, "test")
    z = sample_z(z_sampling(config), [count, config.z_dim], tf.constant([config.seed, 1]))
    samples = tf.concat([generate(z[i:i + 500]) for i in range(0, count, 500)], axis=0)
    if samples.shape[-1] == 3:
        samples = tf.image.rgb_to_grayscale(samples)
    if samples.shape[1:3] != real.shape[1:3]:
        samples = tf.cast(tf.round(tf.image.resize(tf.cast(samples, tf.float32), real.shape[1:3], "area")), tf.uint8)
    scores = evaluate_samples(classifier, real[:count], samples.numpy())
    return {**scores, "classifier_test_accuracy": accuracy, "dataset": config.dataset,
            "features": f"{FEATURE_DIM}-d penultimate layer of a CNN trained on {config.dataset}"}
