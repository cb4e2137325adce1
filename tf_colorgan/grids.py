"""Sample grids: images tiled into one picture (TensorBoard's image tab, samples/*.png, the report's figures)."""

import tensorflow as tf


def tile(images, columns):
    """uint8 images [n, H, W, C] -> one grid [rows * H, columns * W, C], row-major, black where n runs out."""
    n, height, width, channels = images.shape
    rows = -(-n // columns)
    images = tf.concat([images, tf.zeros([rows * columns - n, height, width, channels], images.dtype)], 0)
    grid = tf.reshape(images, [rows, columns, height, width, channels])
    return tf.reshape(tf.transpose(grid, [0, 2, 1, 3, 4]), [rows * height, columns * width, channels])
