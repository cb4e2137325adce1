"""SavedModel export of an image generator: signature `serving_default`, input `z` float32 [N, z_dim], output
`images` uint8 [N, H, W, C]; loadable with plain `tf.saved_model.load` in a process that never imports
tf_colorgan. Each weight is stored once (no `ExportArchive.track(generator)`, see `tasks.colorize.export`).
"""

import keras
import tensorflow as tf

from tf_colorgan import color


def export_image_generator(generator, z_dim, unit_range, path):
    """Writes the serving SavedModel of an image generator: `z` float32 [N, z_dim] -> `images` uint8, with the
    generator's output range ([0, 1] if `unit_range`, else [-1, 1]) mapped to [0, 255]."""
    archive = keras.export.ExportArchive()  # no track(generator): see the module docstring
    archive.add_endpoint(
        "serving_default",
        lambda z: {"images": color.to_uint8(generator(z, training=False), unit_range)},
        input_signature=[tf.TensorSpec([None, z_dim], tf.float32, name="z")],
    )
    archive.write_out(str(path), verbose=False)
