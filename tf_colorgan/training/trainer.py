"""`run(config)`: train one GAN with `Model.fit` and leave a complete run directory behind (its layout:
`tf_colorgan.training.rundir`).

The task (`tf_colorgan.tasks`: colorize or generate) supplies the networks, the data stream, the sample grids,
the periodic metrics and the export; this module builds, compiles, fits and exports, whatever the task.
"""

import json
import pathlib

import keras
import tensorflow as tf
from absl import logging

from tf_colorgan import distribute, machine, objectives, storage, tasks
from tf_colorgan.data import sources
from tf_colorgan.networks import train_mode
from tf_colorgan.settings import ConfigError
from tf_colorgan.training import callbacks, rundir


def build_networks(config):
    """(generator, discriminator) of `config`, built under the dtype policy `config.precision` (final layers,
    losses and variables stay float32); the global policy is restored afterwards."""
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(config.precision)
    try:
        return tasks.plugin(config.task).build_networks(config, objectives.get(config.gan))
    finally:
        keras.config.set_dtype_policy(previous_policy)


def build_model(config):
    """The compiled adversarial model of `config`: networks, problem, objective and optimizers."""
    objective = objectives.get(config.gan)
    generator, discriminator = build_networks(config)
    model = objective(
        generator, discriminator, tasks.plugin(config.task).problem(config),
        settings=objective.Settings.of(config.objective_settings, f"--gan={config.gan}"),
        textbook=config.objective_textbook, gan_weight=config.gan_weight, generator_steps=config.generator_steps,
        extra_generator_step_below=config.extra_generator_step_below, seed=config.seed)
    model.compile(d_optimizer=make_optimizer(config), g_optimizer=make_optimizer(config),
                  jit_compile=config.jit_compile)
    return model


def make_optimizer(config):
    """The objective's optimizer (`AdversarialModel.optimizer`: TF1's Adam or RMSProp on TF's fused kernels),
    wrapped for loss scaling under mixed_float16."""
    optimizer = objectives.get(config.gan).optimizer(config.lr, config.beta1)
    if config.precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def restore_latest(model, run_dir, chief_run_dir=None):
    """Restores the step, both networks, their dropout seeds and both optimizers from the latest checkpoint in
    `chief_run_dir/checkpoints` (default `run_dir`), if any. Under a multi-worker strategy every worker restores
    the chief's, so all resume from one state (see `distribute.check_same_step`).

    Returns:
        The `tf.train.CheckpointManager` of `run_dir/checkpoints` (keeps the 2 latest).
    """
    checkpoint = tf.train.Checkpoint(**{rundir.STEP: model.global_step}, generator=model.generator,
                                     dropout_seeds=train_mode.dropout_seeds(model.generator),
                                     discriminator=model.discriminator, g_optimizer=model.g_optimizer,
                                     d_optimizer=model.d_optimizer)
    manager = tf.train.CheckpointManager(checkpoint, rundir.checkpoints(run_dir), max_to_keep=2)
    latest = tf.train.latest_checkpoint(str(rundir.checkpoints(chief_run_dir or run_dir)))
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
        logging.info("Resumed %s at step %d", latest, model.step)
    return manager


def load_or_make_split(run_dir, dataset, seed, data_dir=None, colour_only=False):
    """The run's split: read from `run_dir/split.json`, or made with `sources.make_split` (nothing is written: the
    trainer writes it with `save_split` once it holds the run directory)."""
    path = rundir.split_path(run_dir)
    if path.exists():
        return json.loads(path.read_text())
    return sources.make_split(dataset, seed, data_dir, colour_only)


def save_split(run_dir, split):
    """Writes `split` to `run_dir/split.json` unless the run has one already."""
    path = rundir.split_path(run_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(split))


def run(config):
    """Trains (or resumes) the run of `config` to its total step count and exports its generator.

    Returns:
        The trained model (an `objectives.base.AdversarialModel`).
    """
    strategy = distribute.make_strategy(config.strategy)
    distribute.check_batch_size(config.batch_size, strategy)
    if config.jit_compile and config.strategy != "default":
        logging.warning("--jit_compile applies on the default strategy only (see tf_colorgan.distribute); "
                        "ignored under --strategy=%s", config.strategy)
    if config.strategy != "tpu":  # the precision on this machine's CPU or GPUs
        refusal = machine.precision_refusal(config.precision)
        if refusal:  # before anything is written
            raise ConfigError(refusal)
        slow = machine.precision_warning(config.precision)
        if slow:
            logging.warning("%s", slow)
    # the run directory for the chief, `workers/<task>_<id>` in it for the other workers
    run_dir = (pathlib.Path(config.run_dir) if distribute.is_chief(strategy)
               else rundir.worker(config.run_dir, *distribute.worker(strategy)))
    rundir.check_settings(config, run_dir)
    task = tasks.get(config.task)
    split = load_or_make_split(run_dir, config.dataset, config.seed, config.data_dir, task.COLOUR_ONLY)
    with rundir.held(run_dir):  # after the checks that write nothing: a refused run leaves no trace
        try:
            save_split(run_dir, split)
            return train(config, tasks.plugin(config.task), strategy, run_dir, split)
        except Exception as error:  # the writes not made through `storage`: logs, sample grids, config.json
            if not storage.is_disk_full(error):  # DiskFullError itself is not: it passes as it is
                raise
            raise storage.full(f"to the run directory ({error})", run_dir, None, rundir.resume_hint(run_dir)) from None


def train(config, task, strategy, run_dir, split):
    """The body of `run` in a run directory held by this process."""
    rundir.config_path(run_dir).write_text(config.to_json())
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
        on_skip = sources.Skips(split["root"], rundir.split_path(run_dir)).add if split["source"] == "folder" else None
        batches = distribute.distribute_steps(strategy, lambda index, count: task.training_stream(
            config, sources.share(split, index, count), model.batches_per_step, step, on_skip,
            config.batch_size // count))
        step_logs = rundir.step_logs(run_dir)
        callbacks.mark_start(step_logs, step + 1)  # the first step this process logs
        callbacks.mark_start(rundir.epoch_logs(run_dir), step // steps_per_epoch)  # Keras logs epochs from 0
        run_callbacks = [
            callbacks.StopOnNonFiniteLoss(),  # first: nothing below logs, saves or exports a NaN step
            callbacks.StepLogger(step_logs, rundir.samples(run_dir), task.sample_renderer(config, split),
                                 config.log_every, config.image_every),
            *(callbacks.PeriodicMetrics(step_logs, every, score, tags)  # before the checkpoint of the same step:
              for every, score, tags in task.periodic_metrics(config)),  # a run stopped between keeps both or neither
            callbacks.Checkpointer(manager, config.save_every),
            callbacks.StopAtStep(total),
            keras.callbacks.TensorBoard(rundir.logs(run_dir), write_graph=False),
        ]
        model.fit(batches, epochs=-(-total // steps_per_epoch), initial_epoch=step // steps_per_epoch,
                  steps_per_epoch=steps_per_epoch, shuffle=False, callbacks=run_callbacks)
    if distribute.is_chief(strategy):
        storage.write_folder(rundir.export(run_dir), lambda path: task.export(config, model.generator, path),
                             "the export", "The checkpoints are intact: free space and rerun the same command, which "
                             "exports without training again.")
        logging.info("Exported the generator to %s", rundir.export(run_dir))
    return model
