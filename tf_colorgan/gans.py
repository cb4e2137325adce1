"""The adversarial training models: one Keras base model and one small subclass per objective.

A training step takes the batches of one generator step, stacked: `l` [k, B, H, W, 1] and `ab` [k, B, H, W, 2].
The first k - 1 batches each feed one discriminator update, the last one the generator update, so every update
sees a fresh batch as the original's queues did (C9). `discriminator_steps(step)` says how many discriminator
updates generator step `step` takes (1, or WGAN's 100/5 schedule); the data pipeline groups batches with it.

Generator loss: `gan_weight * adversarial + l1 * L1 + l2 * L2` (the original let L2 overwrite L1; both add here).
Discriminator and generator parameters are the two networks' own `trainable_weights`, never chosen by name
(the original's "d_" substring leaked 7 generator kernels into the discriminator's optimizer, C1).

Example:
    >>> model = LSGAN(networks.unet_generator(), networks.patch_discriminator(), l1=100.0)
    >>> model.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    >>> model.fit(dataset, steps_per_epoch=100)
"""

import keras
import tensorflow as tf

from tf_colorgan import losses

TRACKED = ("d_loss", "g_loss", "g_adversarial", "g_l1", "g_l2")


class AdversarialModel(keras.Model):
    """Conditional GAN for colorization: G maps L' to ab', D judges (L', ab').

    Subclasses define `objective_discriminator_loss(real, fake)` and `objective_generator_loss(fake)` on the
    outputs of `discriminate`, and may override `discriminate`, `discriminator_loss`, `discriminator_steps` and
    `after_discriminator_update`.

    Args:
        generator: `keras.Model` L' [B, S, S, 1] -> ab' [B, S, S, 2].
        discriminator: `keras.Model` judging the pair (see `discriminate`).
        gan_weight: weight of the adversarial term of the generator loss.
        l1: weight of `losses.l1_loss`.
        l2: weight of `losses.l2_loss`.
        textbook: textbook forms of the objective and of L2 instead of the original's (`losses`).
    """

    def __init__(self, generator, discriminator, gan_weight=1.0, l1=100.0, l2=0.0, textbook=(), **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.gan_weight = gan_weight
        self.l1 = l1
        self.l2 = l2
        self.textbook = tuple(textbook)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in TRACKED}

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Attaches one optimizer per network and creates their slots (float16 needs LossScaleOptimizers)."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        d_optimizer.build(self.discriminator.trainable_weights)
        g_optimizer.build(self.generator.trainable_weights)

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def step(self):
        """The global step: the number of generator updates so far (int64 variable)."""
        return self.g_optimizer.iterations

    def call(self, l_channel, training=False):
        return self.generator(l_channel, training=training)

    def discriminator_steps(self, step):
        """Discriminator updates before generator update number `step` (int64 scalar tensor)."""
        return tf.ones_like(step)

    def discriminate(self, l_channel, ab):
        """The discriminator's output for the pair (L', ab'): PatchGAN logits [B, 30, 30, 1]."""
        return self.discriminator([l_channel, ab], training=True)

    def discriminator_loss(self, l_channel, real_ab, fake_ab):
        return self.objective_discriminator_loss(
            self.discriminate(l_channel, real_ab), self.discriminate(l_channel, fake_ab))

    def after_discriminator_update(self):
        """Hook run after every discriminator update (WGAN clips the weights here)."""

    def _textbook(self, name):
        return name in self.textbook

    def discriminator_update(self, l_channel, ab):
        fake_ab = tf.stop_gradient(self.generator(l_channel, training=True))
        with tf.GradientTape() as tape:
            loss = self.discriminator_loss(l_channel, ab, fake_ab)
            scaled_loss = self.d_optimizer.scale_loss(loss)  # loss scaling under mixed_float16, else identity
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(scaled_loss, weights), weights)
        self.after_discriminator_update()
        return loss

    def generator_update(self, l_channel, ab):
        with tf.GradientTape() as tape:
            fake_ab = self.generator(l_channel, training=True)
            terms = {
                "g_adversarial": self.objective_generator_loss(self.discriminate(l_channel, fake_ab)),
                "g_l1": losses.l1_loss(ab, fake_ab),
                "g_l2": losses.l2_loss(ab, fake_ab, textbook=self._textbook("l2")),
            }
            loss = self.gan_weight * terms["g_adversarial"] + self.l1 * terms["g_l1"] + self.l2 * terms["g_l2"]
            scaled_loss = self.g_optimizer.scale_loss(loss)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(scaled_loss, weights), weights)
        return {"g_loss": loss, **terms}

    def train_step(self, data):
        l_channel, ab = data
        _, d_loss = tf.while_loop(
            lambda i, _: i < tf.shape(l_channel)[0] - 1,
            lambda i, _: (i + 1, self.discriminator_update(l_channel[i], ab[i])),
            (tf.constant(0), tf.constant(0.0)),
        )
        values = {"d_loss": d_loss, **self.generator_update(l_channel[-1], ab[-1])}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


class GAN(AdversarialModel):
    """The original GAN objective with the non-saturating generator loss (textbook key "gan": logits BCE)."""

    def objective_discriminator_loss(self, real, fake):
        return losses.gan_discriminator_loss(real, fake, textbook=self._textbook("gan"))

    def objective_generator_loss(self, fake):
        return losses.gan_generator_loss(fake, textbook=self._textbook("gan"))


class LSGAN(AdversarialModel):
    """Least squares on sigmoid(logits) as the original (textbook key "lsgan": on the logits)."""

    def objective_discriminator_loss(self, real, fake):
        return losses.least_squares_discriminator_loss(real, fake, textbook=self._textbook("lsgan"))

    def objective_generator_loss(self, fake):
        return losses.least_squares_generator_loss(fake, textbook=self._textbook("lsgan"))


class EBGAN(AdversarialModel):
    """Energy-based GAN: D is an auto-encoder on ab' alone and its energy the reconstruction error.

    Args:
        margin: m of the hinge, 80 in the colorization code.
        hinge: max(0, m - E_fake) (the code's final form) or m - E_fake (how the report's runs likely trained).
        (others as `AdversarialModel`; textbook key "ebgan": per-sample mean squared error energy)
    """

    def __init__(self, generator, discriminator, margin=80.0, hinge=True, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.margin = margin
        self.hinge = hinge

    def discriminate(self, l_channel, ab):
        reconstruction = self.discriminator(ab, training=True)
        return losses.ebgan_energy(reconstruction, ab, textbook=self._textbook("ebgan"))

    def objective_discriminator_loss(self, real, fake):
        return losses.ebgan_discriminator_loss(real, fake, margin=self.margin, hinge=self.hinge)

    def objective_generator_loss(self, fake):
        return losses.ebgan_generator_loss(fake)


class WGAN(AdversarialModel):
    """Wasserstein GAN with weight clipping, as the report-era code (C4).

    The critic output is lrelu(logits) (textbook key "wgan": linear, textbook signs). Every discriminator
    weight (BatchNorm scale and offset included) is clipped to [-clip, clip] after each critic update.
    Critic updates per generator step: `n_critic_warmup` while step < 10 or step % 500 == 0, else `n_critic`.

    Args:
        n_critic: critic updates per generator update outside the warm-up (5).
        n_critic_warmup: critic updates of the warm-up steps (100).
        clip: the clipping bound c (0.005 in the code; the report says 0.05).
    """

    def __init__(self, generator, discriminator, n_critic=5, n_critic_warmup=100, clip=0.005, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.n_critic = n_critic
        self.n_critic_warmup = n_critic_warmup
        self.clip = clip

    def discriminator_steps(self, step):
        warm_up = tf.logical_or(step < 10, tf.equal(step % 500, 0))
        return tf.where(warm_up, tf.constant(self.n_critic_warmup, step.dtype),
                        tf.constant(self.n_critic, step.dtype))

    def objective_discriminator_loss(self, real, fake):
        return losses.wasserstein_discriminator_loss(real, fake, textbook=self._textbook("wgan"))

    def objective_generator_loss(self, fake):
        return losses.wasserstein_generator_loss(fake, textbook=self._textbook("wgan"))

    def after_discriminator_update(self):
        for weight in self.discriminator.trainable_weights:
            weight.assign(tf.clip_by_value(weight, -self.clip, self.clip))


class WGANGP(AdversarialModel):
    """WGAN with the textbook gradient penalty (Gulrajani et al.): linear critic, `n_critic` updates per step.

    The penalty is taken on ab' interpolated between real and generated, with L' fixed:
    `L_D = mean(C(fake)) - mean(C(real)) + gp_weight * gradient_penalty`. Use a critic without BatchNorm.

    Args:
        n_critic: critic updates per generator update (5).
        gp_weight: weight of the penalty (10).
    """

    def __init__(self, generator, discriminator, n_critic=5, gp_weight=10.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.n_critic = n_critic
        self.gp_weight = gp_weight

    def discriminator_steps(self, step):
        return tf.fill(tf.shape(step), tf.constant(self.n_critic, step.dtype))

    def objective_discriminator_loss(self, real, fake):
        return losses.wasserstein_discriminator_loss(real, fake, textbook=True)

    def objective_generator_loss(self, fake):
        return losses.wasserstein_generator_loss(fake, textbook=True)

    def discriminator_loss(self, l_channel, real_ab, fake_ab):
        penalty = losses.gradient_penalty(lambda ab: self.discriminate(l_channel, ab), real_ab, fake_ab)
        return super().discriminator_loss(l_channel, real_ab, fake_ab) + self.gp_weight * penalty


VARIANTS = {"gan": GAN, "lsgan": LSGAN, "ebgan": EBGAN, "wgan": WGAN, "wgan_gp": WGANGP}
