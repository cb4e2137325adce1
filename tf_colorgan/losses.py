"""Every objective of the study, as pure functions of tensors.

Contract: discriminator losses are named `<objective>_discriminator_loss(real, fake)` and generator losses
`<objective>_generator_loss(fake)`, where `real` and `fake` are the discriminator's outputs for real and generated
data; outputs of any shape are accepted (a PatchGAN map [B, 30, 30, 1], a vector [B], a scalar) and every loss
is a float32 scalar. Keyword arguments select the original code's forms (docs/original-code.md 2.5 and 1.1-1.5) where it
made an odd but deliberate choice; `textbook=True` (or the defaults, for the least-squares losses) gives the
textbook form.

Papers: GAN https://arxiv.org/abs/1406.2661, LSGAN https://arxiv.org/abs/1611.04076,
EBGAN https://arxiv.org/abs/1609.03126, WGAN https://arxiv.org/abs/1701.07875,
WGAN-GP https://arxiv.org/abs/1704.00028, pix2pix https://arxiv.org/abs/1611.07004.
"""

import tensorflow as tf

from tf_colorgan import distribute

EPSILON = 1e-12  # Inside the original's logs.
LEAK = 0.2


def _f32(x):
    return tf.cast(x, tf.float32)


# Original GAN (Goodfellow et al.), non-saturating generator loss.
def gan_discriminator_loss(real, fake, textbook=False, epsilon=EPSILON):
    """Binary cross-entropy of the discriminator.

    Formula:
    ```
    original: mean(-[log(s(real) + eps) + log(1 - s(fake) + eps)]),  s = sigmoid, eps = 1e-12 (MLP GAN: 0)
    textbook: mean(BCE_with_logits(real, 1)) + mean(BCE_with_logits(fake, 0))
    ```
    The two agree (up to eps) unless the logits saturate.

    Args:
        real: logits of D for real data, any shape, in (-inf, inf).
        fake: logits of D for generated data.
        textbook: use the numerically stable logits form.
        epsilon: eps inside the original's logs.
    """
    real, fake = _f32(real), _f32(fake)
    if textbook:
        return tf.reduce_mean(tf.nn.softplus(-real)) + tf.reduce_mean(tf.nn.softplus(fake))
    # 1 - s(fake) as s(-fake), which is exact where s(fake) rounds to 1: written as (1 - s) + eps, TensorFlow's graph
    # optimizer regroups the sum to (1 + eps) - s, which is 0 in float32 for logits above ~17 (log(0): an infinite
    # loss and NaN weights, met at step 537 of a colorization run)
    return tf.reduce_mean(-(tf.math.log(tf.sigmoid(real) + epsilon) + tf.math.log(tf.sigmoid(-fake) + epsilon)))


def gan_generator_loss(fake, textbook=False, epsilon=EPSILON):
    """Non-saturating generator loss (the report writes log(1 - D(G)); the code used this, C7).

    Formula:
    ```
    original: mean(-log(s(fake) + eps));  textbook: mean(BCE_with_logits(fake, 1)) = mean(softplus(-fake))
    ```
    """
    fake = _f32(fake)
    if textbook:
        return tf.reduce_mean(tf.nn.softplus(-fake))
    return tf.reduce_mean(-tf.math.log(tf.sigmoid(fake) + epsilon))


# Least squares GAN (Mao et al.), a = 0, b = c = 1.
def _least_squares_scores(x, sigmoid, batch_mean):
    x = _f32(x)
    if sigmoid:
        x = tf.sigmoid(x)
    return tf.reduce_mean(x) if batch_mean else x


def least_squares_discriminator_loss(real, fake, sigmoid=False, batch_mean=False):
    """Least-squares discriminator loss.

    Formula:
    ```
    0.5 mean((D(real) - 1)^2) + 0.5 mean(D(fake)^2)
    ```
    D is the logits (textbook), sigmoid(logits) (`sigmoid`, the colorization code, C6), or the batch mean of
    the discriminator's outputs (`batch_mean`, the LSUN code, which squared the mean of its conv features, G4).
    """
    real = _least_squares_scores(real, sigmoid, batch_mean)
    fake = _least_squares_scores(fake, sigmoid, batch_mean)
    return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))


def least_squares_generator_loss(fake, sigmoid=False, batch_mean=False):
    """Least-squares generator loss: `0.5 mean((D(fake) - 1)^2)`, D as in the discriminator loss."""
    return 0.5 * tf.reduce_mean(tf.square(_least_squares_scores(fake, sigmoid, batch_mean) - 1.0))


# Wasserstein GAN (Arjovsky et al.).
def wasserstein_discriminator_loss(real, fake, textbook=False):
    """Critic loss.

    Formula:
    ```
    original: mean(C(real)) - mean(C(fake)),  C = lrelu_0.2(logits)   (the critic pushes fakes up)
    textbook: mean(C(fake)) - mean(C(real)),  C = logits
    ```
    The original's signs are mirrored but consistent with its generator loss.
    """
    real, fake = _f32(real), _f32(fake)
    if textbook:
        return tf.reduce_mean(fake) - tf.reduce_mean(real)
    return tf.reduce_mean(tf.nn.leaky_relu(real, LEAK)) - tf.reduce_mean(tf.nn.leaky_relu(fake, LEAK))


def wasserstein_generator_loss(fake, textbook=False):
    """Generator loss: `mean(lrelu(fake))` (original) or `-mean(fake)` (textbook)."""
    fake = _f32(fake)
    if textbook:
        return -tf.reduce_mean(fake)
    return tf.reduce_mean(tf.nn.leaky_relu(fake, LEAK))


def gradient_penalty(critic, real, fake, seed, epsilon=1e-10):
    """WGAN-GP gradient penalty (Gulrajani et al.), one interpolation weight per sample.

    Formula:
    ```
    x_hat = e real + (1 - e) fake,  e ~ U(0, 1) of shape [B, 1, ..., 1]
    C(x_hat)_i = mean of sample i's critic outputs (the patch mean of a PatchGAN's 30 x 30 map)
    penalty = mean_B((sqrt(sum_{non-batch axes} (dC(x_hat)_i/dx_hat_i)^2 + epsilon) - 1)^2)
    ```
    The penalised value is the per-sample score that the Wasserstein losses average (mean over the map), so the
    critic is held near slope 1 in the units of its loss; penalising the gradient of the map's sum would hold the
    mean near slope 1/900 on the 30 x 30 map. The epsilon keeps the gradient of the norm finite where the slope is 0.

    Args:
        critic: a function x -> critic output, [B] or [B, ...] (a map, averaged per sample).
        real: float tensor [B, ...] of real inputs.
        fake: float tensor [B, ...] of generated inputs, same shape.
        seed: stateless seed (int [2]) of e. On several tf.distribute replicas e is drawn for the global batch
            and each replica keeps its slice (`distribute.global_draw`), so R replicas interpolate as one device.

    Returns:
        The float32 scalar penalty (not yet multiplied by its weight, 10 in the paper).
    """
    real, fake = _f32(real), _f32(fake)
    shape = [tf.shape(real)[0]] + [1] * (real.shape.rank - 1)
    e = distribute.global_draw(lambda global_shape: tf.random.stateless_uniform(global_shape, seed), shape)
    x_hat = e * real + (1.0 - e) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = _f32(critic(x_hat))
        score = tf.reduce_sum(tf.reduce_mean(scores, axis=tf.range(1, tf.rank(scores))))  # sum of per-sample means
    gradients = tape.gradient(score, x_hat, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    axes = tf.range(1, tf.rank(gradients))
    slopes = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + epsilon)
    return tf.reduce_mean(tf.square(slopes - 1.0))


# Energy-based GAN (Zhao et al.): D is an auto-encoder, its energy is the reconstruction error.
def ebgan_energy(reconstruction, target, textbook=False):
    """Energy of a batch under the auto-encoder discriminator.

    Formula:
    ```
    original: ||reconstruction - target||_F / B     (one scalar for the whole (global) batch, C5)
    textbook: mean over H, W, C of (reconstruction - target)^2, one value per sample, shape [B]
    ```

    Args:
        reconstruction: float [B, H, W, C], the auto-encoder's output.
        target: float [B, H, W, C], its input.
    """
    diff = _f32(reconstruction) - _f32(target)
    if textbook:
        return tf.reduce_mean(tf.square(diff), axis=tf.range(1, tf.rank(diff)))
    batch = tf.cast(tf.shape(diff)[0] * distribute.replicas(), tf.float32)
    return tf.sqrt(distribute.global_sum(tf.reduce_sum(tf.square(diff)))) / batch


def ebgan_discriminator_loss(real, fake, margin=80.0, hinge=True):
    """EBGAN discriminator loss on energies.

    Formula:
    ```
    hinge (the code's final form):  mean(E_real) + mean(max(0, m - E_fake))
    no hinge (the report's runs):   m - mean(E_fake) + mean(E_real)
    ```

    Args:
        real: energies of real data (a scalar or [B]).
        fake: energies of generated data.
        margin: m, 80 in the colorization code.
        hinge: apply max(0, .) to the fake term.
    """
    real, fake = _f32(real), _f32(fake)
    fake_term = margin - fake
    if hinge:
        fake_term = tf.maximum(0.0, fake_term)
    return tf.reduce_mean(real) + tf.reduce_mean(fake_term)


def ebgan_generator_loss(fake):
    """EBGAN generator loss: the mean energy of generated data, `mean(E_fake)`."""
    return tf.reduce_mean(_f32(fake))


def pullaway_term(embedding, textbook=True):
    """EBGAN's pull-away term on the discriminator's codes of a generated batch.

    Formula:
    ```
    paper (textbook): S = rows of the flattened codes [N, d] / their norms;
                      PT = sum_{i != j} (S_i . S_j)^2 / (N (N - 1))
    original code:    codes [N, H, W, C] normalised along H only, Gram matrices over W per (sample, row)
                      (G = S S^T, [N, H, W, W]); PT = (sum(G) - N) / (N (N - 1)) (not squared, not between
                      samples, G5)
    ```

    Args:
        embedding: float [N, ...] codes ([N, H, W, C] for the original form), N >= 2.
        textbook: the paper's form.

    Returns:
        float32 scalar; the paper's form is in [0, 1].
    """
    embedding = _f32(embedding)
    n = tf.cast(tf.shape(embedding)[0], tf.float32)
    if textbook:
        rows = tf.math.l2_normalize(tf.reshape(embedding, [tf.shape(embedding)[0], -1]), axis=1)
        cosines = tf.matmul(rows, rows, transpose_b=True)
        return (tf.reduce_sum(tf.square(cosines)) - n) / (n * (n - 1.0))
    normalized = tf.math.l2_normalize(embedding, axis=1)
    return (tf.reduce_sum(tf.matmul(normalized, normalized, transpose_b=True)) - n) / (n * (n - 1.0))


# Reconstruction terms of the colorization generator.
def l1_loss(target, prediction):
    """`mean(|target - prediction|)` over every element (the original and pix2pix)."""
    return tf.reduce_mean(tf.abs(_f32(target) - _f32(prediction)))


def l2_loss(target, prediction, textbook=False):
    """Squared error.

    Formula:
    ```
    original: 0.5 sum((target - prediction)^2) over the whole (global) batch (tf.nn.l2_loss, C3: 262,144 x MSE
              at B=4)
    textbook: mean((target - prediction)^2)
    ```
    """
    diff = _f32(target) - _f32(prediction)
    if textbook:
        return tf.reduce_mean(tf.square(diff))
    return 0.5 * distribute.global_sum(tf.reduce_sum(tf.square(diff)))
