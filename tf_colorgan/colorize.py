"""The colorization task (a `tf_colorgan.tasks` plug-in): the report's study.

G, the pix2pix U-Net, maps L' [B, S, S, 1] to ab' [B, S, S, 2] (S a multiple of 256, both in [-1, 1]); D, a
PatchGAN on (L', ab') or for EBGAN an auto-encoder on ab', judges the pair; the generator loss adds
`l1 * L1 + l2 * L2` (`gans.Colorization`). Data: colour photos, each one Lab pair (`tf_colorgan.data`).
"""

from tf_colorgan import callbacks, data, evaluation, export as exports, gans, metrics, networks
from tf_colorgan.config import GRAYSCALE_SETS, invalid

COLOUR_ONLY = True  # grayscale photos have no ab to learn


def preset(given):
    """Colorization starts from `Config`'s own defaults."""
    return given


def check(config):
    if config.experiment:
        raise invalid("experiment", "no experiment for --task=colorize (presets are for --task=generate)",
                      config.experiment)
    if config.arch != "pix2pix":
        raise invalid("arch", "'pix2pix' for --task=colorize", config.arch)
    if config.dataset in GRAYSCALE_SETS:
        raise invalid("dataset", "colour photos for --task=colorize ('sample', a folder or a TFDS image dataset); "
                      f"{GRAYSCALE_SETS} are grayscale sets for --task=generate", config.dataset)
    if config.size <= 0 or config.size % 256:
        raise invalid("size", "a positive multiple of 256 (the U-Net halves the image 8 times)", config.size)
    if config.fcd_every:
        raise invalid("fcd_every", "0 unless --task=generate on fashion_mnist, mnist or digits (the classifier "
                      "distance needs their classifier)", config.fcd_every)
    if config.heldout_every and not config.heldout:
        raise invalid("heldout_every", "0, or an integer >= 1 with --task=colorize and a --heldout folder",
                      config.heldout_every)


def generator(config):
    """The run's U-Net: L' [B, S, S, 1] -> ab' [B, S, S, 2], both in [-1, 1] (`networks.unet_generator`)."""
    return networks.unet_generator(config.size, config.upconvs, config.train_mode_inference, config.width)


def build_networks(config):
    if config.gan == "ebgan":
        return generator(config), networks.energy_discriminator(config.size, config.width)
    norm = "layer" if config.gan == "wgan_gp" else "batch"
    return generator(config), networks.patch_discriminator(config.size, norm=norm, width=config.width)


def make_task(config):
    return gans.Colorization(config.l1, config.l2, l2_textbook="l2" in config.textbook)


def objective_options(config):
    """LSGAN squares sigmoid(logits), as the colorization code (C6), unless textbook."""
    return {"sigmoid": "lsgan" not in config.textbook} if config.gan == "lsgan" else {}


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
