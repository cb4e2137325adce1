"""The least squares GAN (Mao et al., https://arxiv.org/abs/1611.04076), a = 0, b = c = 1.

The original codes squared different scores: the colorization code sigmoid(logits) (C6), the LSUN code the batch
mean of D's conv features (G4); which one a run uses is its problem's `least_squares_scores` ("sigmoid",
"batch_mean" or "logits"), and `--textbook=lsgan` squares the logits. Adam(1e-4, beta1 0.9).
"""

import tensorflow as tf

from tf_colorgan.objectives import base, register


def _scores(x, sigmoid, batch_mean):
    x = base.f32(x)
    if sigmoid:
        x = tf.sigmoid(x)
    return tf.reduce_mean(x) if batch_mean else x


def discriminator_loss(real, fake, sigmoid=False, batch_mean=False):
    """Least-squares discriminator loss.

    Formula:
    ```
    0.5 mean((D(real) - 1)^2) + 0.5 mean(D(fake)^2)
    ```
    D is the logits (textbook), sigmoid(logits) (`sigmoid`, the colorization code, C6), or the batch mean of
    the discriminator's outputs (`batch_mean`, the LSUN code, which squared the mean of its conv features, G4).
    """
    real = _scores(real, sigmoid, batch_mean)
    fake = _scores(fake, sigmoid, batch_mean)
    return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))


def generator_loss(fake, sigmoid=False, batch_mean=False):
    """Least-squares generator loss: `0.5 mean((D(fake) - 1)^2)`, D as in the discriminator loss."""
    return 0.5 * tf.reduce_mean(tf.square(_scores(fake, sigmoid, batch_mean) - 1.0))


@register
class LSGAN(base.AdversarialModel):
    """Least squares GAN on the scores its problem's original code squared (see the module docstring)."""

    name = "lsgan"
    summary = "sigmoid before the squares"
    learning_rate = 1e-4
    textbook_form = "least squares on logits"
    feature_scores = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scores = "logits" if self.textbook else self.problem.least_squares_scores
        self.sigmoid, self.batch_mean = scores == "sigmoid", scores == "batch_mean"

    def objective_discriminator_loss(self, real, fake):
        return discriminator_loss(real, fake, self.sigmoid, self.batch_mean)

    def objective_generator_loss(self, fake):
        return generator_loss(fake, self.sigmoid, self.batch_mean)
