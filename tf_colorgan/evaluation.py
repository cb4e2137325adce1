"""Evaluation of trained runs: `evaluate(run_dir)` for colorizers, `generator_metrics` for image generators.

Colorization, `evaluate(run_dir)`: colorize a run's held-out test images with its generator (`colorizer`: the
report's protocol, from its checkpoint), as the original eval.py did.

Protocol (the original's): each test image is converted to Lab and AREA-resized to the training size; the truth
is that image back in RGB uint8 (round-tripped through Lab), the input its lightness; prediction and truth come
from one pass (the original fetched them in two `sess.run` calls, C10). Batches of `batch_size` images go
through the generator together, which matters when BatchNorm runs on batch statistics (the default).
Writes `eval/<step>_<i>_col.png`, `eval/<step>_<i>_true.png` and `eval/metrics.json` (PSNR and SSIM on RGB
uint8, data range 255, mean over images).

Image generation, `generator_metrics`: TF-GAN's MNIST metrics offline, the Frechet classifier distance and the
classifier score (`tf_colorgan.classifier_distance`) of generated samples against the dataset's test split,
with a classifier trained once on its training split and cached under `models/classifiers/`.
"""

import json
import pathlib

import numpy as np
import tensorflow as tf
from absl import logging

from tf_colorgan import (callbacks, classifier_distance, color, data, digits, export, fid, metrics, networks,
                         rundir, tasks)
from tf_colorgan.settings import ConfigError
from tf_colorgan.tasks.generate import z_sampling
from tf_colorgan.tasks.generate.problem import sample_z

CLASSIFIER_CACHE = pathlib.Path("models") / "classifiers"
GRAY = "Gray (ab = 0)"  # the label of the gray baseline (ab = 0) in every comparison


def lab_round_trip(rgb, size):
    """The evaluation truth: sRGB [H, W, 3] in [0, 1] -> Lab, AREA-resized to size x size -> RGB uint8."""
    lab = tf.image.resize(color.rgb_to_lab(rgb), [size, size], method="area")
    return callbacks.to_uint8(color.lab_to_rgb(lab))


def evaluate(run_dir, count=None, batch_size=4):
    """Evaluates the run in `run_dir` on the first `count` test images (all when None).

    Returns:
        The metrics dict written to `eval/metrics.json`.
    """
    config, split = rundir.read_config(run_dir), rundir.read_split(run_dir)
    part = "test" if split["test"] else "train"
    colorize = colorizer(run_dir)
    step = rundir.checkpointed_step(run_dir)
    out_dir = rundir.eval_outputs(run_dir)
    out_dir.mkdir(exist_ok=True)

    images = data.images(split, part).take(count if count is not None else -1)
    images = images.map(lambda rgb: lab_round_trip(rgb, config.size)).batch(batch_size)
    psnr, ssim, index = [], [], 0
    for true_batch in images:
        predicted = colorize(images=true_batch)["colorized"]
        psnr += list(tf.image.psnr(predicted, true_batch, max_val=255).numpy())
        ssim += list(tf.image.ssim(predicted, true_batch, max_val=255).numpy())
        for prediction, true in zip(predicted, true_batch):
            tf.io.write_file(str(out_dir / f"{step}_{index}_col.png"), tf.io.encode_png(prediction))
            tf.io.write_file(str(out_dir / f"{step}_{index}_true.png"), tf.io.encode_png(true))
            index += 1
    result = {"step": step, "images": index, "split": part, "size": config.size,
              "protocol": "Lab AREA resize to size, truth round-tripped through Lab, RGB uint8",
              "psnr": float(np.mean(psnr)), "ssim": float(np.mean(ssim))}
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2))
    return result


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
    classifier, accuracy = classifier_distance.load_or_train_classifier(config.dataset, cache_dir, config.data_dir)
    real, _ = digits.load_grayscale(config.dataset, config.data_dir, "test")
    z = sample_z(z_sampling(config), [count, config.z_dim], tf.constant([config.seed, 1]))
    samples = tf.concat([generate(z[i:i + 500]) for i in range(0, count, 500)], axis=0)
    if samples.shape[-1] == 3:
        samples = tf.image.rgb_to_grayscale(samples)
    if samples.shape[1:3] != real.shape[1:3]:
        samples = tf.cast(tf.round(tf.image.resize(tf.cast(samples, tf.float32), real.shape[1:3], "area")), tf.uint8)
    scores = classifier_distance.evaluate_samples(classifier, real[:count], samples.numpy())
    return {**scores, "classifier_test_accuracy": accuracy, "dataset": config.dataset,
            "features": f"{classifier_distance.FEATURE_DIM}-d penultimate layer of a CNN trained on {config.dataset}"}


def model_label(config):
    """The report's column title of a colorization run, e.g. "LSGAN L1=100 L2=0" (and " seed 1" for a seed
    other than 0)."""
    return f"{config.gan.upper().replace('_', '-')} L1={config.l1:g} L2={config.l2:g}" + (
        f" seed {config.seed}" if config.seed else "")


def evaluation_images(dataset, size, count=None, data_dir=None):
    """uint8 [N, size, size, 3] evaluation images: every image of `dataset` ('sample', a folder or a TFDS name),
    in Lab AREA-resized to size x size and back to RGB (so the truth is round-tripped through Lab)."""
    images = data.images(evaluation_split(dataset, data_dir), "train").take(count if count is not None else -1)
    return np.stack([image.numpy() for image in images.map(lambda rgb: lab_round_trip(rgb, size))])


def evaluation_split(dataset, data_dir=None):
    """`data.make_split` of `dataset` with every item under "train", in `evaluation_images`' order (a folder's
    items are paths relative to it)."""
    split = data.make_split(dataset, seed=0, data_dir=data_dir)
    return {**split, "train": split["train"] + split["test"]}


def colorize_with(generator, images, batch_size=4):
    """The generator's colorizations of uint8 images [N, S, S, 3] (S its training size), uint8 [N, S, S, 3]: L of
    each image, ab predicted in batches of `batch_size` with `training=False` (BatchNorm on the batch's statistics
    unless the run uses moving averages), recombined with that L."""
    l_channel, _ = color.normalize_lab(color.rgb_to_lab(tf.cast(images, tf.float32) / 255.0))
    ab = tf.concat([tf.cast(generator(l_channel[i:i + batch_size], training=False), tf.float32)
                    for i in range(0, len(images), batch_size)], axis=0)
    return callbacks.to_uint8(color.lab_to_rgb(color.denormalize_lab(l_channel, ab))).numpy()


def heldout_summary(generator, truths, batch_size=4):
    """{metric: mean over images} of the generator's colorizations of `truths` (uint8 [N, S, S, 3]), every
    `metrics.METRIC_NAMES` entry: the learning curve of held-out quality (`--heldout_every`)."""
    outputs = colorize_with(generator, truths, batch_size)
    summary = metrics.summarize([metrics.image_metrics(o, t) for o, t in zip(outputs, truths)])
    return {name: stats["mean"] for name, stats in summary.items()}


def gray_baseline(images):
    """The images with ab = 0 (their own lightness only), uint8 [N, H, W, 3]."""
    l_channel, ab = color.normalize_lab(color.rgb_to_lab(tf.cast(images, tf.float32) / 255.0))
    return callbacks.to_uint8(color.lab_to_rgb(color.denormalize_lab(l_channel, tf.zeros_like(ab)))).numpy()


def colourfulness_both(image):
    """{"colourfulness", "colourfulness_abs"} of a uint8 image [H, W, 3]: both forms of `metrics.colourfulness`."""
    return {"colourfulness": metrics.colourfulness(image), "colourfulness_abs": metrics.colourfulness(image, True)}


def trained_generator(run_dir):
    """(config, generator) of a colorization run, the generator restored from the run's latest checkpoint."""
    config = rundir.read_config(run_dir)
    generator = tasks.plugin(config.task).generator(config)  # not imported at the top: it imports this module
    latest = tf.train.latest_checkpoint(str(rundir.checkpoints(run_dir)))
    if not latest:
        raise FileNotFoundError(f"No checkpoint in '{rundir.checkpoints(run_dir)}': expected a run trained by "
                                "train.py.")
    tf.train.Checkpoint(generator=generator).restore(latest).expect_partial()  # the generator alone
    return config, generator


def colorizer(run_dir):
    """The report's protocol for a trained colorization run: function `images` uint8 [N, H, W, 3] ->
    {"colorized": uint8 [N, H, W, 3]} (`export.colorize`) through its generator as it trained (by default
    BatchNorm on the statistics of the photos of one call, dropout on, C12), restored from its latest checkpoint.
    (The export's serving signature is batch-independent instead, `tf_colorgan.export`; before it was, it ran
    this protocol, and this function reproduces the study's scores of those exports exactly.)"""
    config, generator = trained_generator(run_dir)
    return tf.function(lambda images: {"colorized": export.colorize(generator, images, config.size)},
                       reduce_retracing=True)


def serving_colorizer(run_dir):
    """The export's computation for a trained colorization run, from its latest checkpoint (no export needed):
    function `images` uint8 [N, H, W, 3] -> {"colorized": uint8 [N, H, W, 3]}, each photo alone through the
    generator's inference twin (BatchNorm on its moving averages, no dropout; `export.colorize_each`)."""
    config, generator = trained_generator(run_dir)
    twin = networks.inference_twin(generator)
    return tf.function(lambda images: {"colorized": export.colorize_each(twin, images, config.size)},
                       reduce_retracing=True)


def protocol_outputs(colorize, images, batch_size=4):
    """uint8 [N, S, S, 3]: `images` (uint8 [N, S, S, 3]) colorized with the report's protocol (`colorizer`),
    `batch_size` at a time."""
    return np.concatenate([colorize(images=images[i:i + batch_size])["colorized"].numpy()
                           for i in range(0, len(images), batch_size)])


def score(outputs, truths, true_gray=False):
    """Per-image scores of uint8 outputs [N, H, W, 3]: every `metrics.image_metrics` value against the truths, or
    with `true_gray` (no colour original) the colourfulness in both forms."""
    if true_gray:
        return [colourfulness_both(image) for image in outputs]
    return [metrics.image_metrics(o, t) for o, t in zip(outputs, truths)]


def comparison(dataset, truths, models, true_gray=False, batch_size=4):
    """The metrics.json dict of a comparison on `truths` (uint8 [N, S, S, 3], the images of `dataset`).

    Args:
        models: {label: (run, per-image scores from `score`)}, the gray baseline first ("baseline" as its run).

    Returns:
        {"protocol", "models": {label: {"run", "summary" (`metrics.summarize`), "per_image"}}, and unless
        `true_gray` "truth": the colourfulness of the true images}.
    """
    size = truths.shape[1]
    results = {"protocol": {"dataset": str(dataset), "images": len(truths),
                            "resize": f"Lab AREA resize to {size}x{size}", "truth_round_tripped_through_lab": True,
                            "rgb": "uint8", "batch_size": batch_size, "true_gray": true_gray},
               "models": {label: {"run": run, "summary": metrics.summarize(per_image), "per_image": per_image}
                          for label, (run, per_image) in models.items()}}
    if not true_gray:
        results["truth"] = metrics.summarize([colourfulness_both(image) for image in truths])
    return results


def compare(run_dirs, dataset, out_dir, count=None, size=256, true_gray=False, data_dir=None, batch_size=4,
            inception_weights="imagenet"):
    """Colorizes one evaluation set with several runs' exports and scores each against the truth.

    Writes into `out_dir`: metrics.json and metrics.csv (`comparison`: per model and for the gray baseline, mean,
    std and bootstrap 95% interval over images of every `metrics.image_metrics` value, plus the protocol and,
    under "truth", the colourfulness of the true images), figure.png (the report's Figure 6 layout: a row per
    image, columns input, each model, truth) and index.html (the table and every image). With `true_gray` the
    photos have no colour original: only the input and the outputs, scored by colourfulness. Unless `true_gray`,
    each model (and the gray baseline) also gets its FID against the truths (`tf_colorgan.fid`, under "fid") when
    the InceptionV3 weights `inception_weights` load; otherwise "fid_error" says why, logged once.

    Returns:
        The metrics dict written to metrics.json.
    """
    from tf_colorgan import report  # report draws with matplotlib: imported only here

    truths = evaluation_images(dataset, size, count, data_dir)
    columns = {GRAY: gray_baseline(truths)}
    runs = {GRAY: "baseline"}
    for run_dir in map(pathlib.Path, run_dirs):
        label = model_label(rundir.read_config(run_dir))
        if label in columns:
            label = f"{label} ({run_dir.name})"
        columns[label], runs[label] = protocol_outputs(colorizer(run_dir), truths, batch_size), str(run_dir)
    models = {label: (runs[label], score(outputs, truths, true_gray)) for label, outputs in columns.items()}
    results = comparison(dataset, truths, models, true_gray, batch_size)
    if not true_gray:
        inception, problem = fid.load_inception(inception_weights)
        if problem:
            logging.warning("%s", problem)
            results["fid_error"] = problem
        else:
            truth_features = fid.features(inception, truths)
            for label, outputs in columns.items():
                results["models"][label]["fid"] = classifier_distance.frechet_distance(
                    fid.features(inception, outputs), truth_features)
    report.write(out_dir, results, truths, columns, true_gray)
    return results
