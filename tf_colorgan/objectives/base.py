"""The adversarial model every objective subclasses: two networks, two optimizers, one training iteration.

An objective (`tf_colorgan.objectives.<name>`) is one subclass of `AdversarialModel`: its losses
(`objective_discriminator_loss(real, fake)`, `objective_generator_loss(fake)` on the outputs of `discriminate`),
its hooks (`discriminate`, `discriminator_loss`, `discriminator_steps`, `after_discriminator_update`), its settings
(a `Settings` dataclass), its optimizer and the original code's defaults. The iteration itself is written once, here.

What G maps and D judges is the task's `problem` (`tf_colorgan.tasks.<task>.problem`): it turns a batch into
(generator input, condition, real), builds the discriminator's input and adds the task's reconstruction terms
(colorization: L1 and L2) to the generator loss.

A training step takes the batches of one iteration, stacked on a leading axis of size k: the first
`discriminator_steps(step)` feed one discriminator update each, the last (colorization: an extra one) the
`generator_steps` generator updates. The data pipeline groups batches with `batches_per_step(step)`.
Discriminator and generator parameters are the two networks' own `trainable_weights`, never chosen by name
(the original's "d_" substring leaked 7 generator kernels into the discriminator's optimizer, C1).

Example:
    >>> model = LSGAN(networks.unet_generator(), networks.patch_discriminator(), colorize.problem(config))
    >>> model.compile(d_optimizer=LSGAN.optimizer(1e-4, 0.9), g_optimizer=LSGAN.optimizer(1e-4, 0.9))
    >>> model.fit(dataset, steps_per_epoch=100)
"""

import dataclasses

import keras
import tensorflow as tf

from tf_colorgan import distribute, optimizers, settings


def f32(x):
    """`x` as float32: every loss is computed in float32, whatever the networks' compute dtype."""
    return tf.cast(x, tf.float32)


class AdversarialModel(keras.Model):
    """A GAN trained with `fit()`: two networks, two optimizers, one training step for every objective.

    Subclasses (the objectives) set `name` and the class attributes below, declare their `Settings`, define
    `objective_discriminator_loss(real, fake)` and `objective_generator_loss(fake)` on the outputs of
    `discriminate`, and may override `discriminate`, `discriminator_loss`, `discriminator_steps`,
    `after_discriminator_update` and `optimizer`.

    Class attributes (what the configuration, the tasks and the flags ask of an objective):
        name: the objective's name (`--gan=<name>`), its key in `tf_colorgan.objectives`.
        summary: one line for train.py's `--gan` help.
        learning_rate, beta1: the original code's defaults of both networks' optimizer (table 2.7).
        textbook_form: what `--textbook=<name>` selects instead of the original code's losses ("" for none).
        autoencoder_discriminator: D is an auto-encoder scoring energies (EBGAN), not a judge of the pair.
        batch_norm_allowed: whether D may use BatchNorm (no for a gradient penalty on per-sample gradients).
        feature_scores: scores D's conv features where the networks offer them (the LSUN code), unless textbook.

    Args:
        generator: `keras.Model` from the problem's generator input to samples.
        discriminator: `keras.Model` judging the problem's discriminator input.
        problem: the task's problem (`tf_colorgan.tasks.<task>.problem(config)`): inputs and reconstruction terms.
        settings: the objective's `Settings` (default: the original code's values).
        textbook: the textbook form of the losses instead of the original code's.
        gan_weight: weight of the adversarial term of the generator loss.
        generator_steps: generator updates per iteration, on the same inputs (DCGAN: 2).
        extra_generator_step_below: one more generator update when the discriminator loss is below this
            (the MLP GAN's 1e-4; 0 turns it off).
        seed: base seed of the objective's own random draws (WGAN-GP's interpolation weights).
    """

    name = ""
    summary = ""
    learning_rate = 1e-4
    beta1 = 0.9
    textbook_form = ""
    autoencoder_discriminator = False
    batch_norm_allowed = True
    feature_scores = False

    @dataclasses.dataclass(frozen=True)
    class Settings(settings.Settings):
        """The objective's own settings (none by default)."""

    def __init__(self, generator, discriminator, problem, settings=None, textbook=False, gan_weight=1.0,
                 generator_steps=1, extra_generator_step_below=0.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.problem = problem
        self.settings = self.Settings() if settings is None else settings
        self.textbook = textbook
        self.gan_weight = gan_weight
        self.generator_steps = generator_steps
        self.extra_generator_step_below = extra_generator_step_below
        self.seed = seed
        self.global_step = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False,
                                           aggregation="only_first_replica", name="global_step")
        names = ("d_loss", "g_loss", "g_adversarial") + problem.term_names
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True  # both networks are built; Keras need not trace `call` on a batch

    @classmethod
    def optimizer(cls, learning_rate, beta1):
        """The optimizer of one network: TF1's Adam(learning_rate, beta1, 0.999, epsilon 1e-8), as the original
        code, on TF's fused kernel (`tf_colorgan.optimizers`)."""
        return optimizers.Adam(learning_rate, beta_1=beta1, beta_2=0.999, epsilon=1e-8)

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
        return self.discriminator_steps(step) + int(self.problem.extra_generator_batch)

    def discriminate(self, condition, x):
        """The discriminator's output for `x` (conditioned on L' in colorization): logits of any shape."""
        return self.discriminator(self.problem.discriminator_input(condition, x), training=True)

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
                     **self.problem.reconstruction_terms(real, fake)}
            loss = self.gan_weight * terms["g_adversarial"] + self.problem.reconstruction_loss(terms)
            scaled_loss = self.g_optimizer.scale_loss(distribute.per_replica_loss(loss))
        weights = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(scaled_loss, weights), weights)
        return {"g_loss": loss, **terms}

    def discriminator_update_at(self, batches, step, index):
        """Discriminator update `index` of iteration `step`, on batch `index` of the iteration's `batches`."""
        inputs = self.problem.inputs([b[index] for b in batches], "discriminator", step, index)
        return self.discriminator_update(*inputs)

    def generator_update_at(self, batches, step):
        """A generator update of iteration `step`, on the iteration's last batch."""
        return self.generator_update(*self.problem.inputs([b[-1] for b in batches], "generator", step, 0))

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
            generator_update_at: (batches, step) -> {"g_loss", "g_adversarial", the problem's terms}.
        """
        stacked = self.distribute_strategy.experimental_local_results(batches[0])[0]
        d_updates = tf.shape(stacked)[0] - int(self.problem.extra_generator_batch)
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
