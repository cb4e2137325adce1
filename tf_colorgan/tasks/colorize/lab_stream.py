"""Colorization's data stream: (L', ab') batches of a split's training photos, grouped by step, and the fixed
pairs of the sample grids.

The resized Lab images (`tf_colorgan.data.lab`) are cached in memory when they fit (`sources.CACHE_BYTES`), so
only the first pass decodes files; a prepared form (`tf_colorgan.data.prepared`) is read instead where one
exists.
"""

import tensorflow as tf
from absl import logging

from tf_colorgan.data import grouping, lab, prepared, sources

PREPARED_SHUFFLE_BUFFER = 1_000  # Lab images (0.8 GB at 256 x 256) shuffled when a prepared form is streamed


def eval_pairs(split, size, count):
    """A fixed batch for sample grids: the first `count` test images, then training images if the test part
    has fewer, as (L' [n, S, S, 1], ab' [n, S, S, 2]) with n = min(count, number of images)."""
    dataset = sources.images(split, "test").concatenate(sources.images(split, "train"))
    return next(iter(dataset.take(count).map(lambda rgb: lab.lab_pair(rgb, size)).batch(count)))


def training_batches(split, size, batch_size, batches_per_step, initial_step=0, jitter=False, seed=0,
                     cache_bytes=sources.CACHE_BYTES, on_skip=None):
    """The infinite colorization stream, one element per training step.

    Element i (step s = initial_step + i) stacks k = batches_per_step(s) fresh batches: L' [k, B, S, S, 1] and
    ab' [k, B, S, S, 2]. The resized Lab images come from the dataset's prepared form when there is one
    (`tf_colorgan.data.prepared`), else from decoding and Lab conversion in parallel (AUTOTUNE); when those of the
    training part fit in `cache_bytes` they are kept in memory after the first pass (only the jitter's flip and
    crop run again each pass); otherwise every pass reads the prepared form or decodes the files again.

    Args:
        split: from `load_or_make_split`.
        size, batch_size, jitter: as in the config.
        batches_per_step: function int64 step -> int64 number of batches.
        initial_step: the step the stream starts at (a resumed run's step).
        seed: shuffle seed; the order depends on seed and initial_step, so a resumed run does not replay.
        cache_bytes: memory for the cache (float32 Lab, side^2 * 12 bytes per image; 0 turns it off).
        on_skip: called with each unusable file of a folder when met (`images`).
    """

    side = size + lab.JITTER_MARGIN if jitter else size
    count, shuffle_seed = len(split["train"]), seed + initial_step
    cached = count * side * side * 12 <= cache_bytes  # cached: shuffled after the cache, else the file names
    dataset = prepared.lab_images(split, side, on_skip) if split["source"] != "digits" else None
    if dataset is None:
        dataset = sources.images(split, "train", shuffle_seed=None if cached else shuffle_seed, on_skip=on_skip).map(
            lambda rgb: lab.resized_lab(rgb, side), num_parallel_calls=tf.data.AUTOTUNE)
    elif not cached:  # read in the form's order: shuffled through a buffer
        dataset = dataset.shuffle(min(count, PREPARED_SHUFFLE_BUFFER), seed=shuffle_seed)
    if cached:
        logging.info("Caching the %d training images as Lab in memory (%.1f MiB)", count, count * side**2 * 12 / 2**20)
        dataset = dataset.cache().shuffle(count, seed=shuffle_seed)
    dataset = dataset.repeat().enumerate().map(  # jitter of element i: seeded by (seed + initial_step, i)
        lambda i, image: lab.jittered_pair(image, size,
                                           tf.stack([tf.cast(shuffle_seed, tf.int64), i]) if jitter else None),
        num_parallel_calls=tf.data.AUTOTUNE)
    return grouping.group_by_step(dataset.batch(batch_size, drop_remainder=True), batches_per_step, initial_step)
