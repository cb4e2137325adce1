"""The image-generation task (a `tf_colorgan.tasks` plug-in): the report's experiments before the study.

G maps z [B, z_dim] to images of `image_networks.IMAGE_SHAPES[arch]` (in [0, 1] for the MNIST networks of
`image_networks.UNIT_RANGE`, else [-1, 1]); D judges images alone (`gans.Generation`). Settings start from a
named experiment of `tf_colorgan.presets`.
"""

import tensorflow as tf

from tf_colorgan import callbacks, data, evaluation, export as exports, gans, image_networks
from tf_colorgan.config import GRAYSCALE_SETS, invalid
from tf_colorgan.presets import EXPERIMENTS

COLOUR_ONLY = False
GRID_COLUMNS = 15  # The report's sample figures are 15 tiles wide.


def image_size(arch):
    return image_networks.IMAGE_SHAPES[arch][0]


def preset(given):
    """The settings of `given["experiment"]`'s preset, overridden by the given ones (a given length replaces the
    preset's; the size follows a given --arch). An unknown experiment leaves `given` as it is, for `check`."""
    if given.get("experiment") not in EXPERIMENTS:
        return given
    preset = dict(EXPERIMENTS[given["experiment"]])
    if "steps" in given or "epochs" in given:
        preset.pop("steps", None), preset.pop("epochs", None)
    if given.get("arch") in image_networks.ARCHITECTURES:
        preset["size"] = image_size(given["arch"])
    return {**preset, **given}


def check(config):
    if config.experiment not in EXPERIMENTS:
        raise invalid("experiment", f"one of {tuple(EXPERIMENTS)} for --task=generate", config.experiment)
    if config.arch not in image_networks.ARCHITECTURES:
        raise invalid("arch", f"one of {tuple(image_networks.ARCHITECTURES)} for --task=generate", config.arch)
    if config.gan == "wgan_gp":
        raise invalid("gan", "gan, lsgan, ebgan or wgan for --task=generate (the image-generation critics have "
                      "BatchNorm, which the gradient penalty's per-sample gradients do not allow)", config.gan)
    if (config.gan == "ebgan") != (config.arch == "ebgan"):
        raise invalid("gan", "ebgan exactly with --arch=ebgan (its discriminator is an auto-encoder)", config.gan)
    if config.size != image_size(config.arch):
        raise invalid("size", f"{image_size(config.arch)}, the image size of the {config.arch} networks",
                      config.size)
    if config.fcd_every and config.dataset not in GRAYSCALE_SETS:
        raise invalid("fcd_every", "0 unless --task=generate on fashion_mnist, mnist or digits (the classifier "
                      "distance needs their classifier)", config.fcd_every)
    if config.heldout_every:
        raise invalid("heldout_every", "0, or an integer >= 1 with --task=colorize and a --heldout folder",
                      config.heldout_every)
    if config.width != 64:
        raise invalid("width", "64 for --task=generate (only the colorization networks have a width knob)",
                      config.width)


def build_networks(config):
    make_generator, make_discriminator = image_networks.ARCHITECTURES[config.arch]
    # The LSUN code scored D's conv features (least squares on their batch mean), only with that loss.
    features = config.gan == "lsgan" and "lsgan" not in config.textbook
    options = {"features_output": features} if config.arch == "lsgan" else {}
    return make_generator(z_dim=config.z_dim), make_discriminator(**options)


def make_task(config):
    return gans.Generation(config.z_dim, config.z_discriminator, config.z_generator, config.shared_z, config.seed)


def objective_options(config):
    """LSGAN on the batch mean of D's outputs with the LSUN networks, as their code (G4), unless textbook."""
    return {"batch_mean": config.arch == "lsgan" and "lsgan" not in config.textbook} if config.gan == "lsgan" else {}


def unit_range(config):
    return config.arch in image_networks.UNIT_RANGE


def training_stream(config, split, batches_per_step, step, on_skip, batch_size):
    channels = image_networks.IMAGE_SHAPES[config.arch][-1]
    return data.generation_batches(split, config.size, channels, unit_range(config), batch_size,
                                   batches_per_step, step, config.central_crop, config.seed, on_skip)


def sample_renderer(config, split):
    """Samples of a fixed z (the distribution the generator trained on), `GRID_COLUMNS` wide."""
    z = gans.sample_z(config.z_sampling, [config.sample_count, config.z_dim], tf.constant([config.seed, 0]))
    return lambda generator: callbacks.tile(callbacks.to_uint8(generator(z, training=False), unit_range(config)),
                                            min(GRID_COLUMNS, config.sample_count))


def metric_callbacks(config, log_dir):
    """Every `fcd_every` steps, the Frechet classifier distance and classifier score of 1,000 samples."""
    if not config.fcd_every:
        return []

    def score(generator):
        samples = lambda z: callbacks.to_uint8(generator(z, training=False), unit_range(config))  # noqa: E731
        return evaluation.generator_metrics(samples, config, count=1000)

    return [callbacks.PeriodicMetrics(log_dir, config.fcd_every, score,
                                      {"classifier_distance": "fcd", "classifier_score": "classifier_score"})]


def export(config, generator, path):
    exports.export_image_generator(generator, config.z_dim, unit_range(config), path)
