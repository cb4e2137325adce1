"""The TensorFlow pix2pix tutorial's networks and training step, set to colorization: the benchmark's yardstick.

As tensorflow.org/tutorials/generative/pix2pix, with L' [B, S, S, 1] in and ab' [B, S, S, 2] out (S = 256):
* generator: a U-Net of `downsample` blocks (4x4 stride-2 convolutions, N(0, 0.02) kernels, no bias, BatchNorm but
  on the first, LeakyReLU 0.3) 64-128-256-512-512-512-512-512 and `upsample` blocks (4x4 stride-2 transposed
  convolutions, BatchNorm, dropout 0.5 on the first three, ReLU) 512-512-512-512-256-128-64 with skip
  concatenations, then a 4x4 stride-2 transposed convolution to ab' with tanh;
* discriminator: a PatchGAN on concat(L', ab'): `downsample` 64-128-256, zero padding, a 4x4 convolution to 512,
  BatchNorm, LeakyReLU, zero padding, a 4x4 convolution to one logit per 30x30 patch;
* one iteration (`Pix2Pix.train_step`): one generator forward pass, D on the real and the generated pair, both
  networks updated from that one pass (two tapes): D by BCE on logits, G by BCE + 100 * mean |ab' - G(L')|, each
  with Adam(2e-4, beta1 0.5).

Under a mixed dtype policy each network's last layer computes in float32 (the Keras mixed-precision guide's rule,
which the tutorial, written for float32, does not need), so the losses compare float32 with float32.

The package's own step does more by design (the original's: D and G each draw a batch and G runs forward twice);
the benchmark compares the two by FLOP efficiency (GFLOP/s), not by time.
"""

import keras
import tensorflow as tf
from keras import layers

L1_WEIGHT = 100.0


def _kernels():
    return keras.initializers.RandomNormal(0.0, 0.02)


def downsample(x, filters, batchnorm=True):
    x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_kernels())(x)
    if batchnorm:
        x = layers.BatchNormalization()(x)
    return layers.LeakyReLU(0.3)(x)


def upsample(x, filters, dropout=False):
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_kernels())(x)
    x = layers.BatchNormalization()(x)
    if dropout:
        x = layers.Dropout(0.5)(x)
    return layers.ReLU()(x)


def generator(size=256):
    """The tutorial's U-Net: L' [B, size, size, 1] -> ab' [B, size, size, 2] in [-1, 1]."""
    inputs = x = keras.Input([size, size, 1])
    skips = []
    for index, filters in enumerate((64, 128, 256, 512, 512, 512, 512, 512)):
        x = downsample(x, filters, batchnorm=index > 0)
        skips.append(x)
    for index, (filters, skip) in enumerate(zip((512, 512, 512, 512, 256, 128, 64), reversed(skips[:-1]))):
        x = layers.Concatenate()([upsample(x, filters, dropout=index < 3), skip])
    outputs = layers.Conv2DTranspose(2, 4, strides=2, padding="same", activation="tanh",
                                     kernel_initializer=_kernels(), dtype="float32")(x)
    return keras.Model(inputs, outputs, name="tutorial_generator")


def discriminator(size=256):
    """The tutorial's PatchGAN: [L' [B, size, size, 1], ab' [B, size, size, 2]] -> logits [B, 30, 30, 1]."""
    l_channel, ab = keras.Input([size, size, 1]), keras.Input([size, size, 2])
    x = downsample(layers.Concatenate()([l_channel, ab]), 64, batchnorm=False)
    x = downsample(downsample(x, 128), 256)
    x = layers.Conv2D(512, 4, use_bias=False, kernel_initializer=_kernels())(layers.ZeroPadding2D()(x))
    x = layers.LeakyReLU(0.3)(layers.BatchNormalization()(x))
    outputs = layers.Conv2D(1, 4, kernel_initializer=_kernels(), dtype="float32")(layers.ZeroPadding2D()(x))
    return keras.Model([l_channel, ab], outputs, name="tutorial_discriminator")


class Pix2Pix(keras.Model):
    """The tutorial's `train_step` under `fit`: batches (L', ab') [B, S, S, 1], [B, S, S, 2]."""

    def __init__(self, size=256, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator(size), discriminator(size)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.built = True

    def compile(self, **kwargs):
        super().compile(optimizer=None, **kwargs)
        self.g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer.build(self.generator.trainable_weights)
        self.d_optimizer.build(self.discriminator.trainable_weights)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def train_step(self, data):
        l_channel, ab = data
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(l_channel, training=True)
            real_logits = self.discriminator([l_channel, ab], training=True)
            fake_logits = self.discriminator([l_channel, fake], training=True)
            g_loss = (self.bce(tf.ones_like(fake_logits), fake_logits)
                      + L1_WEIGHT * tf.reduce_mean(tf.abs(ab - fake)))
            d_loss = self.bce(tf.ones_like(real_logits), real_logits) + self.bce(tf.zeros_like(fake_logits),
                                                                                  fake_logits)
        self.g_optimizer.apply(g_tape.gradient(g_loss, self.generator.trainable_weights),
                               self.generator.trainable_weights)
        self.d_optimizer.apply(d_tape.gradient(d_loss, self.discriminator.trainable_weights),
                               self.discriminator.trainable_weights)
        return {"d_loss": d_loss, "g_loss": g_loss}
