"""What image generation's G maps and D judges: z [B, z_dim] to images, D judging images alone.

`Generation` is the problem of the adversarial model (`tf_colorgan.objectives.base.AdversarialModel.problem`); each
discriminator update draws a batch of real images, and the generator updates reuse the last one's batch size.
"""

import tensorflow as tf

from tf_colorgan import distribute


def sample_z(distribution, shape, seed):
    """z of `shape` from U(-1, 1) ("uniform"), N(0, 1) ("normal") or N(-1, 1) ("normal_m1", what the original's
    `np.random.normal(-1.0, 1.0)` drew), with a stateless `seed` (int32 or int64 tensor [2])."""
    if distribution == "uniform":
        return tf.random.stateless_uniform(shape, seed, -1.0, 1.0)
    return tf.random.stateless_normal(shape, seed, mean=-1.0 if distribution == "normal_m1" else 0.0)


class Generation:
    """G: z -> images; D judges images alone.

    z is drawn statelessly from (seed, step, update), so a resumed run draws what an uninterrupted one would; on
    several replicas each takes its slice of the global batch's z (`distribute.global_draw`).

    Args:
        z_dim: length of z.
        z_discriminator: distribution of z for discriminator updates (see `sample_z`).
        z_generator: distribution of z for generator updates (with `shared_z`, only of the sample grids).
        shared_z: the generator updates reuse the first discriminator update's z (MLP GAN, DCGAN, EBGAN).
        seed: base seed.
        least_squares_scores: what a least-squares objective squares by the original code: "batch_mean" (the batch
            mean of D's conv features, the LSUN networks) or "logits".
    """

    extra_generator_batch = False
    term_names = ()

    def __init__(self, z_dim, z_discriminator="uniform", z_generator="uniform", shared_z=False, seed=0,
                 least_squares_scores="logits"):
        self.z_dim, self.shared_z, self.seed = z_dim, shared_z, seed
        self.least_squares_scores = least_squares_scores
        self.distributions = {"discriminator": z_discriminator, "generator": z_generator}

    def inputs(self, batch, phase, step, index):
        """(z [B, z_dim], no condition, real images) for update `index` of `phase` at `step`."""
        (images,) = batch
        index = tf.cast(index, tf.int32)
        distribution = self.distributions[phase]
        if self.shared_z and phase == "generator":  # the first discriminator update's z, exactly
            distribution, stream = self.distributions["discriminator"], tf.constant(0)
        elif phase == "generator":
            stream = tf.constant(1)
        elif self.shared_z:
            stream = tf.where(index == 0, 0, index + 2)
        else:
            stream = index + 2
        seed = tf.stack([tf.cast(step, tf.int64) + self.seed * 1_000_003, tf.cast(stream, tf.int64)])
        z = distribute.global_draw(lambda shape: sample_z(distribution, shape, seed), [tf.shape(images)[0], self.z_dim])
        return z, None, images

    def discriminator_input(self, condition, x):
        return x

    def reconstruction_terms(self, real, fake):
        return {}

    def reconstruction_loss(self, terms):
        return 0.0
