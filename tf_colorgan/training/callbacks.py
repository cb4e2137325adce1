"""Keras callbacks of a training run, all keyed to the global step (the model's count of training iterations), so a
resumed run's curves, images and checkpoints continue where the previous process stopped.
"""

import os
import pathlib
import socket
import time

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tf_colorgan import distribute, storage
from tf_colorgan.networks import train_mode
from tf_colorgan.training import rundir


def mark_start(log_dir, first_step):
    """Writes a TensorBoard `SessionLog.START` at `first_step` to `log_dir`; call it before the run's writers open.

    TensorBoard reads a directory's event files in name order and, at every START after the first, drops the
    points at or after that START's step (its `--purge_orphaned_data`, on by default). A run resumed from its
    checkpoint at step s marks s + 1: the points its killed predecessor logged after that checkpoint give way to the
    resumed run's instead of doubling the curves. The name follows the writers'
    (`events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`) and sorts after every file of an earlier process and before
    the files this process opens next.
    """
    log_dir = pathlib.Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    now = time.time()
    path = log_dir / f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}.{os.getpid()}.0.start"
    with tf.io.TFRecordWriter(str(path)) as events:  # an event file is a TFRecord file of Event protos
        events.write(tf.compat.v1.Event(wall_time=now, file_version="brain.Event:2").SerializeToString())
        events.write(tf.compat.v1.Event(wall_time=now, step=first_step, session_log=tf.compat.v1.SessionLog(
            status=tf.compat.v1.SessionLog.START)).SerializeToString())


class StepLogger(keras.callbacks.Callback):
    """TensorBoard scalars and sample grids against the global step, and the grids as PNGs.

    Every `log_every` steps it writes, under `log_dir`, each tracked loss averaged over those steps (from the
    growth of the `keras.metrics.Mean` totals, which Keras resets every epoch; nothing is recomputed), both
    learning rates, and `seconds_per_step`: the wall time since the previous write (or since this process began
    training: the first point includes tracing) divided by the steps in between, everything the process did
    included (sample grids, held-out scores, checkpoints). Every `image_every` steps and at the end it writes
    `render(generator)` as the TensorBoard image "samples" and as `samples_dir/step_<step>.png`, without advancing
    the generator's dropout seeds. Each write is on disk when it returns (`as_default` flushes as it closes), so a
    checkpoint is never ahead of the curves and a killed run resumes without a gap in them.

    Args:
        log_dir: TensorBoard directory.
        samples_dir: directory of the PNG grids.
        render: function generator -> uint8 grid [H, W, C] of fixed inputs (e.g. `colorization_grid`).
        log_every: scalar interval in steps.
        image_every: image interval in steps.
    """

    def __init__(self, log_dir, samples_dir, render, log_every=1, image_every=50):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(log_dir))
        self.samples_dir = pathlib.Path(samples_dir)
        self.render = render
        self.log_every = log_every
        self.image_every = image_every
        self._epoch_seen, self._interval = {}, {}
        self._interval_start = None  # (time.monotonic(), step) where the current interval began

    def on_train_begin(self, logs=None):
        self._interval_start = (time.monotonic(), self.model.step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_seen = {}  # Keras resets the trackers before each epoch: their totals restart at 0

    def _accumulate(self):
        """Adds this step's values (the trackers' growth since the previous step) to the interval sums."""
        for metric in self.model.metrics:
            total, count = (float(distribute.value_of(v)) for v in (metric.total, metric.count))
            seen_total, seen_count = self._epoch_seen.get(metric.name, (0.0, 0.0))
            interval_total, interval_count = self._interval.get(metric.name, (0.0, 0.0))
            self._interval[metric.name] = (interval_total + total - seen_total, interval_count + count - seen_count)
            self._epoch_seen[metric.name] = (total, count)

    def write_images(self, step):
        with train_mode.dropout_seeds_kept(self.model.generator):
            grid = self.render(self.model.generator)
        with self.writer.as_default(step=step):
            tf.summary.image("samples", grid[tf.newaxis], step=step)
        self.samples_dir.mkdir(parents=True, exist_ok=True)
        tf.io.write_file(str(self.samples_dir / f"step_{step:08d}.png"), tf.io.encode_png(grid))

    def on_train_batch_end(self, batch, logs=None):
        step = self.model.step
        self._accumulate()
        if step % self.log_every == 0:
            with self.writer.as_default(step=step):
                for name, (total, count) in self._interval.items():
                    tf.summary.scalar(name, total / count)
                self._interval = {}
                tf.summary.scalar("learning_rate/generator",
                                  float(distribute.value_of(self.model.g_optimizer.learning_rate)))
                tf.summary.scalar("learning_rate/discriminator",
                                  float(distribute.value_of(self.model.d_optimizer.learning_rate)))
                began, first = self._interval_start
                tf.summary.scalar("seconds_per_step", (time.monotonic() - began) / (step - first))
            self._interval_start = (time.monotonic(), step)
        if step % self.image_every == 0:
            self.write_images(step)

    def on_train_end(self, logs=None):
        step = self.model.step
        if step % self.image_every:
            self.write_images(step)
        self.writer.flush()


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite; training stopped before anything was saved or exported."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `NonFiniteLossError` at the first step whose d_loss or g_loss is not finite (Keras'
    TerminateOnNaN only watches a "loss" key). Put it first: the callbacks after it never see that step, and the
    exception skips the final checkpoint and the export, so the last checkpoint stays the last good state."""

    def on_train_batch_end(self, batch, logs=None):
        bad = {name: value for name, value in (logs or {}).items()
               if name in ("d_loss", "g_loss") and not np.isfinite(float(value))}
        if bad:
            raise NonFiniteLossError(f"Non-finite loss at step {self.model.step}: {bad}. Training stopped; "
                                     "the run keeps its last checkpoint. Try a lower --lr or --textbook forms.")


class PeriodicMetrics(keras.callbacks.Callback):
    """Every `every` steps (and at step 0 and the end), writes `compute(generator)` (a dict of numbers) as
    TensorBoard scalars against the global step, e.g. the classifier distance next to the losses (Figure 5) or
    the held-out colorization metrics; `compute` does not advance the generator's dropout seeds."""

    def __init__(self, log_dir, every, compute, names):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(log_dir))
        self.every, self.compute, self.names = every, compute, names
        self._last_step = None

    def _write(self):
        step = self.model.step
        if step != self._last_step:
            with train_mode.dropout_seeds_kept(self.model.generator):  # training's dropout masks stay as they were
                values = self.compute(self.model.generator)
            with self.writer.as_default(step=step):
                for tag, key in self.names.items():
                    tf.summary.scalar(tag, values[key])
            self.writer.flush()
            logging.info("Step %d: %s", step, {tag: values[key] for tag, key in self.names.items()})
            self._last_step = step

    def on_train_begin(self, logs=None):
        if self.model.step == 0:
            self._write()

    def on_train_batch_end(self, batch, logs=None):
        if self.model.step % self.every == 0:
            self._write()

    def on_train_end(self, logs=None):
        self._write()


class Checkpointer(keras.callbacks.Callback):
    """Saves `manager` (a `tf.train.CheckpointManager` of `<run_dir>/checkpoints`) every `every` steps and at the end
    of training; on a full file system removes the partial checkpoint and raises `storage.DiskFullError`."""

    def __init__(self, manager, every):
        super().__init__()
        self.manager = manager
        self.every = every
        self._saved_step = None

    def _save(self, step):
        if step != self._saved_step:
            try:
                logging.info("Saved checkpoint %s", self.manager.save(checkpoint_number=step))
            except Exception as error:
                if not storage.is_disk_full(error):
                    raise
                folder = pathlib.Path(self.manager.directory)
                storage.remove(folder.glob(f"ckpt-{step}_temp*"))  # TensorFlow's partial shards
                latest = self.manager.latest_checkpoint
                raise storage.full(f"checkpoint ckpt-{step}", folder, latest and storage.size(
                    folder.glob(pathlib.Path(latest).name + ".*")), rundir.resume_hint(folder.parent)) from None
            self._saved_step = step

    def on_train_batch_end(self, batch, logs=None):
        step = self.model.step
        if step % self.every == 0:
            self._save(step)

    def on_train_end(self, logs=None):
        self._save(self.model.step)


class StopAtStep(keras.callbacks.Callback):
    """Ends `fit` once the global step reaches `last_step` (so --steps counts from the start of the run)."""

    def __init__(self, last_step):
        super().__init__()
        self.last_step = last_step

    def on_train_batch_end(self, batch, logs=None):
        if self.model.step >= self.last_step:
            self.model.stop_training = True
