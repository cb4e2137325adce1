"""Keras callbacks of a training run, all keyed to the global step (the model's generator-update count), so a
resumed run's curves, images and checkpoints continue where the previous process stopped."""

import pathlib

import keras
import tensorflow as tf
from absl import logging

from tf_colorgan import color


def sample_grid(l_channel, ab_pred, ab_true):
    """One uint8 image [n * S, 3 * S, 3]: a row per example with columns input L, prediction, truth.

    Args:
        l_channel: L' [n, S, S, 1] in [-1, 1].
        ab_pred: predicted ab' [n, S, S, 2].
        ab_true: true ab' [n, S, S, 2].
    """
    gray = tf.zeros_like(ab_true)
    columns = [color.lab_to_rgb(color.denormalize_lab(l_channel, ab)) for ab in (gray, ab_pred, ab_true)]
    rows = tf.concat(columns, axis=2)  # [n, S, 3S, 3]
    grid = tf.reshape(rows, [-1, tf.shape(rows)[2], 3])
    return tf.cast(tf.round(tf.clip_by_value(grid, 0.0, 1.0) * 255.0), tf.uint8)


class StepLogger(keras.callbacks.Callback):
    """TensorBoard scalars and sample grids against the global step, and the grids as PNGs.

    Every `log_every` steps it writes, under `log_dir`, each tracked loss averaged over those steps (from the
    `keras.metrics.Mean` totals, so nothing is recomputed) and both learning rates. Every `image_every` steps
    and at the end it writes the grid of `sample_grid` for a fixed batch as a TensorBoard image and as
    `samples_dir/step_<step>.png`.

    Args:
        log_dir: TensorBoard directory.
        samples_dir: directory of the PNG grids.
        eval_batch: fixed (L' [n, S, S, 1], ab' [n, S, S, 2]).
        log_every: scalar interval in steps.
        image_every: image interval in steps.
    """

    def __init__(self, log_dir, samples_dir, eval_batch, log_every=1, image_every=50):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(log_dir))
        self.samples_dir = pathlib.Path(samples_dir)
        self.eval_batch = eval_batch
        self.log_every = log_every
        self.image_every = image_every
        self._last = {}

    def _interval_means(self):
        means = {}
        for metric in self.model.metrics:
            total, count = float(metric.total), float(metric.count)
            last_total, last_count = self._last.get(metric.name, (0.0, 0.0))
            if count < last_count:  # Keras reset the trackers at an epoch start.
                last_total, last_count = 0.0, 0.0
            if count > last_count:
                means[metric.name] = (total - last_total) / (count - last_count)
            self._last[metric.name] = (total, count)
        return means

    def write_images(self, step):
        l_channel, ab_true = self.eval_batch
        grid = sample_grid(l_channel, self.model.generator(l_channel, training=False), ab_true)
        with self.writer.as_default(step=step):
            tf.summary.image("input_prediction_truth", grid[tf.newaxis], step=step)
        self.samples_dir.mkdir(parents=True, exist_ok=True)
        tf.io.write_file(str(self.samples_dir / f"step_{step:08d}.png"), tf.io.encode_png(grid))

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step)
        if step % self.log_every == 0:
            with self.writer.as_default(step=step):
                for name, value in self._interval_means().items():
                    tf.summary.scalar(name, value)
                tf.summary.scalar("learning_rate/generator", float(self.model.g_optimizer.learning_rate))
                tf.summary.scalar("learning_rate/discriminator", float(self.model.d_optimizer.learning_rate))
        if step % self.image_every == 0:
            self.write_images(step)

    def on_train_end(self, logs=None):
        step = int(self.model.step)
        if step % self.image_every:
            self.write_images(step)
        self.writer.flush()


class Checkpointer(keras.callbacks.Callback):
    """Saves `manager` (a `tf.train.CheckpointManager`) every `every` steps and at the end of training."""

    def __init__(self, manager, every):
        super().__init__()
        self.manager = manager
        self.every = every
        self._saved_step = None

    def _save(self, step):
        if step != self._saved_step:
            logging.info("Saved checkpoint %s", self.manager.save(checkpoint_number=step))
            self._saved_step = step

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step)
        if step % self.every == 0:
            self._save(step)

    def on_train_end(self, logs=None):
        self._save(int(self.model.step))


class StopAtStep(keras.callbacks.Callback):
    """Ends `fit` once the global step reaches `last_step` (so --steps counts from the start of the run)."""

    def __init__(self, last_step):
        super().__init__()
        self.last_step = last_step

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.step) >= self.last_step:
            self.model.stop_training = True
