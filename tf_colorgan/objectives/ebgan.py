"""The energy-based GAN (Zhao et al., https://arxiv.org/abs/1609.03126), with the pull-away term (EBGAN-PT).

D is an auto-encoder (on ab' alone in colorization); a batch's energy is its reconstruction error. The code's
forms are the defaults: the energy is the batch's Frobenius norm / B (C5), the hinge max(0, m - E_fake) on the
fake term (`--noebgan_hinge`: m - E_fake, as the report's runs most likely trained), margin 80 (CelebA code: 20),
the original's pull-away term with `--pullaway_original`. Adam(1e-3, beta1 0.9).
"""

import dataclasses

import tensorflow as tf

from tf_colorgan import distribute, settings
from tf_colorgan.objectives import base, register


def energy(reconstruction, target, textbook=False):
    """Energy of a batch under the auto-encoder discriminator.

    Formula:
    ```
    original: ||reconstruction - target||_F / B     (one scalar for the whole (global) batch, C5)
    textbook: mean over H, W, C of (reconstruction - target)^2, one value per sample, shape [B]
    ```

    Args:
        reconstruction: float [B, H, W, C], the auto-encoder's output.
        target: float [B, H, W, C], its input.
    """
    diff = base.f32(reconstruction) - base.f32(target)
    if textbook:
        return tf.reduce_mean(tf.square(diff), axis=tf.range(1, tf.rank(diff)))
    batch = tf.cast(tf.shape(diff)[0] * distribute.replicas(), tf.float32)
    return tf.sqrt(distribute.global_sum(tf.reduce_sum(tf.square(diff)))) / batch


def discriminator_loss(real, fake, margin=80.0, hinge=True):
    """EBGAN discriminator loss on energies.

    Formula:
    ```
    hinge (the code's final form):  mean(E_real) + mean(max(0, m - E_fake))
    no hinge (the report's runs):   m - mean(E_fake) + mean(E_real)
    ```

    Args:
        real: energies of real data (a scalar or [B]).
        fake: energies of generated data.
        margin: m, 80 in the colorization code.
        hinge: apply max(0, .) to the fake term.
    """
    real, fake = base.f32(real), base.f32(fake)
    fake_term = margin - fake
    if hinge:
        fake_term = tf.maximum(0.0, fake_term)
    return tf.reduce_mean(real) + tf.reduce_mean(fake_term)


def generator_loss(fake):
    """EBGAN generator loss: the mean energy of generated data, `mean(E_fake)`."""
    return tf.reduce_mean(base.f32(fake))


def pullaway_term(embedding, textbook=True):
    """EBGAN's pull-away term on the discriminator's codes of a generated batch.

    Formula:
    ```
    paper (textbook): S = rows of the flattened codes [N, d] / their norms;
                      PT = sum_{i != j} (S_i . S_j)^2 / (N (N - 1))
    original code:    codes [N, H, W, C] normalised along H only, Gram matrices over W per (sample, row)
                      (G = S S^T, [N, H, W, W]); PT = (sum(G) - N) / (N (N - 1)) (not squared, not between
                      samples, G5)
    ```

    Args:
        embedding: float [N, ...] codes ([N, H, W, C] for the original form), N >= 2.
        textbook: the paper's form.

    Returns:
        float32 scalar; the paper's form is in [0, 1].
    """
    embedding = base.f32(embedding)
    n = tf.cast(tf.shape(embedding)[0], tf.float32)
    if textbook:
        rows = tf.math.l2_normalize(tf.reshape(embedding, [tf.shape(embedding)[0], -1]), axis=1)
        cosines = tf.matmul(rows, rows, transpose_b=True)
        return (tf.reduce_sum(tf.square(cosines)) - n) / (n * (n - 1.0))
    normalized = tf.math.l2_normalize(embedding, axis=1)
    return (tf.reduce_sum(tf.matmul(normalized, normalized, transpose_b=True)) - n) / (n * (n - 1.0))


@register
class EBGAN(base.AdversarialModel):
    """Energy-based GAN (see the module docstring).

    `discriminate` returns (energy, code): the code is the auto-encoder's embedding when D returns
    [reconstruction, embedding] (image generation), else None.
    """

    name = "ebgan"
    summary = "auto-encoder D on ab"
    learning_rate = 1e-3
    textbook_form = "per-sample MSE energy"
    autoencoder_discriminator = True

    @dataclasses.dataclass(frozen=True)
    class Settings(settings.Settings):
        margin: float = settings.setting(80.0, "EBGAN margin m.", settings.AT_LEAST_ZERO)
        ebgan_hinge: bool = settings.setting(True, "EBGAN D loss max(0, m - E_fake) (the code's final form); "
                                             "--noebgan_hinge: m - E_fake, as the report's EBGAN runs most likely "
                                             "trained.")
        pullaway: float = settings.setting(0.0, "EBGAN: weight of the pull-away term (EBGAN-PT: 0.1).",
                                           settings.AT_LEAST_ZERO)
        pullaway_original: bool = settings.setting(False, "EBGAN: the original code's pull-away term (codes "
                                                   "normalised along one axis, not squared) instead of the paper's.")

    def discriminate(self, condition, x):
        outputs = self.discriminator(x, training=True)
        reconstruction, code = outputs if isinstance(outputs, (list, tuple)) else (outputs, None)
        return energy(reconstruction, x, textbook=self.textbook), code

    def objective_discriminator_loss(self, real, fake):
        return discriminator_loss(real[0], fake[0], margin=self.settings.margin, hinge=self.settings.ebgan_hinge)

    def objective_generator_loss(self, fake):
        fake_energy, code = fake
        loss = generator_loss(fake_energy)
        if self.settings.pullaway and code is not None:
            loss += self.settings.pullaway * pullaway_term(code, textbook=not self.settings.pullaway_original)
        return loss
