"""Every objective against hand-computed values on the fixed logits of TF-GAN's loss tests."""

import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan.objectives import ebgan, gan, lsgan, wgan, wgan_gp
from tf_colorgan.tasks.colorize import problem

REAL = tf.constant([-5.0, 1.4, 12.5, 2.7])
FAKE = tf.constant([10.0, 4.4, -5.5, 3.6])

# (loss, arguments, expected): values computed by hand (numpy, float64) from the formulas in the docstrings.
CASES = [
    (gan.discriminator_loss, (REAL, FAKE), {}, 5.833865892),  # 1 - s(10) as s(-10): no float32 cancellation
    (gan.discriminator_loss, (REAL, FAKE), {"textbook": True}, 5.833865892),
    (gan.generator_loss, (FAKE,), {}, 1.385820880),
    (gan.generator_loss, (FAKE,), {"textbook": True}, 1.385820880),
    (lsgan.discriminator_loss, (REAL, FAKE), {"sigmoid": True}, 0.494135671),
    (lsgan.discriminator_loss, (REAL, FAKE), {}, 41.73375),
    # batch means 2.9 and 3.125: 0.5 (2.9 - 1)^2 + 0.5 3.125^2
    (lsgan.discriminator_loss, (REAL, FAKE), {"batch_mean": True}, 6.6878125),
    (lsgan.generator_loss, (FAKE,), {"sigmoid": True}, 0.124091349),
    (lsgan.generator_loss, (FAKE,), {}, 17.69625),
    (lsgan.generator_loss, (FAKE,), {"batch_mean": True}, 2.2578125),  # 0.5 (3.125 - 1)^2
    (wgan.discriminator_loss, (REAL, FAKE), {}, -0.325),  # mean(lrelu(r)) - mean(lrelu(f))
    (wgan.discriminator_loss, (REAL, FAKE), {"textbook": True}, 0.225),
    (wgan.generator_loss, (FAKE,), {}, 4.225),
    (wgan.generator_loss, (FAKE,), {"textbook": True}, -3.125),
]


@pytest.mark.parametrize("loss_fn, args, kwargs, expected", CASES)
def test_hand_computed_value(loss_fn, args, kwargs, expected):
    assert float(loss_fn(*args, **kwargs)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("loss_fn, args, kwargs, expected", CASES)
def test_patch_maps_give_the_same_value(loss_fn, args, kwargs, expected):
    """PatchGAN outputs [B, H, W, 1]: a reshape must not change the mean-based losses."""
    patched = [tf.reshape(x, [2, 2, 1, 1]) for x in args]
    assert float(loss_fn(*patched, **kwargs)) == pytest.approx(expected, rel=1e-5)


def test_gan_losses_are_small_when_the_discriminator_is_right():
    confident_real, confident_fake = tf.fill([4], 20.0), tf.fill([4], -20.0)
    assert float(gan.discriminator_loss(confident_real, confident_fake)) < 1e-6
    assert float(lsgan.discriminator_loss(tf.fill([4], 1.0), tf.zeros([4]))) == 0.0


def test_original_gan_loss_saturates_at_log_epsilon_where_textbook_keeps_growing():
    fake = tf.constant([-100.0])
    assert float(gan.generator_loss(fake)) == pytest.approx(-np.log(1e-12), rel=1e-4)  # 27.63
    assert float(gan.generator_loss(fake, epsilon=0.0)) == np.inf  # the MLP GAN had no epsilon
    assert float(gan.generator_loss(fake, textbook=True)) == pytest.approx(100.0, rel=1e-5)


def test_losses_are_float32_for_bfloat16_inputs():
    value = lsgan.generator_loss(tf.cast(FAKE, tf.bfloat16))
    assert value.dtype == tf.float32
    assert float(value) == pytest.approx(17.69625, rel=1e-2)


def test_l1_and_l2_terms():
    target = tf.constant([[1.0, -1.0], [0.5, 0.0]])
    prediction = tf.constant([[0.0, -1.0], [0.0, 2.0]])
    # differences 1, 0, 0.5, -2: |d| = 3.5 over 4 elements; d^2 = 1 + 0.25 + 4 = 5.25.
    assert float(problem.l1_loss(target, prediction)) == pytest.approx(0.875)
    assert float(problem.l2_loss(target, prediction)) == pytest.approx(2.625)  # 0.5 * sum, tf.nn.l2_loss
    assert float(problem.l2_loss(target, prediction, textbook=True)) == pytest.approx(1.3125)  # mean


def test_original_l2_is_262144_mse_at_batch_4_and_256_pixels():
    """C3 of docs/original-code.md: 0.5 * sum over 4 x 256 x 256 x 2 elements = 262,144 x MSE."""
    target = tf.zeros([4, 256, 256, 2])
    prediction = tf.fill([4, 256, 256, 2], 0.1)
    ratio = problem.l2_loss(target, prediction) / problem.l2_loss(target, prediction, textbook=True)
    assert float(ratio) == pytest.approx(262144.0, rel=1e-4)


def test_ebgan_energy_batch_level_and_per_sample():
    target = tf.zeros([2, 2, 2, 1])
    reconstruction = tf.reshape(tf.constant([3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]), [2, 2, 2, 1])
    # Frobenius norm of the whole batch: sqrt(9 + 16 + 4) = sqrt(29), divided by B = 2.
    assert float(ebgan.energy(reconstruction, target)) == pytest.approx(np.sqrt(29.0) / 2)
    per_sample = ebgan.energy(reconstruction, target, textbook=True)
    np.testing.assert_allclose(per_sample.numpy(), [25.0 / 4, 4.0 / 4])


def test_ebgan_losses_with_and_without_hinge():
    real, fake = tf.constant(10.0), tf.constant(95.0)
    assert float(ebgan.discriminator_loss(real, fake, margin=80.0)) == pytest.approx(10.0)  # hinge at 0
    assert float(ebgan.discriminator_loss(real, fake, margin=80.0, hinge=False)) == pytest.approx(-5.0)
    per_sample = ebgan.discriminator_loss(tf.constant([1.0, 3.0]), tf.constant([70.0, 90.0]), margin=80.0)
    assert float(per_sample) == pytest.approx(2.0 + 5.0)  # mean(real) + mean(max(0, 80 - fake)) = 2 + (10 + 0)/2
    assert float(ebgan.generator_loss(tf.constant([70.0, 90.0]))) == pytest.approx(80.0)


def test_gradient_penalty_of_a_linear_critic_is_exact_whatever_the_interpolation():
    """C(x) = 2 sum(x) has gradient 2 everywhere: on 1 x 4 inputs the norm is 4, the penalty (4 - 1)^2 = 9."""
    real = tf.random.normal([3, 4], seed=1)
    fake = tf.random.normal([3, 4], seed=2)
    penalty = wgan_gp.gradient_penalty(lambda x: 2.0 * tf.reduce_sum(x, axis=1), real, fake, seed=[1, 2])
    assert float(penalty) == pytest.approx(9.0, rel=1e-6)


def test_gradient_penalty_of_a_linear_patch_critic_penalises_the_patch_mean():
    """A critic with a map of 3 patches scoring 1, 2 and 3 times sum(x): the per-sample score (the map's mean, what
    the Wasserstein losses average) is 2 sum(x), slope 2 on each of the 4 inputs, norm 4, penalty (4 - 1)^2 = 9.
    (The gradient of the map's sum would have slope 6, norm 12 and penalty 121.)"""
    real = tf.random.normal([3, 2, 2, 1], seed=1)
    fake = tf.random.normal([3, 2, 2, 1], seed=2)

    def critic(x):
        total = tf.reduce_sum(x, axis=[1, 2, 3])
        return tf.stack([total, 2.0 * total, 3.0 * total], axis=1)[:, :, tf.newaxis, tf.newaxis]  # [B, 3, 1, 1]

    assert float(wgan_gp.gradient_penalty(critic, real, fake, seed=[1, 2])) == pytest.approx(9.0, rel=1e-6)


def test_gradient_penalty_interpolates_per_sample_with_uniform_weights():
    """A critic C(x) = sum(x^2) / 2 has gradient x_hat, so the slope reveals each sample's own weight e."""
    real, fake = tf.ones([256, 1]), tf.zeros([256, 1])
    recorded = []

    def critic(x):
        recorded.append(x)
        return tf.reduce_sum(tf.square(x), axis=1) / 2.0

    wgan_gp.gradient_penalty(critic, real, fake, seed=tf.constant([3, 4]))
    weights = recorded[0].numpy().ravel()  # x_hat = e * 1 + (1 - e) * 0 = e
    assert weights.min() >= 0.0 and weights.max() <= 1.0
    assert len(np.unique(weights)) > 200  # one weight per sample, not one per batch
    assert abs(weights.mean() - 0.5) < 0.06  # U(0, 1), not N(0, 1)


def test_gradient_penalty_is_finite_for_a_flat_critic():
    penalty = wgan_gp.gradient_penalty(lambda x: tf.zeros([tf.shape(x)[0]]), tf.ones([2, 3]), tf.zeros([2, 3]), [1, 2])
    assert float(penalty) == pytest.approx(1.0, rel=1e-4)  # slope sqrt(0 + eps) ~ 0


def test_pullaway_term_of_the_paper():
    """Codes (1, 0), (0, 1), (1, 1)/sqrt(2) -> cosines 0, 1/sqrt2, 1/sqrt2: PT = 2 (0 + 1/2 + 1/2) / (3 * 2)."""
    codes = tf.constant([[1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    assert float(ebgan.pullaway_term(codes)) == pytest.approx(1.0 / 3.0, rel=1e-6)
    assert float(ebgan.pullaway_term(tf.constant([[1.0, 2.0], [2.0, 4.0]]))) == pytest.approx(1.0, rel=1e-6)
    assert float(ebgan.pullaway_term(tf.reshape(codes, [3, 1, 1, 2]))) == pytest.approx(1.0 / 3.0, rel=1e-6)


def test_pullaway_term_as_the_original_coded_it():
    """[N, H, W, C] = [2, 2, 1, 1]: normalised over H, each (sample, row) Gram matrix is 1 x 1 and holds
    x_h^2 / (x_0^2 + x_1^2); they sum to 1 per sample, so PT = (2 - 2) / 2 = 0 whatever the codes."""
    codes = tf.constant([3.0, 4.0, 1.0, 7.0])
    assert float(ebgan.pullaway_term(tf.reshape(codes, [2, 2, 1, 1]), textbook=False)) == pytest.approx(0.0, abs=1e-6)
    # W = 2, C = 1: the Gram matrix of each row [a, b] normalised over H adds the cross terms 2 a b.
    codes = tf.constant([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [0.0]], [[0.0], [1.0]]]])  # [2, 2, 2, 1]
    # sample 0: rows (1, 1) and (0, 0) -> sum of Gram entries 4; sample 1: (1, 0), (0, 1) -> 2. (6 - 2) / 2 = 2.
    assert float(ebgan.pullaway_term(codes, textbook=False)) == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize("fake_logit", [30.0, 16.0, -5.0])
def test_gan_discriminator_loss_stays_finite_and_exact_in_a_graph_for_a_confident_discriminator(fake_logit):
    """log(1 - s(x) + 1e-12) for x = 30: traced, TF's optimizer once regrouped it to log((1 + 1e-12) - s(x)) =
    log(0) = inf. Traced and eager agree, and both equal the formula in float64 to 2e-4: TF's float32 sigmoid is a
    rational approximation, about 0.1% off on outputs near 1e-13, which moves log(s + 1e-12) by up to ~1e-4."""
    real, fake = tf.constant([[5.0]]), tf.constant([[fake_logit]])
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    expected = -(np.log(sigmoid(5.0) + 1e-12) + np.log(1.0 - sigmoid(np.float64(fake_logit)) + 1e-12))
    eager, traced = (float(loss(real, fake)) for loss in (gan.discriminator_loss,
                                                          tf.function(gan.discriminator_loss)))
    assert traced == pytest.approx(eager, rel=1e-6) and eager == pytest.approx(expected, abs=2e-4)

    @tf.function
    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = gan.discriminator_loss(real, x)
        return tape.gradient(value, x)

    assert np.isfinite(gradient(fake).numpy()).all()
