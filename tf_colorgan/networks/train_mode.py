"""BatchNorm and dropout that run as in training also at inference, as the original did (C12).

The original ran BatchNorm on batch statistics and dropout at test time too. `train_mode_inference=True` (the
default) keeps that, so `model(x, training=False)` normalises and drops out as training does, but leaves
BatchNorm's moving averages as they are (the original's sampling ran no update ops); False gives the textbook
moving-average BatchNorm and no dropout at inference. Dropout draws statelessly from seeds kept with the
weights (`dropout_seeds`), so a resumed run drops what an uninterrupted one would; `inference_twin` is the
deterministic copy the export serves.
"""

import contextlib

import keras
import tensorflow as tf
from keras import layers

from tf_colorgan import distribute

FUSED_DTYPES = (tf.float32, tf.bfloat16)  # inputs TrainModeBatchNorm normalises in one fused kernel


class TrainModeBatchNorm(layers.BatchNormalization):
    """BatchNormalization that can keep using the batch's own statistics at inference.

    Built under a tf.distribute strategy with several replicas, it is `synchronized` unless told otherwise: the
    moments are those of the global batch, computed in two passes as on one device (`_moments`). Otherwise a
    float32 or bfloat16 (mixed_bfloat16) [B, H, W, C] batch is normalised on its own statistics by TensorFlow's
    fused kernel (`_fused_batch_norm`): the same arithmetic as Keras' separate mean, variance and scale ops
    (`_batch_norm`; in float32 for a bfloat16 batch too, rounded once to bfloat16), about twice as fast forward
    and backward over the networks' shapes on a CPU in float32, more in bfloat16
    (results/benchmark/fused_batch_norm.py). Frozen or renormalising layers are Keras' layer as it is.

    Args:
        train_mode_inference: if True, normalise with the batch moments (mean and variance over N, H, W) for
            every call, as the original did; the moving averages move in training calls only.
        **kwargs: passed to `keras.layers.BatchNormalization`.
    """

    def __init__(self, train_mode_inference=True, **kwargs):
        kwargs.setdefault("synchronized", tf.distribute.get_strategy().num_replicas_in_sync > 1)
        super().__init__(**kwargs)
        self.train_mode_inference = train_mode_inference

    def call(self, inputs, training=None, mask=None):
        if not (training or self.train_mode_inference) or not self.trainable or self.renorm:
            return super().call(inputs, training=bool(training), mask=mask)  # the moving averages (or frozen)
        if (not self.synchronized and mask is None and inputs.dtype in FUSED_DTYPES and inputs.shape.rank == 4
                and self._reduction_axes == [0, 1, 2]):
            outputs, mean, variance = self._fused_batch_norm(inputs)
        else:
            outputs, mean, variance = self._batch_norm(inputs, mask)
        if training:  # inference on batch statistics (samples, held-out scores) leaves the averages
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return outputs

    def _batch_norm(self, inputs, mask):
        """(outputs, mean [C], variance [C]): Keras' training-mode normalisation on the batch's moments
        (`_moments`), in float32 or wider arithmetic."""
        x = tf.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        mean, variance = self._moments(x, mask)
        outputs = keras.ops.batch_normalization(
            x, mean, variance, axis=self.axis, offset=tf.cast(self.beta, x.dtype) if self.center else None,
            scale=tf.cast(self.gamma, x.dtype) if self.scale else None, epsilon=self.epsilon)
        return tf.cast(outputs, self.compute_dtype), mean, variance

    def _fused_batch_norm(self, inputs):
        """(outputs, mean [C], variance [C]) of a `FUSED_DTYPES` [B, H, W, C] batch in one FusedBatchNormV3:
        y = gamma (x - mean) / sqrt(variance + epsilon) + beta with the batch's mean and biased variance over
        N, H, W, as `_batch_norm` computes it. The kernel returns the variance with Bessel's correction
        n / (n - 1) (n = N H W; none when n = 1), undone here."""
        channels = inputs.shape[-1]
        outputs, mean, unbiased_variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=self.gamma if self.scale else tf.ones([channels]),
            offset=self.beta if self.center else tf.zeros([channels]), mean=tf.zeros([0]), variance=tf.zeros([0]),
            epsilon=self.epsilon, is_training=True)
        count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), tf.float32)
        return outputs, mean, unbiased_variance * tf.maximum(count - 1.0, 1.0) / count

    def _moments(self, inputs, mask):
        """Moments [C] over N, H, W; when synchronised, over the global batch in two passes (the mean, then the mean
        squared deviation from it), as one device computes them. (Keras' synchronised moments use E[x^2] - E[x]^2,
        which loses float32 precision where the spread is small against the mean, as at the U-Net's 1 x 1
        bottleneck with a few images.)"""
        if not self.synchronized or mask is not None:
            return super()._moments(inputs, mask)
        x = tf.cast(inputs, tf.float32)
        axes = self._reduction_axes
        count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), axes)) * distribute.replicas(), tf.float32)
        mean = distribute.global_sum(tf.reduce_sum(x, axes)) / count
        variance = distribute.global_sum(tf.reduce_sum(tf.square(x - mean), axes)) / count
        return tf.cast(mean, inputs.dtype), tf.cast(variance, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "train_mode_inference": self.train_mode_inference}


class TrainModeDropout(layers.Dropout):
    """Dropout that can stay on at inference (the original's dec1 dropout, keep probability 0.5).

    Each call keeps an element where a stateless U[0, 1) draw, seeded by the layer's seed generator, is >= rate,
    and scales the kept ones by 1 / (1 - rate). The draw covers the global batch and each tf.distribute replica
    keeps its slice, so R replicas drop what one device drops on the whole batch.
    """

    def __init__(self, rate, train_mode_inference=True, **kwargs):
        super().__init__(rate, **kwargs)
        self.train_mode_inference = train_mode_inference

    def call(self, inputs, training=None):
        if not (training or self.train_mode_inference) or not self.rate:
            return inputs
        seed = self.seed_generator.next()
        draw = distribute.global_draw(lambda shape: tf.random.stateless_uniform(shape, seed),
                                      tf.unstack(tf.shape(inputs)))
        keep = draw >= self.rate
        return inputs * tf.cast(keep, inputs.dtype) / tf.cast(1.0 - self.rate, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "train_mode_inference": self.train_mode_inference}


def dropout_seeds(model):
    """The seed-generator states (int64 [2]) of `model`'s `TrainModeDropout` layers. A training checkpoint holds
    them (a Keras seed generator is not a TensorFlow checkpoint dependency of its layer), so a resumed run draws
    the masks an uninterrupted one would."""
    return [layer.seed_generator.state for layer in model.layers if isinstance(layer, TrainModeDropout) and layer.rate]


@contextlib.contextmanager
def dropout_seeds_kept(model):
    """Puts `model`'s dropout seed states back on exit: inference inside (the sample grids) leaves the training
    masks as they would have been without it."""
    seeds = dropout_seeds(model)
    kept = [tf.identity(seed) for seed in seeds]
    yield
    for seed, value in zip(seeds, kept):
        seed.assign(value)


def inference_twin(model):
    """A copy of the functional `model` (its architecture and current weights) whose `TrainModeBatchNorm` layers
    normalise with their moving averages and whose `TrainModeDropout` layers pass their input through at
    inference: deterministic, and each image gets the same answer in any batch (the serving export). `model`
    is left as it is."""
    config = model.get_config()
    for layer in config["layers"]:
        if "train_mode_inference" in layer["config"]:
            layer["config"]["train_mode_inference"] = False
    twin = keras.Model.from_config(config, custom_objects={"TrainModeBatchNorm": TrainModeBatchNorm,
                                                           "TrainModeDropout": TrainModeDropout})
    twin.set_weights(model.get_weights())
    return twin
