"""One training step of every objective on real photos: what it updates, and what it must leave alone (networks at
--width=8, 1/64 of the convolution work: the same layers and behaviour; real widths: test_networks, test_export)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import optimizers
from tf_colorgan.config import make_config
from tf_colorgan.data import sources
from tf_colorgan.tasks.colorize import lab_stream
from tf_colorgan.training import trainer


def snapshot(weights):
    return [w.numpy().copy() for w in weights]


def changed(before, weights):
    return [not np.array_equal(b, w.numpy()) for b, w in zip(before, weights)]


@pytest.mark.parametrize("gan", ["gan", "lsgan", "ebgan", "wgan", "wgan_gp"])
def test_each_update_changes_only_its_own_network(gan, sample_pairs):
    model = trainer.build_model(make_config(width=8, gan=gan, l2=1.0))
    generator, discriminator = model.generator.trainable_weights, model.discriminator.trainable_weights
    l_channel, ab = sample_pairs  # batch 2: at batch 1 BatchNorm over the 1 x 1 bottleneck zeroes its gradients

    g_before, d_before = snapshot(generator), snapshot(discriminator)
    d_loss = model.discriminator_update(l_channel, l_channel, ab)  # (generator input, condition, real)
    assert np.isfinite(float(d_loss))
    assert not any(changed(g_before, generator))
    assert sum(changed(d_before, discriminator)) >= len(discriminator) - 2  # a dead ReLU unit may get no gradient
    if gan == "wgan":
        assert max(float(tf.reduce_max(tf.abs(w))) for w in discriminator) <= 0.005 + 1e-9

    d_before = snapshot(discriminator)
    terms = model.generator_update(l_channel, l_channel, ab)
    assert set(terms) == {"g_loss", "g_adversarial", "g_l1", "g_l2"}
    expected = terms["g_adversarial"] + 100.0 * terms["g_l1"] + 1.0 * terms["g_l2"]  # L1 and L2 both count
    assert float(terms["g_loss"]) == pytest.approx(float(expected), rel=1e-5)
    assert all(changed(g_before, generator))
    assert not any(changed(d_before, discriminator))
    assert int(model.g_optimizer.iterations) == 1 and int(model.d_optimizer.iterations) == 1


def test_train_step_uses_the_first_batches_for_the_discriminator_and_the_last_for_the_generator(sample_pairs):
    model = trainer.build_model(make_config(width=8, gan="lsgan"))
    l_channel, ab = sample_pairs
    group = (tf.stack([l_channel[:1], l_channel[1:], l_channel[:1]]), tf.stack([ab[:1], ab[1:], ab[:1]]))
    history = model.fit(tf.data.Dataset.from_tensors(group), epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 2 and int(model.g_optimizer.iterations) == 1
    assert int(model.step) == 1
    assert set(history.history) == {"d_loss", "g_loss", "g_adversarial", "g_l1", "g_l2"}
    assert all(np.isfinite(values[0]) for values in history.history.values())


def test_wgan_critic_schedule_of_the_original():
    model = trainer.build_model(make_config(width=8, gan="wgan"))
    steps = tf.constant([0, 9, 10, 11, 499, 500, 501, 1000], tf.int64)
    np.testing.assert_array_equal(model.discriminator_steps(steps), [100, 100, 5, 5, 5, 100, 5, 100])
    np.testing.assert_array_equal(model.batches_per_step(steps), [101, 101, 6, 6, 6, 101, 6, 101])  # + G batch
    lsgan = trainer.build_model(make_config(width=8, gan="lsgan"))
    np.testing.assert_array_equal(lsgan.discriminator_steps(steps), [1] * 8)


def test_optimizers_per_objective_follow_the_report():
    wgan = trainer.build_model(make_config(width=8, gan="wgan"))
    assert isinstance(wgan.d_optimizer, optimizers.RMSprop)  # TF1's rule: the mean square starts at 1
    wgan.d_optimizer.build(wgan.discriminator.trainable_weights)
    assert all(float(tf.reduce_min(v)) == float(tf.reduce_max(v)) == 1.0 for v in wgan.d_optimizer._velocities)
    assert float(wgan.d_optimizer.learning_rate) == pytest.approx(5e-5)
    ebgan = trainer.build_model(make_config(width=8, gan="ebgan"))
    assert isinstance(ebgan.g_optimizer, optimizers.Adam)
    assert float(ebgan.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert ebgan.g_optimizer.beta_1 == 0.9
    gp = trainer.build_model(make_config(width=8, gan="wgan_gp"))
    assert (gp.d_optimizer.beta_1, gp.d_optimizer.beta_2) == (0.0, 0.9)
    assert gp.discriminator.non_trainable_weights == []  # no BatchNorm under the gradient penalty


@pytest.mark.parametrize("precision, compute_dtype", [
    pytest.param("mixed_bfloat16", "bfloat16", marks=pytest.mark.bfloat16), ("mixed_float16", "float16")])
def test_mixed_precision_keeps_variables_outputs_and_losses_float32(precision, compute_dtype, sample_pairs):
    model = trainer.build_model(make_config(width=8, gan="lsgan", precision=precision))
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    assert model.generator.get_layer("g_enc2").compute_dtype == compute_dtype
    assert all(w.dtype == "float32" for w in model.generator.weights + model.discriminator.weights)
    assert model.generator(sample_pairs[0][:1]).dtype == "float32"
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer) == (precision == "mixed_float16")
    terms = model.generator_update(sample_pairs[0], *sample_pairs)
    assert all(np.isfinite(float(value)) for value in terms.values())
    if precision == "mixed_bfloat16":
        assert int(model.g_optimizer.iterations) == 1
    else:  # the update is applied, or skipped for overflowing scaled gradients with the loss scale halved
        assert int(model.g_optimizer.iterations) == 1 or float(model.g_optimizer.dynamic_scale) == 2.0**14


@pytest.mark.parametrize("gan, precision", [
    *(pytest.param(gan, "mixed_bfloat16", marks=pytest.mark.bfloat16) for gan in ("gan", "ebgan", "wgan"))])
def test_every_objective_trains_a_full_iteration_in_each_precision_with_float32_state(gan, precision,
                                                                                     sample_pairs):
    """A whole `fit` iteration (WGAN: 5 critic updates + 1) without NaN; weights, optimizer state, outputs and
    losses float32; WGAN's clipping holds on the float32 weights. (LSGAN under both: the test
    above; every objective under mixed_float16: test_xla.)"""
    model = trainer.build_model(make_config(width=8, gan=gan, precision=precision))
    model.global_step.assign(11)  # WGAN past its warm-up: 5 critic updates
    k = int(model.batches_per_step(tf.constant(11, tf.int64)))
    group = tuple(tf.stack([x] * k) for x in sample_pairs)
    history = model.fit(tf.data.Dataset.from_tensors(group), epochs=1, verbose=0, shuffle=False)
    assert all(np.isfinite(values[0]) for values in history.history.values()), history.history
    assert int(model.step) == 12
    inner = [getattr(o, "inner_optimizer", o) for o in (model.d_optimizer, model.g_optimizer)]
    # float16 skips an update whose scaled gradients overflow and halves its loss scale (from 2^15), so every
    # critic update was applied or skipped: applied + skipped == k - 1
    skipped = (round(math.log2(2.0**15 / float(model.d_optimizer.dynamic_scale))) if precision == "mixed_float16"
               else 0)
    assert int(inner[0].iterations) + skipped == k - 1
    state = [v for o in inner for v in o.variables if len(v.shape)]
    assert state and {v.dtype for v in state + model.generator.weights + model.discriminator.weights} == {"float32"}
    assert model.generator(sample_pairs[0]).dtype == "float32"
    assert model.generator.get_layer("g_enc2").compute_dtype == precision.removeprefix("mixed_")
    output = model.discriminate(sample_pairs[0], sample_pairs[1])
    assert (output[0] if gan == "ebgan" else output).dtype == "float32"
    if gan == "wgan":
        assert max(float(tf.reduce_max(tf.abs(w))) for w in model.discriminator.trainable_weights) <= 0.005


def test_a_changing_critic_schedule_does_not_retrace_the_training_step():
    """WGAN's iterations stack 3 batches during the warm-up and 6 after it: one trace serves both."""
    model = trainer.build_model(make_config(width=8, gan="wgan", batch_size=2, warmup_steps=1, n_critic_warmup=2))
    traces = []
    step = model.train_step
    model.train_step = lambda batches: (traces.append(batches[0].shape), step(batches))[1]  # runs while tracing
    stream = lab_stream.training_batches(sources.make_split("sample", seed=0), 256, 2, model.batches_per_step)
    model.fit(stream, steps_per_epoch=3, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 2 + 5 + 5 and int(model.step) == 3
    assert traces == [tf.TensorShape([None, 2, 256, 256, 1])]
