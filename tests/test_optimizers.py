"""The fused optimizers follow TF1's update rules exactly, in and out of XLA, under loss scaling."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import optimizers

RNG = np.random.default_rng(0)
W0 = RNG.normal(size=(3, 4)).astype("float32")
GRADIENTS = [RNG.normal(size=(3, 4)).astype("float32") for _ in range(3)]


def test_adam_matches_keras_adam():
    keras_weight, fused_weight = keras.Variable(W0), keras.Variable(W0)
    keras_adam = keras.optimizers.Adam(0.01, beta_1=0.5, epsilon=1e-8)
    fused_adam = optimizers.Adam(0.01, beta_1=0.5, epsilon=1e-8)
    for gradient in GRADIENTS:
        keras_adam.apply([tf.constant(gradient)], [keras_weight])
        fused_adam.apply([tf.constant(gradient)], [fused_weight])
    assert not np.allclose(fused_weight.numpy(), W0)
    np.testing.assert_allclose(fused_weight.numpy(), keras_weight.numpy(), atol=1e-6)


def tf1_rmsprop(weight, gradients, lr, rho, epsilon, momentum=0.0):
    """TF1's ApplyRMSProp by hand, the mean square starting at 1."""
    mean_square, mom = np.ones_like(weight), np.zeros_like(weight)
    for gradient in gradients:
        mean_square = rho * mean_square + (1 - rho) * gradient**2
        mom = momentum * mom + lr * gradient / np.sqrt(mean_square + epsilon)
        weight = weight - mom
    return weight


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop_is_tf1s_with_the_mean_square_from_one(momentum):
    weight = keras.Variable(W0)
    optimizer = optimizers.RMSprop(0.01, rho=0.9, momentum=momentum, epsilon=1e-10)
    for gradient in GRADIENTS:
        optimizer.apply([tf.constant(gradient)], [weight])
    np.testing.assert_allclose(weight.numpy(), tf1_rmsprop(W0, GRADIENTS, 0.01, 0.9, 1e-10, momentum), atol=1e-6)
    keras_weight = keras.Variable(W0)  # Keras' own RMSprop starts the mean square at 0: larger first steps
    keras_optimizer = keras.optimizers.RMSprop(0.01, rho=0.9, momentum=momentum, epsilon=1e-10)
    for gradient in GRADIENTS:
        keras_optimizer.apply([tf.constant(gradient)], [keras_weight])
    assert np.abs(keras_weight.numpy() - W0).mean() > 2 * np.abs(weight.numpy() - W0).mean()


def test_fused_updates_compile_with_xla_and_under_loss_scaling():
    weight = keras.Variable(W0)
    optimizer = keras.optimizers.LossScaleOptimizer(optimizers.Adam(0.01))
    update = tf.function(lambda gradient: optimizer.apply([gradient * optimizer.scale_loss(1.0)], [weight]),
                         jit_compile=True)
    update(tf.constant(GRADIENTS[0]))
    expected, reference = keras.Variable(W0), keras.optimizers.Adam(0.01)
    reference.apply([tf.constant(GRADIENTS[0])], [expected])
    np.testing.assert_allclose(weight.numpy(), expected.numpy(), atol=1e-6)
    inner = optimizer.inner_optimizer
    assert [v.dtype for v in inner._momentums + inner._velocities] == ["float32", "float32"]
