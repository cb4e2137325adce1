"""SavedModel export of a trained colorizer, with all pre- and post-processing inside the graph.

Contract (`models/<run>/export/`): loadable with plain `tf.saved_model.load` in a process that never imports
tf_colorgan.
* signature `serving_default`: input `images` uint8 [N, H, W, 3] of any H and W (a grayscale photo
  as three equal channels); output `colorized` uint8 [N, H, W, 3]. Deterministic and batch-independent: BatchNorm
  on its moving averages, no dropout, each photo through the generator alone, so a photo gets the same answer,
  bit for bit, alone, in any batch and on every call (what a server must give, whatever batches it forms). The
  report's protocol (batch statistics, dropout on, C12) is `evaluation.trained_runs.colorizer`'s, from the run's
  checkpoint.
  Signature `encoded`: input `images` string [N], each an encoded photo (JPEG, PNG, BMP, GIF (its first frame),
  WebP); output `colorized` string [N], each a PNG at its input's own size, the same pixels `serving_default`
  gives for the decoded photo. Under TensorFlow Serving's REST API: `{"signature_name": "encoded", "instances":
  [{"b64": "..."}]}` in, `{"predictions": [{"b64": "..."}]}` out. A string that does not decode fails the request
  with the decoder's message.

`export_onnx` writes the colorizer as an ONNX model instead (`tf-colorgan export --format=onnx`): the same
computation with the colour maths as plain ops, one H x W per batch (tf2onnx cannot take the SavedModel's
per-photo loop with its XLA branch).

Each weight is stored once: the endpoint tracks the variables it uses, and `ExportArchive.track(generator)` is
not called, because with the TensorFlow backend it stores every weight a second time (keras-team/keras#23553:
twice the export on disk and in every server's memory).
"""

import keras
import tensorflow as tf

from tf_colorgan import color
from tf_colorgan.networks import train_mode

SIGNATURE = tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")


ENCODED_SIGNATURE = tf.TensorSpec([None], tf.string, name="images")


XLA_MIN_PIXELS = 1 << 20
"""Batches of at least this many pixels run the per-pixel colour maths under XLA, which fuses it into one pass
(a 12-megapixel photo: 0.75 -> 0.06 s in, 0.73 -> 0.37 s out, on 2 CPU cores) but compiles once per new image
size (~0.2 s); smaller batches run it op by op."""


def _per_pixel(function):
    """`function` under XLA for batches of at least `XLA_MIN_PIXELS` pixels, else as is (same values)."""
    compiled = tf.function(function, jit_compile=True)

    def run(images, *args):
        large = tf.reduce_prod(tf.shape(images, tf.int64)[:-1]) >= XLA_MIN_PIXELS  # N * H * W
        return tf.cond(large, lambda: compiled(images, *args), lambda: function(images, *args))

    return run


def _compose(lightness, ab):
    """L' [N, H, W, 1] and a small ab' [N, h, w, 2] -> uint8 sRGB [N, H, W, 3], ab' resized bilinearly."""
    ab = tf.image.resize(ab, tf.shape(lightness)[1:3], method="bilinear")
    return color.lab_to_uint8(lightness, ab)


def colorize(generator, images, size, per_pixel=_per_pixel):
    """Colorizes uint8 photos with a generator trained at `size`, keeping their full-resolution lightness.

    L' of the input at its resolution (`color.normalized_lightness_of_uint8`) -> AREA-resized to size x size ->
    generator (in inference mode: by default still batch statistics and dropout, as the original; the export serves
    its `train_mode.inference_twin`) ->
    ab' resized back to H x W (bilinear) -> Lab(L of the input, predicted ab) -> RGB, rounded to uint8.

    Args:
        generator: `keras.Model` L' [N, size, size, 1] -> ab' [N, size, size, 2].
        images: uint8 [N, H, W, 3].
        size: the generator's input size.
        per_pixel: how the per-pixel colour maths runs (`_per_pixel`: under XLA for large batches; the ONNX
            export runs it as plain ops).

    Returns:
        uint8 [N, H, W, 3].
    """
    tf.debugging.assert_equal(tf.shape(images)[-1], 3, message="Invalid `images`: expected uint8 [N, H, W, 3] (RGB; "
                              "a grayscale photo as three equal channels); the last axis is not 3")
    lightness = per_pixel(color.normalized_lightness_of_uint8)(images)
    small = tf.image.resize(lightness, [size, size], method="area")
    ab = tf.cast(generator(small, training=False), tf.float32)
    return per_pixel(_compose)(lightness, ab)


def colorize_each(generator, images, size):
    """`colorize` of each photo alone (batches of one, in order): its answer does not depend on the others."""
    return tf.map_fn(lambda index: colorize(generator, images[index:index + 1], size)[0],
                     tf.range(tf.shape(images)[0]), fn_output_signature=tf.TensorSpec([None, None, 3], tf.uint8))


def colorize_encoded(generator, encoded, size):
    """Encoded photos, string [N] -> PNG strings [N] of their colorizations (`colorize` of each alone, at its own
    size); a GIF gives its first frame."""
    def one(contents):
        image = tf.io.decode_image(contents, channels=3, expand_animations=False)
        return tf.io.encode_png(colorize(generator, image[tf.newaxis], size)[0])

    return tf.map_fn(one, encoded, fn_output_signature=tf.TensorSpec([], tf.string))


def export_colorizer(generator, size, path):
    """Writes the serving SavedModel of `generator` to `path` (see the module docstring)."""
    archive = keras.export.ExportArchive()  # no track(generator): see the module docstring
    twin = train_mode.inference_twin(generator)
    archive.add_endpoint("serving_default", lambda images: {"colorized": colorize_each(twin, images, size)},
                         input_signature=[SIGNATURE])
    archive.add_endpoint("encoded", lambda images: {"colorized": colorize_encoded(twin, images, size)},
                         input_signature=[ENCODED_SIGNATURE])
    archive.write_out(str(path), verbose=False)


def export_onnx(generator, size, path, opset=17):
    """Writes `generator`'s colorizer as an ONNX model (tf2onnx; the `onnx` extra): input `images` uint8
    [N, H, W, 3], output `colorized` uint8 [N, H, W, 3], `colorize` of its `train_mode.inference_twin` with the colour
    maths as plain ops. Its photos of one batch share H and W (each gets its own answer: no batch statistics)."""
    try:
        import tf2onnx
    except ImportError:
        raise ValueError("The ONNX export needs the onnx extra: pip install -e '.[onnx]' (tf2onnx).") from None
    twin = train_mode.inference_twin(generator)
    function = tf.function(lambda images: {"colorized": colorize(twin, images, size, per_pixel=lambda f: f)},
                           input_signature=[SIGNATURE])
    tf2onnx.convert.from_function(function, input_signature=[SIGNATURE], opset=opset, output_path=str(path))
