"""`run(config)`: train one GAN with `Model.fit` and leave a complete run directory behind.

Run directory layout:
    config.json     every setting (a rerun with other settings is refused; --steps/--epochs/--strategy/--precision
                    may change)
    split.json      the seeded train/test split
    checkpoints/    tf.train.Checkpoint of the step, both networks, the dropout seeds and both optimizers; a rerun
                    resumes
    logs/           TensorBoard: logs/steps (scalars and image grids per global step), logs/train (Keras epochs)
    samples/        PNG grids every --image_every steps: input L | prediction | truth (colorization), or
                    samples of a fixed z (generation)
    export/         the serving SavedModel (`tf_colorgan.export`)
    workers/        under a multi-worker strategy, the other workers' checkpoints, logs and samples
"""

import contextlib
import fcntl
import os
import pathlib
import socket

import keras
import tensorflow as tf
from absl import logging

from tf_colorgan import (callbacks, data, distribute, evaluation, export, gans, image_networks, machine, metrics,
                         networks, optimizers)
from tf_colorgan.config import Config, ConfigError

UNIT_RANGE_ARCHS = ("mlp", "dcgan")  # The MNIST code kept images in [0, 1]; the others used [-1, 1].
GRID_COLUMNS = 15  # The report's sample figures are 15 tiles wide.


def build_networks(config):
    """(generator, discriminator) of `config`, built under the dtype policy `config.precision` (final layers,
    losses and variables stay float32); the global policy is restored afterwards."""
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(config.precision)
    try:
        if config.task == "generate":
            make_generator, make_discriminator = image_networks.ARCHITECTURES[config.arch]
            # The LSUN code scored D's conv features (least squares on their batch mean), only with that loss.
            features = config.gan == "lsgan" and "lsgan" not in config.textbook
            options = {"features_output": features} if config.arch == "lsgan" else {}
            return make_generator(z_dim=config.z_dim), make_discriminator(**options)
        generator = networks.unet_generator(config.size, config.upconvs, config.train_mode_inference, config.width)
        if config.gan == "ebgan":
            return generator, networks.energy_discriminator(config.size, config.width)
        norm = "layer" if config.gan == "wgan_gp" else "batch"
        return generator, networks.patch_discriminator(config.size, norm=norm, width=config.width)
    finally:
        keras.config.set_dtype_policy(previous_policy)


def objective_options(config):
    """Keyword arguments of the objective's model class (`gans.VARIANTS[config.gan]`)."""
    textbook = config.textbook
    return {
        "gan": {"textbook": "gan" in textbook, "epsilon": config.gan_epsilon},
        "lsgan": {"sigmoid": config.task == "colorize" and "lsgan" not in textbook,
                  "batch_mean": config.arch == "lsgan" and "lsgan" not in textbook},
        "ebgan": {"margin": config.margin, "hinge": config.ebgan_hinge, "energy_textbook": "ebgan" in textbook,
                  "pullaway": config.pullaway, "pullaway_textbook": not config.pullaway_original},
        "wgan": {"n_critic": config.n_critic, "n_critic_warmup": config.n_critic_warmup,
                 "warmup_steps": config.warmup_steps, "clip": config.clip, "textbook": "wgan" in textbook},
        "wgan_gp": {"n_critic": config.n_critic, "gp_weight": config.gp_weight, "seed": config.seed},
    }[config.gan]


def build_model(config):
    """The compiled adversarial model of `config`: networks, task, objective and optimizers."""
    generator, discriminator = build_networks(config)
    if config.task == "colorize":
        task = gans.Colorization(config.l1, config.l2, l2_textbook="l2" in config.textbook)
    else:
        task = gans.Generation(config.z_dim, config.z_discriminator, config.z_generator, config.shared_z, config.seed)
    model = gans.VARIANTS[config.gan](
        generator, discriminator, task, gan_weight=config.gan_weight, generator_steps=config.generator_steps,
        extra_generator_step_below=config.extra_generator_step_below, **objective_options(config))
    model.compile(d_optimizer=make_optimizer(config), g_optimizer=make_optimizer(config),
                  jit_compile=config.jit_compile)
    return model


def make_optimizer(config):
    """TF1's RMSProp(lr, rho 0.9, epsilon 1e-10, mean square from 1) for WGAN, otherwise Adam(lr, beta1, 0.999 or
    0.9 for WGAN-GP, epsilon 1e-8 as TF1), both on TF's fused kernels (`tf_colorgan.optimizers`); wrapped for
    loss scaling under mixed_float16."""
    if config.gan == "wgan":
        optimizer = optimizers.RMSprop(config.lr, rho=0.9, momentum=0.0, epsilon=1e-10)
    else:
        beta2 = 0.9 if config.gan == "wgan_gp" else 0.999
        optimizer = optimizers.Adam(config.lr, beta_1=config.beta1, beta_2=beta2, epsilon=1e-8)
    if config.precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def check_run_dir(config, run_dir):
    """Refuses to resume a run directory whose `config.json` holds other settings (writes nothing)."""
    path = pathlib.Path(run_dir) / "config.json"
    if path.exists():
        previous = Config.from_json(path.read_text())
        changed = config.differences(previous)
        if changed:
            details = ", ".join(f"{name}={getattr(config, name)!r} (run: {getattr(previous, name)!r})"
                                for name in changed)
            raise ConfigError(f"Invalid `run_dir`: '{run_dir}' holds a run with other settings: {details}. "
                             "Expected the same settings to resume it (only --steps/--epochs/--strategy/--precision "
                             "may change), or a new --run_dir.")


@contextlib.contextmanager
def holding(run_dir):
    """Holds `run_dir/.lock` (an advisory `flock`, which the kernel releases when the process ends, killed or not)
    for the block; a second trainer on the same directory gets one clear `ConfigError` naming the holder."""
    path = pathlib.Path(run_dir) / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise ConfigError(f"Invalid `run_dir`: '{run_dir}' is in use by another trainer ({lock.read().strip()}). "
                              "Expected one trainer per run directory: wait for it to end or stop it (a stopped or "
                              "killed trainer leaves no lock behind), or pass another --run_dir.") from None
        lock.truncate(0)
        lock.write(f"pid {os.getpid()} on host {socket.gethostname()}")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def restore_latest(model, run_dir, chief_run_dir=None):
    """Restores the step, both networks, their dropout seeds and both optimizers from the latest checkpoint in
    `chief_run_dir/checkpoints` (default `run_dir`), if any. Under a multi-worker strategy every worker restores
    the chief's, so all resume from one state (see `distribute.check_same_step`).

    Returns:
        The `tf.train.CheckpointManager` of `run_dir/checkpoints` (keeps the 2 latest).
    """
    checkpoint = tf.train.Checkpoint(step=model.global_step, generator=model.generator,
                                     dropout_seeds=networks.dropout_seeds(model.generator),
                                     discriminator=model.discriminator, g_optimizer=model.g_optimizer,
                                     d_optimizer=model.d_optimizer)
    manager = tf.train.CheckpointManager(checkpoint, pathlib.Path(run_dir) / "checkpoints", max_to_keep=2)
    latest = tf.train.latest_checkpoint(str(pathlib.Path(chief_run_dir or run_dir) / "checkpoints"))
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
        logging.info("Resumed %s at step %d", latest, model.step)
    return manager


def training_stream(config, model, split, step):
    """The run's training batches from `step` on: one element per step, tensors [k, B, ...] (global batch B)."""
    if config.task == "colorize":
        return data.training_batches(split, config.size, config.batch_size, model.batches_per_step,
                                     initial_step=step, jitter=config.jitter, seed=config.seed)
    channels = image_networks.IMAGE_SHAPES[config.arch][-1]
    return data.generation_batches(split, config.size, channels, config.arch in UNIT_RANGE_ARCHS, config.batch_size,
                                   model.batches_per_step, step, config.central_crop, config.seed)


def sample_renderer(config, split):
    """Function generator -> uint8 grid of fixed inputs: input L | prediction | truth rows (colorization), or
    samples of a fixed z (generation)."""
    if config.task == "colorize":
        l_channel, ab = data.eval_pairs(split, config.size, config.sample_count)
        return lambda generator: callbacks.colorization_grid(l_channel, generator(l_channel, training=False), ab)
    unit_range = config.arch in UNIT_RANGE_ARCHS
    z = gans.sample_z(config.z_sampling, [config.sample_count, config.z_dim], tf.constant([config.seed, 0]))
    return lambda generator: callbacks.tile(
        callbacks.to_uint8(generator(z, training=False), unit_range), min(GRID_COLUMNS, config.sample_count))


def export_generator(config, generator, path):
    """Writes the run's serving SavedModel (`tf_colorgan.export`)."""
    if config.task == "colorize":
        export.export_colorizer(generator, config.size, path)
    else:
        export.export_image_generator(generator, config.z_dim, config.arch in UNIT_RANGE_ARCHS, path)


def run(config):
    """Trains (or resumes) the run of `config` to its total step count and exports its generator.

    Returns:
        The trained `gans.AdversarialModel`.
    """
    strategy = distribute.make_strategy(config.strategy)
    distribute.check_batch_size(config.batch_size, strategy)
    if config.jit_compile and config.strategy != "default":
        logging.warning("--jit_compile applies on the default strategy only (see tf_colorgan.distribute); "
                        "ignored under --strategy=%s", config.strategy)
    slow = machine.precision_warning(config.precision) if config.strategy != "tpu" else None
    if slow:
        logging.warning("%s", slow)
    run_dir = distribute.work_dir(config.run_dir, strategy)  # the run directory, or this worker's
    check_run_dir(config, run_dir)
    split = data.load_or_make_split(run_dir, config.dataset, config.seed, config.data_dir,
                                    colour_only=config.task == "colorize")
    with holding(run_dir):  # after the checks that write nothing: a refused run leaves no trace
        return train(config, strategy, run_dir, split)


def train(config, strategy, run_dir, split):
    """The body of `run` in a run directory held by this process."""
    (run_dir / "config.json").write_text(config.to_json())
    logging.info("Run %s with settings:\n%s", run_dir, config.to_json())
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()  # for the whole process
    with strategy.scope():
        model = build_model(config)
    manager = restore_latest(model, run_dir, config.run_dir)
    distribute.check_same_step(strategy, model.step)

    step = model.step
    total = config.total_steps(len(split["train"]))
    steps_per_epoch = max(1, len(split["train"]) // config.batch_size)
    logging.info("%d training and %d test images; steps %d -> %d, %d per epoch; %d replica(s)",
                 len(split["train"]), len(split["test"]), step, total, steps_per_epoch,
                 strategy.num_replicas_in_sync)
    if step < total:
        batches = distribute.distribute_steps(strategy, lambda: training_stream(config, model, split, step))
        callbacks.mark_start(run_dir / "logs" / "steps", step + 1)  # the first step this process logs
        callbacks.mark_start(run_dir / "logs" / "train", step // steps_per_epoch)  # Keras logs epochs from 0
        run_callbacks = [
            callbacks.StopOnNonFiniteLoss(),  # first: nothing below logs, saves or exports a NaN step
            callbacks.StepLogger(run_dir / "logs" / "steps", run_dir / "samples", sample_renderer(config, split),
                                 config.log_every, config.image_every),
            callbacks.Checkpointer(manager, config.save_every),
            callbacks.StopAtStep(total),
            keras.callbacks.TensorBoard(run_dir / "logs", write_graph=False),
        ]
        if config.fcd_every:
            unit_range = config.arch in UNIT_RANGE_ARCHS
            run_callbacks.append(callbacks.PeriodicMetrics(
                run_dir / "logs" / "steps", config.fcd_every,
                lambda generator: evaluation.generator_metrics(
                    lambda z: callbacks.to_uint8(generator(z, training=False), unit_range), config, count=1000),
                {"classifier_distance": "fcd", "classifier_score": "classifier_score"}))
        if config.heldout_every:
            heldout = evaluation.evaluation_images(config.heldout, config.size)
            run_callbacks.append(callbacks.PeriodicMetrics(
                run_dir / "logs" / "steps", config.heldout_every,
                lambda generator: evaluation.heldout_summary(generator, heldout),
                {f"heldout/{name}": name for name in metrics.METRIC_NAMES}))
        model.fit(batches, epochs=-(-total // steps_per_epoch), initial_epoch=step // steps_per_epoch,
                  steps_per_epoch=steps_per_epoch, shuffle=False, callbacks=run_callbacks)
    if distribute.is_chief(strategy):
        export_generator(config, model.generator, run_dir / "export")
        logging.info("Exported the generator to %s", run_dir / "export")
    return model
