"""What training asks of the colorization task (`tf_colorgan.tasks`): its problem, networks, data stream, sample
grids, held-out metrics and export."""

import tensorflow as tf

from tf_colorgan import color
from tf_colorgan.networks import pix2pix
from tf_colorgan.tasks.colorize import evaluation, lab_stream, metrics
from tf_colorgan.tasks.colorize import export as exports
from tf_colorgan.tasks.colorize.problem import Colorization


def problem(config):
    return Colorization(config.l1, config.l2, l2_textbook="l2" in config.textbook)


def generator(config):
    """The run's U-Net: L' [B, S, S, 1] -> ab' [B, S, S, 2], both in [-1, 1] (`pix2pix.unet_generator`)."""
    return pix2pix.unet_generator(config.size, config.upconvs, config.train_mode_inference, config.width)


def build_networks(config, objective):
    """The U-Net, and a PatchGAN on (L', ab') (LayerNorm where the objective allows no BatchNorm) or, for an
    objective with an auto-encoder discriminator, an auto-encoder on ab'."""
    if objective.autoencoder_discriminator:
        return generator(config), pix2pix.energy_discriminator(config.size, config.width)
    norm = "batch" if objective.batch_norm_allowed else "layer"
    return generator(config), pix2pix.patch_discriminator(config.size, norm=norm, width=config.width)


def training_stream(config, split, batches_per_step, step, on_skip, batch_size):
    return lab_stream.training_batches(split, config.size, batch_size, batches_per_step, initial_step=step,
                                       jitter=config.jitter, seed=config.seed, on_skip=on_skip)


def sample_renderer(config, split):
    """input L | prediction | truth rows of the first `sample_count` test photos."""
    l_channel, ab = lab_stream.eval_pairs(split, config.size, config.sample_count)
    return lambda generator: colorization_grid(l_channel, generator(l_channel, training=False), ab)


def colorization_grid(l_channel, ab_pred, ab_true):
    """One uint8 image [n * S, 3 * S, 3]: a row per example with columns input L, prediction, truth.

    Args:
        l_channel: L' [n, S, S, 1] in [-1, 1].
        ab_pred: predicted ab' [n, S, S, 2].
        ab_true: true ab' [n, S, S, 2].
    """
    gray = tf.zeros_like(ab_true)
    rows = tf.concat([color.lab_to_uint8(l_channel, ab) for ab in (gray, ab_pred, ab_true)], axis=2)  # [n, S, 3S, 3]
    return tf.reshape(rows, [-1, tf.shape(rows)[2], 3])


def periodic_metrics(config):
    """Every `heldout_every` steps, the held-out scores (`heldout/<metric>`) on the `--heldout` photos."""
    if not config.heldout_every:
        return []
    heldout = evaluation.evaluation_images(config.heldout, config.size)
    return [(config.heldout_every, lambda generator: evaluation.heldout_summary(generator, heldout),
             {f"heldout/{name}": name for name in metrics.METRIC_NAMES})]


def export(config, generator, path):
    exports.export_colorizer(generator, config.size, path)
