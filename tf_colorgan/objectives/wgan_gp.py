"""WGAN with the textbook gradient penalty (Gulrajani et al., https://arxiv.org/abs/1704.00028), not in the report.

L_D = mean(C(fake)) - mean(C(real)) + gp_weight * penalty, L_G = -mean(C(fake)) (the textbook Wasserstein losses
of `tf_colorgan.objectives.wgan`), the penalty on samples interpolated between real and generated (ab' with L'
fixed, in colorization); Adam(1e-4, beta1 0, beta2 0.9), `n_critic` critic updates per step, a critic without
BatchNorm.
"""

import dataclasses

import tensorflow as tf

from tf_colorgan import distribute, optimizers, settings
from tf_colorgan.objectives import base, register, wgan


def gradient_penalty(critic, real, fake, seed, epsilon=1e-10):
    """WGAN-GP gradient penalty (Gulrajani et al.), one interpolation weight per sample.

    Formula:
    ```
    x_hat = e real + (1 - e) fake,  e ~ U(0, 1) of shape [B, 1, ..., 1]
    C(x_hat)_i = mean of sample i's critic outputs (the patch mean of a PatchGAN's 30 x 30 map)
    penalty = mean_B((sqrt(sum_{non-batch axes} (dC(x_hat)_i/dx_hat_i)^2 + epsilon) - 1)^2)
    ```
    The penalised value is the per-sample score that the Wasserstein losses average (mean over the map), so the
    critic is held near slope 1 in the units of its loss; penalising the gradient of the map's sum would hold the
    mean near slope 1/900 on the 30 x 30 map. The epsilon keeps the gradient of the norm finite where the slope is 0.

    Args:
        critic: a function x -> critic output, [B] or [B, ...] (a map, averaged per sample).
        real: float tensor [B, ...] of real inputs.
        fake: float tensor [B, ...] of generated inputs, same shape.
        seed: stateless seed (int [2]) of e. On several tf.distribute replicas e is drawn for the global batch
            and each replica keeps its slice (`distribute.global_draw`), so R replicas interpolate as one device.

    Returns:
        The float32 scalar penalty (not yet multiplied by its weight, 10 in the paper).
    """
    real, fake = base.f32(real), base.f32(fake)
    shape = [tf.shape(real)[0]] + [1] * (real.shape.rank - 1)
    e = distribute.global_draw(lambda global_shape: tf.random.stateless_uniform(global_shape, seed), shape)
    x_hat = e * real + (1.0 - e) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = base.f32(critic(x_hat))
        score = tf.reduce_sum(tf.reduce_mean(scores, axis=tf.range(1, tf.rank(scores))))  # sum of per-sample means
    gradients = tape.gradient(score, x_hat, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    axes = tf.range(1, tf.rank(gradients))
    slopes = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + epsilon)
    return tf.reduce_mean(tf.square(slopes - 1.0))


@register
class WGANGP(base.AdversarialModel):
    """WGAN-GP (see the module docstring). The interpolation weights are drawn statelessly from (the critic's update
    count, seed): every replica draws the same global e and a resumed run draws what an uninterrupted one would."""

    name = "wgan_gp"
    summary = "textbook gradient penalty"
    learning_rate = 1e-4
    beta1 = 0.0
    batch_norm_allowed = False

    @dataclasses.dataclass(frozen=True)
    class Settings(settings.Settings):
        n_critic: int = settings.setting(5, "WGAN: critic updates per generator update.", settings.AT_LEAST_ONE)
        gp_weight: float = settings.setting(10.0, "WGAN-GP gradient penalty weight.", settings.AT_LEAST_ZERO)

    @classmethod
    def optimizer(cls, learning_rate, beta1):
        """The textbook Adam(learning_rate, beta1, beta2 0.9, epsilon 1e-8) on TF's fused kernel."""
        return optimizers.Adam(learning_rate, beta_1=beta1, beta_2=0.9, epsilon=1e-8)

    def discriminator_steps(self, step):
        return tf.fill(tf.shape(step), tf.constant(self.settings.n_critic, step.dtype))

    def objective_discriminator_loss(self, real, fake):
        return wgan.discriminator_loss(real, fake, textbook=True)

    def objective_generator_loss(self, fake):
        return wgan.generator_loss(fake, textbook=True)

    def discriminator_loss(self, condition, real, fake):
        seed = tf.stack([tf.cast(self.d_optimizer.iterations, tf.int64), tf.constant(self.seed, tf.int64)])
        penalty = gradient_penalty(lambda x: self.discriminate(condition, x), real, fake, seed)
        return super().discriminator_loss(condition, real, fake) + self.settings.gp_weight * penalty
