"""The Wasserstein GAN (Arjovsky et al., https://arxiv.org/abs/1701.07875) with weight clipping, as the report-era
code (C4, G6): RMSProp(5e-5) as TF1's, every critic weight clipped to [-clip, clip] after each critic update, 5 critic
updates per generator update (100 while step < `warmup_steps` or step % 500 == 0). The code's critic scores
lrelu(logits) with mirrored signs; `--textbook=wgan` is the linear critic with the textbook signs.
"""

import dataclasses

import tensorflow as tf

from tf_colorgan import optimizers, settings
from tf_colorgan.objectives import base, register

LEAK = 0.2


def discriminator_loss(real, fake, textbook=False):
    """Critic loss.

    Formula:
    ```
    original: mean(C(real)) - mean(C(fake)),  C = lrelu_0.2(logits)   (the critic pushes fakes up)
    textbook: mean(C(fake)) - mean(C(real)),  C = logits
    ```
    The original's signs are mirrored but consistent with its generator loss.
    """
    real, fake = base.f32(real), base.f32(fake)
    if textbook:
        return tf.reduce_mean(fake) - tf.reduce_mean(real)
    return tf.reduce_mean(tf.nn.leaky_relu(real, LEAK)) - tf.reduce_mean(tf.nn.leaky_relu(fake, LEAK))


def generator_loss(fake, textbook=False):
    """Generator loss: `mean(lrelu(fake))` (original) or `-mean(fake)` (textbook)."""
    fake = base.f32(fake)
    if textbook:
        return -tf.reduce_mean(fake)
    return tf.reduce_mean(tf.nn.leaky_relu(fake, LEAK))


@register
class WGAN(base.AdversarialModel):
    """Wasserstein GAN with weight clipping (see the module docstring).

    Every discriminator weight (BatchNorm offsets and scales included) is clipped to [-clip, clip] after each
    critic update. Critic updates per iteration: `n_critic_warmup` while step < `warmup_steps` or
    step % 500 == 0, else `n_critic`.
    """

    name = "wgan"
    summary = "clipping, RMSProp"
    learning_rate = 5e-5
    textbook_form = "linear critic"

    @dataclasses.dataclass(frozen=True)
    class Settings(settings.Settings):
        n_critic: int = settings.setting(5, "WGAN: critic updates per generator update.", settings.AT_LEAST_ONE)
        n_critic_warmup: int = settings.setting(100, "WGAN: critic updates while step < --warmup_steps and every "
                                                "500th step.", settings.AT_LEAST_ONE)
        warmup_steps: int = settings.setting(10, "WGAN: the first steps with --n_critic_warmup critic updates "
                                             "(colorization code 10, CelebA code 25).", settings.AT_LEAST_ZERO)
        clip: float = settings.setting(0.005, "WGAN weight clipping bound (the code: 0.005; the report says 0.05).",
                                       settings.POSITIVE)

    @classmethod
    def optimizer(cls, learning_rate, beta1):
        """TF1's RMSProp(learning_rate, rho 0.9, epsilon 1e-10, mean square from 1) on TF's fused kernel; beta1
        is not used."""
        return optimizers.RMSprop(learning_rate, rho=0.9, momentum=0.0, epsilon=1e-10)

    def discriminator_steps(self, step):
        settings = self.settings
        warm_up = tf.logical_or(step < settings.warmup_steps, tf.equal(step % 500, 0))
        return tf.where(warm_up, tf.constant(settings.n_critic_warmup, step.dtype),
                        tf.constant(settings.n_critic, step.dtype))

    def objective_discriminator_loss(self, real, fake):
        return discriminator_loss(real, fake, textbook=self.textbook)

    def objective_generator_loss(self, fake):
        return generator_loss(fake, textbook=self.textbook)

    def after_discriminator_update(self):
        def clip(strategy=None):
            for weight in self.discriminator.trainable_weights:
                weight.assign(tf.clip_by_value(weight, -self.settings.clip, self.settings.clip))

        if tf.distribute.has_strategy():  # the replicas' copies are set together, from cross-replica context
            tf.distribute.get_replica_context().merge_call(clip)
        else:
            clip()
