"""GPU readiness, as far as a machine without a GPU can check it: every objective's training iteration compiled
by XLA (`--jit_compile`, the form GPUs run fastest) computes what the plain iteration computes, on the CPU."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import objectives
from tf_colorgan.config import make_config
from tf_colorgan.networks import train_mode
from tf_colorgan.training import trainer

STEPS = 2
OBJECTIVES = objectives.names()


def train(config, pairs, dropout=True):
    """({loss: [value at each of `STEPS` iterations]}, weights before, weights after, model) of `config`'s model
    trained from seed 0 on the same two photos `pairs` (L', ab') at every update (without the U-Net's dropout if
    not `dropout`)."""
    keras.utils.set_random_seed(0)  # the same initial weights and dropout seeds for both forms
    model = trainer.build_model(config)
    for layer in model.generator.layers if not dropout else ():
        if isinstance(layer, train_mode.TrainModeDropout):
            layer.rate = 0.0
    before = model.get_weights()
    batches = [tuple(tf.stack([x] * int(model.batches_per_step(tf.constant(step, tf.int64)))) for x in pairs)
               for step in range(STEPS)]
    stream = tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=tuple(
        tf.TensorSpec([None, *x.shape], x.dtype) for x in pairs))
    history = model.fit(stream, epochs=STEPS, steps_per_epoch=1, verbose=0, shuffle=False)  # an epoch per step
    return history.history, before, model.get_weights(), model


def warm_up(gan):
    """WGAN: 2 critic updates in its warm-up, not 100."""
    return {"n_critic_warmup": 2} if gan == "wgan" else {}


@pytest.mark.slow
@pytest.mark.parametrize("gan", OBJECTIVES)
def test_the_xla_compiled_iteration_trains_as_the_plain_one(gan, sample_pairs):
    config = make_config(width=8, gan=gan, **warm_up(gan))
    # Without dropout: TensorFlow's stateless draws give other numbers inside an XLA cluster than outside it for
    # the same seed (tf.random.stateless_uniform, even with alg="philox", measured on the CPU), so the two forms
    # drop other units; WGAN-GP's interpolation weights differ the same way, so of its losses only those of the
    # generator's first step, before any D update reaches it, are compared.
    plain_losses, plain_start, plain, model = train(config, sample_pairs, dropout=False)
    xla_config = make_config(width=8, gan=gan, jit_compile=True, **warm_up(gan))
    xla_losses, xla_start, xla, _ = train(xla_config, sample_pairs, dropout=False)
    assert all(np.array_equal(a, b) for a, b in zip(plain_start, xla_start))
    # The same weights and photos: the losses differ only by the order of float32 sums (XLA's own convolutions
    # and fusions against oneDNN's). A sum of n terms in another order moves by about sqrt(n) * 2^-24 relative
    # (n = 2 x 256 x 256 x 2 = 262,144 for the L1 and L2 terms: ~3e-5); the second step's losses also carry the
    # first step's weight differences (below).
    assert set(plain_losses) == set(xla_losses)
    for name, values in plain_losses.items():
        if gan == "wgan_gp" and name not in ("g_l1", "g_l2"):
            continue  # its D update follows the interpolation weights, and G's adversarial term that update
        steps = 1 if gan == "wgan_gp" else STEPS  # its second G step follows the first D update
        np.testing.assert_allclose(xla_losses[name][:steps], values[:steps], rtol=1e-4, atol=1e-6, err_msg=name)
    # Each update moves a weight by at most sqrt(10) * lr: Adam's m / sqrt(v) is bounded by (1 - beta1) /
    # sqrt(1 - beta2) = sqrt(10) for both its settings here (0.9, 0.999; WGAN-GP's 0, 0.9; Kingma & Ba, 2.1), and
    # RMSProp's from a mean square of 1 by g / sqrt(0.9 + 0.1 g^2) <= sqrt(10). So the two forms' weights differ
    # by at most twice that per update of their network: where rounding flips a near-zero gradient, or (WGAN-GP's
    # critic) where the interpolation weights differ.
    updates = max(STEPS * model.generator_steps,
                  sum(int(model.discriminator_steps(tf.constant(step, tf.int64))) for step in range(STEPS)))
    bound = 2 * updates * math.sqrt(10) * config.lr
    differences = np.concatenate([np.abs(a - b).ravel() for a, b in zip(plain, xla)])
    assert differences.max() <= bound


@pytest.mark.parametrize("gan", OBJECTIVES)
def test_every_objective_trains_under_mixed_float16_with_a_behaving_loss_scale(gan, sample_pairs):
    config = make_config(width=8, gan=gan, precision="mixed_float16", **warm_up(gan))
    losses, _, weights, model = train(config, sample_pairs)
    assert all(np.isfinite(values).all() for values in losses.values()), losses
    floats = [w for w in weights if w.dtype.kind == "f"]  # the others: the dropout seeds (int64)
    assert floats and all(w.dtype == np.float32 and np.isfinite(w).all() for w in floats)
    state = [v for o in (model.d_optimizer, model.g_optimizer) for v in o.inner_optimizer.variables if len(v.shape)]
    assert state and {v.dtype for v in state} == {"float32"}  # the optimizers' slots
    assert model.generator.get_layer("g_enc2").compute_dtype == "float16"
    assert model.generator(sample_pairs[0]).dtype == "float32"
    output = model.discriminate(*sample_pairs)
    assert (output[0] if model.autoencoder_discriminator else output).dtype == "float32"  # EBGAN: (energy, ...)
    updates = {"d": sum(int(model.discriminator_steps(tf.constant(step, tf.int64))) for step in range(STEPS)),
               "g": STEPS * model.generator_steps}
    for name, optimizer in (("d", model.d_optimizer), ("g", model.g_optimizer)):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        # Keras starts the scale at 2^15 and halves it for each update whose scaled gradients overflow, skipping
        # that update; so every update was applied or skipped, and the scale says how many were skipped
        skipped = math.log2(2.0**15 / float(optimizer.dynamic_scale))
        assert skipped == int(skipped) >= 0
        assert int(optimizer.inner_optimizer.iterations) + int(skipped) == updates[name], name
