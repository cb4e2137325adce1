"""The generators and discriminators of the report's image-generation experiments (docs/original-code.md section 1).

Before the colorization study the report trained five GANs to generate images from noise z [B, z_dim]:

* "mlp": a fully connected GAN on MNIST (28x28x1 in [0, 1], sigmoid output).
* "dcgan": a DCGAN on MNIST; the generator draws 64x64 and keeps the top-left 28x28 crop.
* "lsgan": the least-squares GAN on LSUN (112x112x3); its discriminator returned conv features, not logits.
* "ebgan": the energy-based GAN on CelebA (64x64x3); the discriminator is an auto-encoder.
* "wgan": the Wasserstein GAN on CelebA (64x64x3); the critic returns a raw 4x4 map.

`ARCHITECTURES` maps each name to its (generator builder, discriminator builder); the image-generation task keeps
the shape each generator produces and which ones are in [0, 1] (`tf_colorgan.tasks.generate`). Conventions of
the original's TF1 contrib layers: Glorot-uniform kernels, zero biases, "same" padding, no bias on a layer
followed by BatchNorm; BatchNorm with epsilon 1e-3, momentum 0.999, an offset and no scale, always on batch
statistics (is_training was on even when sampling); lrelu leak 0.2. Transposed convolutions multiply H and W by
their stride. Outputs are float32 under mixed precision.

Every layer is named after the original's scope (`g_fc1`, `g_conv2`, `d_conv3`, ...).
"""

import math

import keras
from keras import layers

from tf_colorgan.networks.pix2pix import LEAK
from tf_colorgan.networks.train_mode import TrainModeBatchNorm


def _latent(z_dim):
    if isinstance(z_dim, bool) or not isinstance(z_dim, int) or z_dim < 1:
        raise ValueError(f"Invalid value for argument `z_dim`. Expected an integer >= 1. Received: z_dim={z_dim}")
    return keras.Input((z_dim,), name="z")


def _activate(x, activation, name):
    if activation == "relu":
        return layers.ReLU(name=f"{name}_relu")(x)
    if activation == "lrelu":
        return layers.LeakyReLU(LEAK, name=f"{name}_lrelu")(x)
    return x  # identity


def _block(x, layer, batch_norm, activation):
    """`layer` (built with a bias only when there is no BatchNorm), then contrib BatchNorm, then `activation`."""
    x = layer(x)
    if batch_norm:
        x = TrainModeBatchNorm(train_mode_inference=True, epsilon=1e-3, scale=False, momentum=0.999,
                               name=f"{layer.name}_bn")(x)
    return _activate(x, activation, layer.name)


def _dense(x, units, name, batch_norm=False, activation=None):
    return _block(x, layers.Dense(units, use_bias=not batch_norm, name=name), batch_norm, activation)


def _conv(x, filters, kernel_size, strides, name, batch_norm=True, activation="lrelu", transpose=False):
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    layer = conv(filters, kernel_size, strides, padding="same", use_bias=not batch_norm, name=name)
    return _block(x, layer, batch_norm, activation)


def _project(z, shape):
    """g_fc1: z -> prod(shape) units + BatchNorm, identity activation, reshaped to `shape`."""
    x = _dense(z, math.prod(shape), "g_fc1", batch_norm=True)
    return layers.Reshape(shape, name="g_fc1_reshape")(x)


def _dcgan_trunk(z_dim, relu_after_conv2=True):
    """g_fc1 4x4x1024, then g_conv2..4: transposed conv k5 s2 512, 256, 128 + BatchNorm + ReLU -> 32x32x128."""
    z = _latent(z_dim)
    x = _project(z, (4, 4, 1024))
    for i, filters in enumerate((512, 256, 128), start=2):
        relu = relu_after_conv2 or i > 2
        x = _conv(x, filters, 5, 2, f"g_conv{i}", activation="relu" if relu else None, transpose=True)
    return z, x


def _tanh_deconv(x, channels, kernel_size, strides, name):
    return layers.Conv2DTranspose(channels, kernel_size, strides, padding="same", activation="tanh",
                                  dtype="float32", name=name)(x)


def mlp_generator(z_dim=100):
    """MNIST MLP generator: g_fc1 1200 ReLU, g_fc2 1200 ReLU, g_fc3 784 sigmoid (all with biases).

    Returns:
        A `keras.Model`: z [B, z_dim] -> float32 images [B, 28, 28, 1] in (0, 1).
    """
    z = _latent(z_dim)
    x = _dense(z, 1200, "g_fc1", activation="relu")
    x = _dense(x, 1200, "g_fc2", activation="relu")
    x = layers.Dense(784, activation="sigmoid", dtype="float32", name="g_fc3")(x)
    images = layers.Reshape((28, 28, 1), dtype="float32", name="images")(x)
    return keras.Model(z, images, name="generator")


def mlp_discriminator():
    """MNIST MLP discriminator: flatten, d_fc1 1200 lrelu, d_fc2 240 lrelu, d_fc3 1 (all with biases).

    Returns:
        A `keras.Model`: images [B, 28, 28, 1] -> float32 logits [B, 1] (the loss applies the sigmoid).
    """
    images = keras.Input((28, 28, 1), name="images")
    x = layers.Flatten(name="d_flatten")(images)
    x = _dense(x, 1200, "d_fc1", activation="lrelu")
    x = _dense(x, 240, "d_fc2", activation="lrelu")
    logits = layers.Dense(1, dtype="float32", name="d_fc3")(x)
    return keras.Model(images, logits, name="discriminator")


def dcgan_generator(z_dim=100):
    """MNIST DCGAN generator: the 32x32x128 trunk, g_conv5 1 k5 s2 + tanh (64x64), then its top-left 28x28.

    Returns:
        A `keras.Model`: z [B, z_dim] -> float32 images [B, 28, 28, 1] in (-1, 1).
    """
    z, x = _dcgan_trunk(z_dim)
    x = _tanh_deconv(x, 1, 5, 2, "g_conv5")
    images = layers.Cropping2D(((0, 36), (0, 36)), dtype="float32", name="images")(x)
    return keras.Model(z, images, name="generator")


def dcgan_discriminator():
    """MNIST DCGAN discriminator: d_conv1..4 k5 s2 (64 with a bias, then 128, 256, 512 with BatchNorm), lrelu
    (28 -> 2 pixels); d_conv5 1 k4 s1 + BatchNorm + lrelu; flatten (4); d_fc6 1.

    Returns:
        A `keras.Model`: images [B, 28, 28, 1] -> float32 logits [B, 1].
    """
    images = keras.Input((28, 28, 1), name="images")
    x = _conv(images, 64, 5, 2, "d_conv1", batch_norm=False)
    for i, filters in enumerate((128, 256, 512), start=2):
        x = _conv(x, filters, 5, 2, f"d_conv{i}")
    x = _conv(x, 1, 4, 1, "d_conv5")
    x = layers.Flatten(name="d_flatten")(x)
    logits = layers.Dense(1, dtype="float32", name="d_fc6")(x)
    return keras.Model(images, logits, name="discriminator")


def lsgan_generator(z_dim=1024):
    """LSUN LSGAN generator: g_fc1 7x7x256 + BatchNorm; g_conv2..7 transposed convs + BatchNorm + ReLU (256 k3 s2,
    256 k5 s1, 256 k3 s2, 256 k3 s1, 128 k3 s2, 64 k3 s2: 7 -> 112 pixels); g_conv8 3 k3 s1 + tanh.

    Returns:
        A `keras.Model`: z [B, z_dim] -> float32 images [B, 112, 112, 3] in (-1, 1).
    """
    z = _latent(z_dim)
    x = _project(z, (7, 7, 256))
    for i, (filters, kernel_size, strides) in enumerate(
            ((256, 3, 2), (256, 5, 1), (256, 3, 2), (256, 3, 1), (128, 3, 2), (64, 3, 2)), start=2):
        x = _conv(x, filters, kernel_size, strides, f"g_conv{i}", activation="relu", transpose=True)
    images = _tanh_deconv(x, 3, 3, 1, "g_conv8")
    return keras.Model(z, images, name="generator")


def lsgan_discriminator(features_output=True):
    """LSUN LSGAN discriminator: d_conv1..4 k5 s2 (64 with a bias, then 128, 256, 512 with BatchNorm), lrelu.

    Args:
        features_output: return the flattened d_conv4 features, as the original did (its d_fc5 and sigmoid were
            dead code and its least-squares loss used the batch mean of the features); False adds d_fc5 (1 unit)
            and returns logits, the paper's intent.

    Returns:
        A `keras.Model`: images [B, 112, 112, 3] -> float32 features [B, 25088] (7x7x512), or logits [B, 1].
    """
    images = keras.Input((112, 112, 3), name="images")
    x = _conv(images, 64, 5, 2, "d_conv1", batch_norm=False)
    for i, filters in enumerate((128, 256, 512), start=2):
        x = _conv(x, filters, 5, 2, f"d_conv{i}")
    outputs = layers.Flatten(dtype="float32", name="features")(x)
    if not features_output:
        outputs = layers.Dense(1, dtype="float32", name="d_fc5")(outputs)
    return keras.Model(images, outputs, name="discriminator")


def ebgan_generator(z_dim=100):
    """CelebA EBGAN generator: the DCGAN 32x32x128 trunk, then g_conv5 3 k5 s2 + tanh.

    Returns:
        A `keras.Model`: z [B, z_dim] -> float32 images [B, 64, 64, 3] in (-1, 1).
    """
    z, x = _dcgan_trunk(z_dim)
    return keras.Model(z, _tanh_deconv(x, 3, 5, 2, "g_conv5"), name="generator")


def ebgan_discriminator():
    """CelebA EBGAN auto-encoder discriminator, k4 s2 throughout.

    Encoder d_conv1..3: 64 with a bias, then 128, 256 with BatchNorm, lrelu -> the 8x8x256 embedding. Decoder
    d_deconv4..5: transposed 128, 64 + BatchNorm + lrelu; d_deconv6: 3 + tanh.

    Returns:
        A `keras.Model`: images [B, 64, 64, 3] -> [float32 reconstruction [B, 64, 64, 3] in (-1, 1), float32
        embedding [B, 8, 8, 256]] (the embedding feeds the pull-away term).
    """
    images = keras.Input((64, 64, 3), name="images")
    x = _conv(images, 64, 4, 2, "d_conv1", batch_norm=False)
    for i, filters in enumerate((128, 256), start=2):
        x = _conv(x, filters, 4, 2, f"d_conv{i}")
    embedding = layers.Identity(dtype="float32", name="embedding")(x)
    for i, filters in enumerate((128, 64), start=4):
        x = _conv(x, filters, 4, 2, f"d_deconv{i}", transpose=True)
    reconstruction = _tanh_deconv(x, 3, 4, 2, "d_deconv6")
    return keras.Model(images, [reconstruction, embedding], name="discriminator")


def wgan_generator(z_dim=100):
    """CelebA WGAN generator (report era): the DCGAN trunk without the ReLU after g_conv2, g_conv5 3 k5 s2 + tanh.

    Returns:
        A `keras.Model`: z [B, z_dim] -> float32 images [B, 64, 64, 3] in (-1, 1).
    """
    z, x = _dcgan_trunk(z_dim, relu_after_conv2=False)
    return keras.Model(z, _tanh_deconv(x, 3, 5, 2, "g_conv5"), name="generator")


def wgan_critic():
    """CelebA WGAN critic: d_conv1..4 k5 s2 (64 with a bias, then 128, 256, 512 with BatchNorm), lrelu (64 -> 4
    pixels); d_conv5 1 k4 s1 with a bias. The original then took mean(lrelu(map)); the loss does that.

    Returns:
        A `keras.Model`: images [B, 64, 64, 3] -> float32 raw logits map [B, 4, 4, 1].
    """
    images = keras.Input((64, 64, 3), name="images")
    x = _conv(images, 64, 5, 2, "d_conv1", batch_norm=False)
    for i, filters in enumerate((128, 256, 512), start=2):
        x = _conv(x, filters, 5, 2, f"d_conv{i}")
    logits = layers.Conv2D(1, 4, 1, padding="same", dtype="float32", name="d_conv5")(x)
    return keras.Model(images, logits, name="discriminator")


ARCHITECTURES = {
    "mlp": (mlp_generator, mlp_discriminator),
    "dcgan": (dcgan_generator, dcgan_discriminator),
    "lsgan": (lsgan_generator, lsgan_discriminator),
    "ebgan": (ebgan_generator, ebgan_discriminator),
    "wgan": (wgan_generator, wgan_critic),
}
