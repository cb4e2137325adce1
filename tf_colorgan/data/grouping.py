"""Batches grouped by training step: an iteration of k discriminator updates (+ the generator's batch) takes k (+ 1)
batches stacked on a leading axis, k set by the model's `batches_per_step(step)` (WGAN: 100 in its warm-up, 5
after).
"""

import tensorflow as tf


def group_by_step(batches, batches_per_step, initial_step):
    """Stacks consecutive batches into one element per training step: batches_per_step(s) of them for step s."""

    def group_size(step):
        return tf.cast(batches_per_step(step), tf.int64)

    def number_by_step(state, batch):
        step, used = state
        done = used + 1 >= group_size(step)
        next_state = (tf.where(done, step + 1, step), tf.where(done, tf.constant(0, tf.int64), used + 1))
        return next_state, (step, batch)

    numbered = batches.scan((tf.constant(initial_step, tf.int64), tf.constant(0, tf.int64)), number_by_step)
    grouped = numbered.group_by_window(
        key_func=lambda step, batch: step,
        reduce_func=lambda step, window: window.batch(group_size(step)).map(lambda s, batch: batch),
        window_size_func=group_size,
    )
    return grouped.prefetch(tf.data.AUTOTUNE)
