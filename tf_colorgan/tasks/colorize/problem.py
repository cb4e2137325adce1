"""What colorization's G maps and D judges, and the reconstruction terms of its generator loss.

`Colorization` is the problem of the adversarial model (`tf_colorgan.objectives.base.AdversarialModel.problem`):
a batch (L' [B, S, S, 1], ab' [B, S, S, 2], both in [-1, 1]) gives G's input L', D's condition L' and the real ab';
the generator loss adds `l1 * L1 + l2 * L2` (the original let L2 overwrite L1; both add here).
"""

import tensorflow as tf

from tf_colorgan import distribute
from tf_colorgan.objectives.base import f32


def l1_loss(target, prediction):
    """`mean(|target - prediction|)` over every element (the original and pix2pix)."""
    return tf.reduce_mean(tf.abs(f32(target) - f32(prediction)))


def l2_loss(target, prediction, textbook=False):
    """Squared error.

    Formula:
    ```
    original: 0.5 sum((target - prediction)^2) over the whole (global) batch (tf.nn.l2_loss, C3: 262,144 x MSE
              at B=4)
    textbook: mean((target - prediction)^2)
    ```
    """
    diff = f32(target) - f32(prediction)
    if textbook:
        return tf.reduce_mean(tf.square(diff))
    return 0.5 * distribute.global_sum(tf.reduce_sum(tf.square(diff)))


class Colorization:
    """G: L' -> ab'; D judges (L', ab'); the generator loss adds `l1 * L1 + l2 * L2`.

    Args:
        l1: weight of `l1_loss`.
        l2: weight of `l2_loss`.
        l2_textbook: mean squared error instead of the original's half sum.
    """

    extra_generator_batch = True
    term_names = ("g_l1", "g_l2")
    least_squares_scores = "sigmoid"  # LSGAN squared sigmoid(logits) in the colorization code (C6)

    def __init__(self, l1=100.0, l2=0.0, l2_textbook=False):
        self.l1, self.l2, self.l2_textbook = l1, l2, l2_textbook

    def inputs(self, batch, phase, step, index):
        """(generator input, condition, real) of a batch (L', ab')."""
        l_channel, ab = batch
        return l_channel, l_channel, ab

    def discriminator_input(self, condition, x):
        return [condition, x]

    def reconstruction_terms(self, real, fake):
        return {"g_l1": l1_loss(real, fake), "g_l2": l2_loss(real, fake, textbook=self.l2_textbook)}

    def reconstruction_loss(self, terms):
        return self.l1 * terms["g_l1"] + self.l2 * terms["g_l2"]
