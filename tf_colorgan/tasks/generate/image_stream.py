"""Image generation's data stream: real images of a split, centre-cropped, resized (bilinear) to the networks'
size, made grayscale for the MNIST networks, and scaled to [0, 1] (the MNIST code kept them there) or [-1, 1];
batched and grouped by step.
"""

import numpy as np
import tensorflow as tf

from tf_colorgan.data import digits, grouping, sources


def tf1_resize_bilinear(image, size):
    """float32 [H, W, C] -> [size, size, C] as the original's TF1 `tf.image.resize_bilinear` (its defaults: no
    aligned corners, no half-pixel centres): output pixel i samples input position i * H / size. TF2's
    `tf.image.resize(..., "bilinear")` samples (i + 0.5) * H / size - 0.5, a sub-pixel shift of the whole image."""
    resized = tf.raw_ops.ResizeBilinear(images=image[tf.newaxis], size=[size, size], align_corners=False,
                                        half_pixel_centers=False)
    return resized[0]


def generation_images(split, part, size, channels, unit_range, central_crop=1.0, shuffle_seed=None, on_skip=None):
    """Real images for image generation: float32 [size, size, channels] in [0, 1] (`unit_range`) or [-1, 1].

    Photos: central crop of `central_crop` of each side, bilinear resize as TF1's (`tf1_resize_bilinear`),
    grayscale when `channels` is 1.
    """
    if split["source"] == "digits":
        pixels, _ = digits.load_grayscale(split["name"], split.get("data_dir"), part)
        dataset = tf.data.Dataset.from_tensor_slices(pixels[..., np.newaxis])
        if shuffle_seed is not None:
            dataset = dataset.shuffle(len(pixels), seed=shuffle_seed)
        dataset = dataset.map(sources.to_float_rgb)
    else:
        dataset = sources.images(split, part, shuffle_seed, on_skip)

    def prepare(rgb):
        rgb = tf.image.central_crop(rgb, central_crop) if central_crop < 1 else rgb
        image = tf1_resize_bilinear(rgb, size)
        image = tf.image.rgb_to_grayscale(image) if channels == 1 else image
        return image if unit_range else image * 2.0 - 1.0

    return dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)


def generation_batches(split, size, channels, unit_range, batch_size, batches_per_step, initial_step=0,
                       central_crop=1.0, seed=0, on_skip=None):
    """The infinite image-generation stream: element i stacks batches_per_step(initial_step + i) batches of
    real images, [k, B, size, size, channels] (see `generation_images` and `training_batches`)."""
    dataset = generation_images(split, "train", size, channels, unit_range, central_crop,
                                shuffle_seed=seed + initial_step, on_skip=on_skip).repeat()
    return grouping.group_by_step(dataset.batch(batch_size, drop_remainder=True), batches_per_step, initial_step)
