"""What training asks of the colorization task (`tf_colorgan.tasks`): its problem, networks, data stream, sample
grids, held-out metrics and export."""

from tf_colorgan import callbacks, data, evaluation, export as exports, metrics, networks
from tf_colorgan.tasks.colorize.problem import Colorization


def problem(config):
    return Colorization(config.l1, config.l2, l2_textbook="l2" in config.textbook)


def generator(config):
    """The run's U-Net: L' [B, S, S, 1] -> ab' [B, S, S, 2], both in [-1, 1] (`networks.unet_generator`)."""
    return networks.unet_generator(config.size, config.upconvs, config.train_mode_inference, config.width)


def build_networks(config, objective):
    """The U-Net, and a PatchGAN on (L', ab') (LayerNorm where the objective allows no BatchNorm) or, for an
    objective with an auto-encoder discriminator, an auto-encoder on ab'."""
    if objective.autoencoder_discriminator:
        return generator(config), networks.energy_discriminator(config.size, config.width)
    norm = "batch" if objective.batch_norm_allowed else "layer"
    return generator(config), networks.patch_discriminator(config.size, norm=norm, width=config.width)


def training_stream(config, split, batches_per_step, step, on_skip, batch_size):
    return data.training_batches(split, config.size, batch_size, batches_per_step, initial_step=step,
                                 jitter=config.jitter, seed=config.seed, on_skip=on_skip)


def sample_renderer(config, split):
    """input L | prediction | truth rows of the first `sample_count` test photos."""
    l_channel, ab = data.eval_pairs(split, config.size, config.sample_count)
    return lambda generator: callbacks.colorization_grid(l_channel, generator(l_channel, training=False), ab)


def metric_callbacks(config, log_dir):
    """Every `heldout_every` steps, the held-out scores (`heldout/<metric>`) on the `--heldout` photos."""
    if not config.heldout_every:
        return []
    heldout = evaluation.evaluation_images(config.heldout, config.size)
    return [callbacks.PeriodicMetrics(log_dir, config.heldout_every,
                                      lambda generator: evaluation.heldout_summary(generator, heldout),
                                      {f"heldout/{name}": name for name in metrics.METRIC_NAMES})]


def export(config, generator, path):
    exports.export_colorizer(generator, config.size, path)
