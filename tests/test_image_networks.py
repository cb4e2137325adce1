"""The image-generation networks against their specification (docs/original-code.md section 1): shapes, parameter
counts, output ranges, the DCGAN crop, batch-statistics BatchNorm and float32 outputs under mixed precision."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan.networks import image_networks
from tf_colorgan.networks.image_networks import ARCHITECTURES
from tf_colorgan.tasks.generate import IMAGE_SHAPES

Z_DIMS = {"mlp": 100, "dcgan": 100, "lsgan": 1024, "ebgan": 100, "wgan": 100}


def conv(k, c_in, c_out, bias=False, bn=False):
    """Trainable parameters of a k x k (transposed) conv; a dense layer is k = 1. `bn`: BatchNorm offsets only."""
    return k * k * c_in * c_out + (c_out if bias else 0) + (c_out if bn else 0)


def dcgan_trunk():  # g_fc1 4x4x1024 + BN, g_conv2..4 k5 512, 256, 128 + BN
    return (conv(1, 100, 4 * 4 * 1024, bn=True) + conv(5, 1024, 512, bn=True) + conv(5, 512, 256, bn=True)
            + conv(5, 256, 128, bn=True))


def strided_discriminator(channels, kernel_size=5):  # d_conv1 64 with a bias, d_conv2..4 128, 256, 512 + BN
    return (conv(kernel_size, channels, 64, bias=True) + conv(kernel_size, 64, 128, bn=True)
            + conv(kernel_size, 128, 256, bn=True) + conv(kernel_size, 256, 512, bn=True))


EXPECTED_TRAINABLE = {  # (generator, discriminator)
    "mlp": (conv(1, 100, 1200, bias=True) + conv(1, 1200, 1200, bias=True) + conv(1, 1200, 784, bias=True),
            conv(1, 784, 1200, bias=True) + conv(1, 1200, 240, bias=True) + conv(1, 240, 1, bias=True)),
    "dcgan": (dcgan_trunk() + conv(5, 128, 1, bias=True),
              strided_discriminator(1) + conv(4, 512, 1, bn=True) + conv(1, 4, 1, bias=True)),
    "lsgan": (conv(1, 1024, 7 * 7 * 256, bn=True) + conv(3, 256, 256, bn=True) + conv(5, 256, 256, bn=True)
              + conv(3, 256, 256, bn=True) + conv(3, 256, 256, bn=True) + conv(3, 256, 128, bn=True)
              + conv(3, 128, 64, bn=True) + conv(3, 64, 3, bias=True),
              strided_discriminator(3)),
    "ebgan": (dcgan_trunk() + conv(5, 128, 3, bias=True),
              conv(4, 3, 64, bias=True) + conv(4, 64, 128, bn=True) + conv(4, 128, 256, bn=True)
              + conv(4, 256, 128, bn=True) + conv(4, 128, 64, bn=True) + conv(4, 64, 3, bias=True)),
    "wgan": (dcgan_trunk() + conv(5, 128, 3, bias=True), strided_discriminator(3) + conv(4, 512, 1, bias=True)),
}
DISCRIMINATOR_OUTPUT_SHAPES = {"mlp": [(2, 1)], "dcgan": [(2, 1)], "lsgan": [(2, 25088)],
                               "ebgan": [(2, 64, 64, 3), (2, 8, 8, 256)], "wgan": [(2, 4, 4, 1)]}
BATCH_NORM_ARCHITECTURES = ["dcgan", "lsgan", "ebgan", "wgan"]


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def batch_norm_offsets(model):
    return sum(int(np.prod(w.shape)) for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)
               for w in layer.trainable_weights)


@pytest.fixture(scope="module")
def models():
    """Every architecture's (generator, discriminator), built once in float32."""
    keras.utils.set_random_seed(0)
    return {name: (generator(Z_DIMS[name]), discriminator()) for name, (generator, discriminator)
            in ARCHITECTURES.items()}


@pytest.fixture
def mixed_bfloat16():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.config.set_dtype_policy("float32")


def latent(name, batch=2, seed=0):
    return tf.random.normal([batch, Z_DIMS[name]], seed=seed)


def images(name, batch=2, seed=0):
    return tf.random.uniform([batch, *IMAGE_SHAPES[name]], -1.0, 1.0, seed=seed)


def test_registry_names_and_defaults():
    assert set(ARCHITECTURES) == set(IMAGE_SHAPES) == set(Z_DIMS)
    assert image_networks.lsgan_generator().input_shape == (None, 1024)
    assert image_networks.wgan_generator().input_shape == (None, 100)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_output_shapes_and_model_names(models, name):
    generator, discriminator = models[name]
    assert (generator.name, discriminator.name) == ("generator", "discriminator")
    fake = generator(latent(name), training=False)
    assert tuple(fake.shape) == (2, *IMAGE_SHAPES[name])
    outputs = keras.tree.flatten(discriminator(fake, training=False))
    assert [tuple(output.shape) for output in outputs] == DISCRIMINATOR_OUTPUT_SHAPES[name]


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_trainable_parameter_counts(models, name):
    generator, discriminator = models[name]
    assert (trainable_count(generator), trainable_count(discriminator)) == EXPECTED_TRAINABLE[name]
    for model in (generator, discriminator):  # BN: offset only (no gamma), plus moving mean and variance
        assert all(not layer.scale for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
        assert model.count_params() == trainable_count(model) + 2 * batch_norm_offsets(model)


def test_lsgan_logits_variant_adds_d_fc5():
    discriminator = image_networks.lsgan_discriminator(features_output=False)
    assert discriminator.output_shape == (None, 1)
    assert trainable_count(discriminator) == EXPECTED_TRAINABLE["lsgan"][1] + conv(1, 25088, 1, bias=True)


@pytest.mark.parametrize("name", BATCH_NORM_ARCHITECTURES)
def test_activations_after_projection_and_wgan_conv2(models, name):
    names = {layer.name for layer in models[name][0].layers}
    assert "g_fc1_bn" in names and "g_fc1_relu" not in names  # projection: BN, identity activation
    assert ("g_conv2_relu" in names) == (name != "wgan")  # report-era WGAN: no ReLU after g_conv2


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_layer_is_named(models, name):
    outputs = {"z", "images", "features", "embedding"}
    for model in models[name]:
        for layer in model.layers:
            assert layer.name in outputs or layer.name.startswith(("g_", "d_")), layer.name


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_generator_output_ranges(models, name):
    fake = models[name][0](5.0 * latent(name, batch=4), training=False).numpy()
    if name == "mlp":
        assert fake.min() >= 0.0 and fake.max() <= 1.0
    else:
        assert -1.0 <= fake.min() < 0.0 < fake.max() <= 1.0


def test_dcgan_generator_keeps_the_top_left_crop(models):
    generator = models["dcgan"][0]
    full = keras.Model(generator.input, generator.get_layer("g_conv5").output)
    z = latent("dcgan")
    canvas = full(z, training=False).numpy()
    assert canvas.shape == (2, 64, 64, 1)
    np.testing.assert_allclose(generator(z, training=False).numpy(), canvas[:, :28, :28], atol=1e-6)
    assert np.abs(canvas[:, 18:46, 18:46] - canvas[:, :28, :28]).max() > 1e-3  # a centre crop would differ


@pytest.mark.parametrize("name", BATCH_NORM_ARCHITECTURES)
def test_batch_norm_uses_batch_statistics_at_inference(models, name):
    generator, discriminator = models[name]
    z = latent(name, batch=3)
    with_first = generator(tf.gather(z, [0, 1]), training=False)[0]
    with_second = generator(tf.gather(z, [0, 2]), training=False)[0]
    assert float(tf.reduce_max(tf.abs(with_first - with_second))) > 1e-4
    x = images(name, batch=3)
    with_first = keras.tree.flatten(discriminator(tf.gather(x, [0, 1]), training=False))[0][0]
    with_second = keras.tree.flatten(discriminator(tf.gather(x, [0, 2]), training=False))[0][0]
    assert float(tf.reduce_max(tf.abs(with_first - with_second))) > 1e-4


@pytest.mark.bfloat16
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_outputs_are_float32_under_mixed_precision(mixed_bfloat16, name):
    generator_fn, discriminator_fn = ARCHITECTURES[name]
    generator, discriminator = generator_fn(Z_DIMS[name]), discriminator_fn()
    assert generator.get_layer("g_fc1").compute_dtype == "bfloat16"  # the policy is in force inside
    assert discriminator.get_layer("d_fc1" if name == "mlp" else "d_conv1").compute_dtype == "bfloat16"
    fake = generator(latent(name), training=False)
    assert fake.dtype == tf.float32
    assert [output.dtype for output in keras.tree.flatten(discriminator(fake, training=False))] == (
        [tf.float32] * len(DISCRIMINATOR_OUTPUT_SHAPES[name]))


@pytest.mark.parametrize("generator", [pair[0] for pair in ARCHITECTURES.values()])
@pytest.mark.parametrize("z_dim", [0, -3, 2.5])
def test_z_dim_is_validated(generator, z_dim):
    expected = f"Invalid value for argument `z_dim`. Expected an integer >= 1. Received: z_dim={z_dim}"
    with pytest.raises(ValueError, match=re.escape(expected)):
        generator(z_dim)
