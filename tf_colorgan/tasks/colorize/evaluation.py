"""Scoring a colorizer on photos: the evaluation protocol shared by the held-out curves, eval.py and the study.

The truth of a photo is its Lab round trip at the training size (`lab_round_trip`); a colorizer's output is its
L' with the predicted ab' (`colorize_with`); the gray baseline keeps L' with ab' = 0. Every image is scored with
`metrics.image_metrics` and summarised with bootstrap intervals (`comparison`).
"""

import numpy as np
import tensorflow as tf

from tf_colorgan import color
from tf_colorgan.data import sources
from tf_colorgan.tasks.colorize import metrics

GRAY = "Gray (ab = 0)"  # the label of the gray baseline (ab = 0) in every comparison


def lab_round_trip(rgb, size):
    """The evaluation truth: sRGB [H, W, 3] in [0, 1] -> Lab, AREA-resized to size x size -> RGB uint8."""
    lab = tf.image.resize(color.rgb_to_lab(rgb), [size, size], method="area")
    return color.to_uint8(color.lab_to_rgb(lab))


def model_label(config):
    """The report's column title of a colorization run, e.g. "LSGAN L1=100 L2=0" (and " seed 1" for a seed
    other than 0)."""
    return f"{config.gan.upper().replace('_', '-')} L1={config.l1:g} L2={config.l2:g}" + (
        f" seed {config.seed}" if config.seed else "")


def evaluation_images(dataset, size, count=None, data_dir=None):
    """uint8 [N, size, size, 3] evaluation images: every image of `dataset` ('sample', a folder or a TFDS name),
    in Lab AREA-resized to size x size and back to RGB (so the truth is round-tripped through Lab)."""
    images = sources.images(evaluation_split(dataset, data_dir), "train").take(count if count is not None else -1)
    return np.stack([image.numpy() for image in images.map(lambda rgb: lab_round_trip(rgb, size))])


def evaluation_split(dataset, data_dir=None):
    """`sources.make_split` of `dataset` with every item under "train", in `evaluation_images`' order (a folder's
    items are paths relative to it)."""
    split = sources.make_split(dataset, seed=0, data_dir=data_dir)
    return {**split, "train": split["train"] + split["test"]}


def colorize_with(generator, images, batch_size=4):
    """The generator's colorizations of uint8 images [N, S, S, 3] (S its training size), uint8 [N, S, S, 3]: L of
    each image, ab predicted in batches of `batch_size` with `training=False` (BatchNorm on the batch's statistics
    unless the run uses moving averages), recombined with that L."""
    l_channel, _ = color.normalize_lab(color.rgb_to_lab(tf.cast(images, tf.float32) / 255.0))
    ab = tf.concat([tf.cast(generator(l_channel[i:i + batch_size], training=False), tf.float32)
                    for i in range(0, len(images), batch_size)], axis=0)
    return color.lab_to_uint8(l_channel, ab).numpy()


def heldout_summary(generator, truths, batch_size=4):
    """{metric: mean over images} of the generator's colorizations of `truths` (uint8 [N, S, S, 3]), every
    `metrics.METRIC_NAMES` entry: the learning curve of held-out quality (`--heldout_every`)."""
    outputs = colorize_with(generator, truths, batch_size)
    summary = metrics.summarize([metrics.image_metrics(o, t) for o, t in zip(outputs, truths)])
    return {name: stats["mean"] for name, stats in summary.items()}


def gray_baseline(images):
    """The images with ab = 0 (their own lightness only), uint8 [N, H, W, 3]."""
    l_channel, ab = color.normalize_lab(color.rgb_to_lab(tf.cast(images, tf.float32) / 255.0))
    return color.lab_to_uint8(l_channel, tf.zeros_like(ab)).numpy()


def colourfulness_both(image):
    """{"colourfulness", "colourfulness_abs"} of a uint8 image [H, W, 3]: both forms of `metrics.colourfulness`."""
    return {"colourfulness": metrics.colourfulness(image), "colourfulness_abs": metrics.colourfulness(image, True)}


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
