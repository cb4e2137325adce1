"""The original GAN (Goodfellow et al., https://arxiv.org/abs/1406.2661) with the non-saturating generator loss.

D's outputs are logits of any shape; every loss is a float32 scalar. The original code's form (an explicit sigmoid and
`log(p + eps)`, eps = 1e-12; the MLP GAN had none) is the default, `--textbook=gan` the binary cross-entropy on
logits. Adam(1e-4, beta1 0.9), as the colorization code.
"""

import dataclasses

import tensorflow as tf

from tf_colorgan import settings
from tf_colorgan.objectives import base, register

EPSILON = 1e-12  # Inside the original's logs.


def discriminator_loss(real, fake, textbook=False, epsilon=EPSILON):
    """Binary cross-entropy of the discriminator.

    Formula:
    ```
    original: mean(-[log(s(real) + eps) + log(1 - s(fake) + eps)]),  s = sigmoid, eps = 1e-12 (MLP GAN: 0)
    textbook: mean(BCE_with_logits(real, 1)) + mean(BCE_with_logits(fake, 0))
    ```
    The two agree (up to eps) unless the logits saturate.

    Args:
        real: logits of D for real data, any shape, in (-inf, inf).
        fake: logits of D for generated data.
        textbook: use the numerically stable logits form.
        epsilon: eps inside the original's logs.
    """
    real, fake = base.f32(real), base.f32(fake)
    if textbook:
        return tf.reduce_mean(tf.nn.softplus(-real)) + tf.reduce_mean(tf.nn.softplus(fake))
    # 1 - s(fake) as s(-fake), which is exact where s(fake) rounds to 1: written as (1 - s) + eps, TensorFlow's graph
    # optimizer regroups the sum to (1 + eps) - s, which is 0 in float32 for logits above ~17 (log(0): an infinite
    # loss and NaN weights, met at step 537 of a colorization run)
    return tf.reduce_mean(-(tf.math.log(tf.sigmoid(real) + epsilon) + tf.math.log(tf.sigmoid(-fake) + epsilon)))


def generator_loss(fake, textbook=False, epsilon=EPSILON):
    """Non-saturating generator loss (the report writes log(1 - D(G)); the code used this, C7).

    Formula:
    ```
    original: mean(-log(s(fake) + eps));  textbook: mean(BCE_with_logits(fake, 1)) = mean(softplus(-fake))
    ```
    """
    fake = base.f32(fake)
    if textbook:
        return tf.reduce_mean(tf.nn.softplus(-fake))
    return tf.reduce_mean(-tf.math.log(tf.sigmoid(fake) + epsilon))


@register
class GAN(base.AdversarialModel):
    """The original GAN objective (the losses above; `textbook`: on logits)."""

    name = "gan"
    summary = "non-saturating, explicit sigmoid"
    learning_rate = 1e-4
    textbook_form = "BCE on logits"

    @dataclasses.dataclass(frozen=True)
    class Settings(settings.Settings):
        gan_epsilon: float = settings.setting(EPSILON, "GAN: epsilon inside the original's logs.",
                                              settings.AT_LEAST_ZERO)

    def objective_discriminator_loss(self, real, fake):
        return discriminator_loss(real, fake, textbook=self.textbook, epsilon=self.settings.gan_epsilon)

    def objective_generator_loss(self, fake):
        return generator_loss(fake, textbook=self.textbook, epsilon=self.settings.gan_epsilon)
