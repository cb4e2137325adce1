"""What training asks of the image-generation task (`tf_colorgan.tasks`): its problem, networks, data stream,
sample grids, classifier metrics and export."""

import tensorflow as tf

from tf_colorgan import color, grids
from tf_colorgan.networks import image_networks
from tf_colorgan.tasks.generate import (
    FEATURE_DISCRIMINATORS,
    IMAGE_SHAPES,
    classifier_distance,
    image_stream,
    unit_range,
    z_sampling,
)
from tf_colorgan.tasks.generate import export as exports
from tf_colorgan.tasks.generate.problem import Generation, sample_z

GRID_COLUMNS = 15  # The report's sample figures are 15 tiles wide.


def problem(config):
    """z of the run's distributions; a least-squares objective squares the batch mean of D's conv features on the
    LSUN networks, as their code (G4)."""
    scores = "batch_mean" if config.arch in FEATURE_DISCRIMINATORS else "logits"
    return Generation(config.z_dim, config.z_discriminator, config.z_generator, config.shared_z, config.seed, scores)


def build_networks(config, objective):
    make_generator, make_discriminator = image_networks.ARCHITECTURES[config.arch]
    # The LSUN code's discriminator returned its conv features to the objective that scored them (least squares on
    # their batch mean), unless textbook.
    features = objective.feature_scores and not config.objective_textbook
    options = {"features_output": features} if config.arch in FEATURE_DISCRIMINATORS else {}
    return make_generator(z_dim=config.z_dim), make_discriminator(**options)


def training_stream(config, split, batches_per_step, step, on_skip, batch_size):
    channels = IMAGE_SHAPES[config.arch][-1]
    return image_stream.generation_batches(split, config.size, channels, unit_range(config), batch_size,
                                           batches_per_step, step, config.central_crop, config.seed, on_skip)


def sample_renderer(config, split):
    """Samples of a fixed z (the distribution the generator trained on), `GRID_COLUMNS` wide."""
    z = sample_z(z_sampling(config), [config.sample_count, config.z_dim], tf.constant([config.seed, 0]))
    return lambda generator: grids.tile(color.to_uint8(generator(z, training=False), unit_range(config)),
                                        min(GRID_COLUMNS, config.sample_count))


def periodic_metrics(config):
    """Every `fcd_every` steps, the Frechet classifier distance and classifier score of 1,000 samples."""
    if not config.fcd_every:
        return []

    def score(generator):
        samples = lambda z: color.to_uint8(generator(z, training=False), unit_range(config))  # noqa: E731
        return classifier_distance.generator_metrics(samples, config, count=1000)

    return [(config.fcd_every, score, {"classifier_distance": "fcd", "classifier_score": "classifier_score"})]


def export(config, generator, path):
    exports.export_image_generator(generator, config.z_dim, unit_range(config), path)
