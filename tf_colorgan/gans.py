"""The adversarial training models: one Keras base model, a task, and one small subclass per objective.

Two tasks share every objective and the training step:
* `Colorization`: G maps L' [B, S, S, 1] to ab' [B, S, S, 2], D judges the pair (L', ab'), and the generator
  loss is `gan_weight * adversarial + l1 * L1 + l2 * L2` (the original let L2 overwrite L1; both add here).
  Each discriminator update and the generator update draw their own batch (L', ab'), as the original's queues.
* `Generation`: G maps z [B, z_dim] to images, D judges images alone; each discriminator update draws a batch
  of real images, and the generator updates reuse the last one's batch size.

A training step takes the batches of one iteration, stacked on a leading axis of size k: the first
`discriminator_steps(step)` feed one discriminator update each, the last (colorization: an extra one) the
`generator_steps` generator updates. The data pipeline groups batches with `batches_per_step(step)`.
Discriminator and generator parameters are the two networks' own `trainable_weights`, never chosen by name
(the original's "d_" substring leaked 7 generator kernels into the discriminator's optimizer, C1).

Example:
    >>> model = LSGAN(networks.unet_generator(), networks.patch_discriminator(), Colorization(l1=100.0))
    >>> model.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    >>> model.fit(dataset, steps_per_epoch=100)
"""

import keras
import tensorflow as tf

from tf_colorgan import distribute, losses


def sample_z(distribution, shape, seed):
    """z of `shape` from U(-1, 1) ("uniform"), N(0, 1) ("normal") or N(-1, 1) ("normal_m1", what the original's
    `np.random.normal(-1.0, 1.0)` drew), with a stateless `seed` (int32 or int64 tensor [2])."""
    if distribution == "uniform":
        return tf.random.stateless_uniform(shape, seed, -1.0, 1.0)
    return tf.random.stateless_normal(shape, seed, mean=-1.0 if distribution == "normal_m1" else 0.0)


class Colorization:
    """G: L' -> ab'; D judges (L', ab'); the generator loss adds `l1 * L1 + l2 * L2`.

    Args:
        l1: weight of `losses.l1_loss`.
        l2: weight of `losses.l2_loss`.
        l2_textbook: mean squared error instead of the original's half sum.
    """

    extra_generator_batch = True
    term_names = ("g_l1", "g_l2")

    def __init__(self, l1=100.0, l2=0.0, l2_textbook=False):
        self.l1, self.l2, self.l2_textbook = l1, l2, l2_textbook

    def inputs(self, batch, phase, step, index):
        """(generator input, condition, real) of a batch (L', ab')."""
        l_channel, ab = batch
        return l_channel, l_channel, ab

    def discriminator_input(self, condition, x):
        return [condition, x]

    def reconstruction_terms(self, real, fake):
        return {"g_l1": losses.l1_loss(real, fake), "g_l2": losses.l2_loss(real, fake, textbook=self.l2_textbook)}

    def reconstruction_loss(self, terms):
        return self.l1 * terms["g_l1"] + self.l2 * terms["g_l2"]


class Generation:
    """G: z -> images; D judges images alone.

    z is drawn statelessly from (seed, step, update), so a resumed run draws what an uninterrupted one would; on
    several replicas each takes its slice of the global batch's z (`distribute.global_draw`).

    Args:
        z_dim: length of z.
        z_discriminator: distribution of z for discriminator updates (see `sample_z`).
        z_generator: distribution of z for generator updates (with `shared_z`, only of the sample grids).
        shared_z: the generator updates reuse the first discriminator update's z (MLP GAN, DCGAN, EBGAN).
        seed: base seed.
    """

    extra_generator_batch = False
    term_names = ()

    def __init__(self, z_dim, z_discriminator="uniform", z_generator="uniform", shared_z=False, seed=0):
        self.z_dim, self.shared_z, self.seed = z_dim, shared_z, seed
        self.distributions = {"discriminator": z_discriminator, "generator": z_generator}

    def inputs(self, batch, phase, step, index):
        """(z [B, z_dim], no condition, real images) for update `index` of `phase` at `step`."""
        (images,) = batch
        index = tf.cast(index, tf.int32)
        distribution = self.distributions[phase]
        if self.shared_z and phase == "generator":  # the first discriminator update's z, exactly
            distribution, stream = self.distributions["discriminator"], tf.constant(0)
        elif phase == "generator":
            stream = tf.constant(1)
        elif self.shared_z:
            stream = tf.where(index == 0, 0, index + 2)
        else:
            stream = index + 2
        seed = tf.stack([tf.cast(step, tf.int64) + self.seed * 1_000_003, tf.cast(stream, tf.int64)])
        z = distribute.global_draw(lambda shape: sample_z(distribution, shape, seed), [tf.shape(images)[0], self.z_dim])
        return z, None, images

    def discriminator_input(self, condition, x):
        return x

    def reconstruction_terms(self, real, fake):
        return {}

    def reconstruction_loss(self, terms):
        return 0.0


class AdversarialModel(keras.Model):
    """A GAN trained with `fit()`: two networks, two optimizers, one training step for every objective.

    Subclasses define `objective_discriminator_loss(real, fake)` and `objective_generator_loss(fake)` on the
    outputs of `discriminate`, and may override `discriminate`, `discriminator_loss`, `discriminator_steps` and
    `after_discriminator_update`.

    Args:
        generator: `keras.Model` from the task's generator input to samples.
        discriminator: `keras.Model` judging the task's discriminator input.
        task: `Colorization` or `Generation`.
        gan_weight: weight of the adversarial term of the generator loss.
        generator_steps: generator updates per iteration, on the same inputs (DCGAN: 2).
        extra_generator_step_below: one more generator update when the discriminator loss is below this
            (the MLP GAN's 1e-4; 0 turns it off).
    """

    def __init__(self, generator, discriminator, task, gan_weight=1.0, generator_steps=1,
                 extra_generator_step_below=0.0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.task = task
        self.gan_weight = gan_weight
        self.generator_steps = generator_steps
        self.extra_generator_step_below = extra_generator_step_below
        self.global_step = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False,
                                           aggregation="only_first_replica", name="global_step")
        names = ("d_loss", "g_loss", "g_adversarial") + task.term_names
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True  # both networks are built; Keras need not trace `call` on a batch

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Attaches one optimizer per network and creates their slots (float16 needs LossScaleOptimizers)."""
        super().compile(optimizer=None, **kwargs)  # not Keras' default RMSprop: the two below do the work
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        d_optimizer.build(self.discriminator.trainable_weights)
        g_optimizer.build(self.generator.trainable_weights)

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def step(self):
        """The global step as an int: training iterations so far (one per `train_step`: its discriminator updates
        and generator updates); the variable is `global_step`."""
        return int(distribute.value_of(self.global_step))

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def discriminator_steps(self, step):
        """Discriminator updates of iteration `step` (int64 tensor)."""
        return tf.ones_like(step)

    def batches_per_step(self, step):
        """Batches the data pipeline stacks for iteration `step`."""
        return self.discriminator_steps(step) + int(self.task.extra_generator_batch)

    def discriminate(self, condition, x):
        """The discriminator's output for `x` (conditioned on L' in colorization): logits of any shape."""
        return self.discriminator(self.task.discriminator_input(condition, x), training=True)

    def discriminator_loss(self, condition, real, fake):
        return self.objective_discriminator_loss(self.discriminate(condition, real), self.discriminate(condition, fake))

    def after_discriminator_update(self):
        """Hook run after every discriminator update (WGAN clips the weights here)."""
        return None  # (a body AutoGraph can convert: it fails on a docstring alone)

    def discriminator_update(self, generator_input, condition, real):
        fake = tf.stop_gradient(self.generator(generator_input, training=True))
        with tf.GradientTape() as tape:
            loss = self.discriminator_loss(condition, real, fake)
            # 1 / replicas (`distribute.per_replica_loss`); loss scaling under mixed_float16
            scaled_loss = self.d_optimizer.scale_loss(distribute.per_replica_loss(loss))
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(scaled_loss, weights), weights)
        self.after_discriminator_update()
        return loss

    def generator_update(self, generator_input, condition, real):
        with tf.GradientTape() as tape:
            fake = self.generator(generator_input, training=True)
            terms = {"g_adversarial": self.objective_generator_loss(self.discriminate(condition, fake)),
                     **self.task.reconstruction_terms(real, fake)}
            loss = self.gan_weight * terms["g_adversarial"] + self.task.reconstruction_loss(terms)
            scaled_loss = self.g_optimizer.scale_loss(distribute.per_replica_loss(loss))
        weights = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(scaled_loss, weights), weights)
        return {"g_loss": loss, **terms}

    def discriminator_update_at(self, batches, step, index):
        """Discriminator update `index` of iteration `step`, on batch `index` of the iteration's `batches`."""
        return self.discriminator_update(*self.task.inputs([b[index] for b in batches], "discriminator", step, index))

    def generator_update_at(self, batches, step):
        """A generator update of iteration `step`, on the iteration's last batch."""
        return self.generator_update(*self.task.inputs([b[-1] for b in batches], "generator", step, 0))

    def end_step(self, d_loss, g_values):
        """Counts the iteration and tracks its losses; returns the tracked means (Keras' logs)."""
        self.global_step.assign_add(1)
        for name, value in {"d_loss": d_loss, **g_values}.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def iteration(self, batches, step, discriminator_update_at, generator_update_at):
        """One training iteration, written once for both drivers: its discriminator updates, its generator
        updates, then the count and the losses (`end_step`). `train_step` traces it with the updates inline;
        under another strategy it runs eagerly, each update a traced function on every replica
        (`make_train_function`). `tf.while_loop` and `tf.cond` serve both: eagerly they run as Python.

        Args:
            batches: the iteration's batches, each stacked on a leading axis of size `batches_per_step(step)`
                (per replica, under a strategy): one discriminator update per batch but the generator's extra one.
            step: the iteration's step (int64 scalar tensor).
            discriminator_update_at: (batches, step, index) -> the discriminator loss of update `index`.
            generator_update_at: (batches, step) -> {"g_loss", "g_adversarial", task terms}.
        """
        stacked = self.distribute_strategy.experimental_local_results(batches[0])[0]
        d_updates = tf.shape(stacked)[0] - int(self.task.extra_generator_batch)
        _, d_loss = tf.while_loop(lambda i, _: i < d_updates,
                                  lambda i, _: (i + 1, discriminator_update_at(batches, step, i)),
                                  (tf.constant(0), tf.constant(0.0)))
        for _ in range(self.generator_steps):
            g_values = generator_update_at(batches, step)
        if self.extra_generator_step_below:
            g_values = tf.cond(d_loss < self.extra_generator_step_below,
                               lambda: generator_update_at(batches, step), lambda: g_values)
        return self.end_step(d_loss, g_values)

    def train_step(self, data):
        batches = tuple(data) if isinstance(data, (tuple, list)) else (data,)
        return self.iteration(batches, self.global_step.value, self.discriminator_update_at, self.generator_update_at)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Nothing to build: both networks and both optimizers are built. (Keras would draw a batch under a
        tf.distribute strategy to find out, and its reset makes a second iterator, which reshuffles the data.)"""

    def make_train_function(self, force=False):
        """`train_step` in one traced function on the default strategy; under another tf.distribute strategy the
        same `iteration` run eagerly, because the strategies' gradient all-reduce (a `merge_call`) cannot run
        inside a traced `tf.while_loop` or `tf.cond`: each update is one traced function run on every replica
        (the losses returned are means over the replicas)."""
        if self._distribute_strategy is None:
            return super().make_train_function(force)
        strategy = self.distribute_strategy

        def on_replicas(function):
            def run(*args):
                values = strategy.run(function, args=args)
                return tf.nest.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)

            return tf.function(run, reduce_retracing=True)

        d_update, g_update = on_replicas(self.discriminator_update_at), on_replicas(self.generator_update_at)

        def train_function(iterator):
            data = next(iterator)
            batches = tuple(data) if isinstance(data, (tuple, list)) else (data,)
            return self.iteration(batches, tf.constant(self.step, tf.int64), d_update, g_update)

        self.train_function = train_function
        return train_function


class GAN(AdversarialModel):
    """The original GAN objective with the non-saturating generator loss.

    Args:
        textbook: BCE on logits instead of the original's explicit sigmoid and `log(p + epsilon)`.
        epsilon: inside the original's logs (1e-12; the MLP GAN had none).
    """

    def __init__(self, generator, discriminator, task, textbook=False, epsilon=losses.EPSILON, **kwargs):
        super().__init__(generator, discriminator, task, **kwargs)
        self.textbook, self.epsilon = textbook, epsilon

    def objective_discriminator_loss(self, real, fake):
        return losses.gan_discriminator_loss(real, fake, textbook=self.textbook, epsilon=self.epsilon)

    def objective_generator_loss(self, fake):
        return losses.gan_generator_loss(fake, textbook=self.textbook, epsilon=self.epsilon)


class LSGAN(AdversarialModel):
    """Least squares GAN, a = 0, b = c = 1.

    Args:
        sigmoid: squares of sigmoid(logits), as the colorization code (C6).
        batch_mean: squares of the batch mean of D's outputs, as the LSUN code (G4).
    """

    def __init__(self, generator, discriminator, task, sigmoid=False, batch_mean=False, **kwargs):
        super().__init__(generator, discriminator, task, **kwargs)
        self.sigmoid, self.batch_mean = sigmoid, batch_mean

    def objective_discriminator_loss(self, real, fake):
        return losses.least_squares_discriminator_loss(real, fake, self.sigmoid, self.batch_mean)

    def objective_generator_loss(self, fake):
        return losses.least_squares_generator_loss(fake, self.sigmoid, self.batch_mean)


class EBGAN(AdversarialModel):
    """Energy-based GAN: D is an auto-encoder (on ab' alone in colorization), its energy the reconstruction error.

    `discriminate` returns (energy, code): the code is the auto-encoder's embedding when D returns
    [reconstruction, embedding] (image generation), else None.

    Args:
        margin: m of the hinge (80 in the colorization code, 20 in the CelebA code).
        hinge: max(0, m - E_fake) (the code's final form) or m - E_fake (how the report's runs likely trained).
        energy_textbook: per-sample mean squared error instead of the batch's Frobenius norm / B.
        pullaway: weight of the pull-away term in the generator loss (0.1 for EBGAN-PT, 0 off).
        pullaway_textbook: the paper's pull-away term (else the original's, see `losses.pullaway_term`).
    """

    def __init__(self, generator, discriminator, task, margin=80.0, hinge=True, energy_textbook=False,
                 pullaway=0.0, pullaway_textbook=True, **kwargs):
        super().__init__(generator, discriminator, task, **kwargs)
        self.margin, self.hinge, self.energy_textbook = margin, hinge, energy_textbook
        self.pullaway, self.pullaway_textbook = pullaway, pullaway_textbook

    def discriminate(self, condition, x):
        outputs = self.discriminator(x, training=True)
        reconstruction, code = outputs if isinstance(outputs, (list, tuple)) else (outputs, None)
        return losses.ebgan_energy(reconstruction, x, textbook=self.energy_textbook), code

    def objective_discriminator_loss(self, real, fake):
        return losses.ebgan_discriminator_loss(real[0], fake[0], margin=self.margin, hinge=self.hinge)

    def objective_generator_loss(self, fake):
        energy, code = fake
        loss = losses.ebgan_generator_loss(energy)
        if self.pullaway and code is not None:
            loss += self.pullaway * losses.pullaway_term(code, textbook=self.pullaway_textbook)
        return loss


class WGAN(AdversarialModel):
    """Wasserstein GAN with weight clipping, as the report-era code (C4, G6).

    Every discriminator weight (BatchNorm offsets and scales included) is clipped to [-clip, clip] after each
    critic update. Critic updates per iteration: `n_critic_warmup` while step < `warmup_steps` or
    step % 500 == 0, else `n_critic`.

    Args:
        n_critic: critic updates per generator update outside the warm-up (5).
        n_critic_warmup: critic updates of the warm-up steps (100).
        warmup_steps: the first steps with `n_critic_warmup` (10 in the colorization code, 25 in the CelebA one).
        clip: the clipping bound c (0.005 in the code; the report says 0.05).
        textbook: linear critic with the textbook signs instead of lrelu(logits) with mirrored signs.
    """

    def __init__(self, generator, discriminator, task, n_critic=5, n_critic_warmup=100, warmup_steps=10,
                 clip=0.005, textbook=False, **kwargs):
        super().__init__(generator, discriminator, task, **kwargs)
        self.n_critic, self.n_critic_warmup, self.warmup_steps = n_critic, n_critic_warmup, warmup_steps
        self.clip, self.textbook = clip, textbook

    def discriminator_steps(self, step):
        warm_up = tf.logical_or(step < self.warmup_steps, tf.equal(step % 500, 0))
        return tf.where(warm_up, tf.constant(self.n_critic_warmup, step.dtype),
                        tf.constant(self.n_critic, step.dtype))

    def objective_discriminator_loss(self, real, fake):
        return losses.wasserstein_discriminator_loss(real, fake, textbook=self.textbook)

    def objective_generator_loss(self, fake):
        return losses.wasserstein_generator_loss(fake, textbook=self.textbook)

    def after_discriminator_update(self):
        def clip(strategy=None):
            for weight in self.discriminator.trainable_weights:
                weight.assign(tf.clip_by_value(weight, -self.clip, self.clip))

        if tf.distribute.has_strategy():  # the replicas' copies are set together, from cross-replica context
            tf.distribute.get_replica_context().merge_call(clip)
        else:
            clip()


class WGANGP(AdversarialModel):
    """WGAN with the textbook gradient penalty (Gulrajani et al.): linear critic, `n_critic` updates per step.

    `L_D = mean(C(fake)) - mean(C(real)) + gp_weight * gradient_penalty`, the penalty on samples interpolated
    between real and generated (ab' with L' fixed, in colorization). Use a critic without BatchNorm. The
    interpolation weights are drawn statelessly from (the critic's update count, seed): every replica draws the
    same global e and a resumed run draws what an uninterrupted one would.

    Args:
        n_critic: critic updates per generator update (5).
        gp_weight: weight of the penalty (10).
        seed: base seed of the interpolation weights.
    """

    def __init__(self, generator, discriminator, task, n_critic=5, gp_weight=10.0, seed=0, **kwargs):
        super().__init__(generator, discriminator, task, **kwargs)
        self.n_critic, self.gp_weight, self.seed = n_critic, gp_weight, seed

    def discriminator_steps(self, step):
        return tf.fill(tf.shape(step), tf.constant(self.n_critic, step.dtype))

    def objective_discriminator_loss(self, real, fake):
        return losses.wasserstein_discriminator_loss(real, fake, textbook=True)

    def objective_generator_loss(self, fake):
        return losses.wasserstein_generator_loss(fake, textbook=True)

    def discriminator_loss(self, condition, real, fake):
        seed = tf.stack([tf.cast(self.d_optimizer.iterations, tf.int64), tf.constant(self.seed, tf.int64)])
        penalty = losses.gradient_penalty(lambda x: self.discriminate(condition, x), real, fake, seed)
        return super().discriminator_loss(condition, real, fake) + self.gp_weight * penalty


VARIANTS = {"gan": GAN, "lsgan": LSGAN, "ebgan": EBGAN, "wgan": WGAN, "wgan_gp": WGANGP}
