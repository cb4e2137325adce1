"""Bad input gets a clear answer and nothing else is lost: broken and unusual files in a training folder (made
here from the real sample photos), an empty folder, and the export given the wrong tensors."""

import io
import json
import logging
import pathlib
import shutil

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_colorgan.config import ConfigError
from tf_colorgan.data import sources
from tf_colorgan.networks import pix2pix
from tf_colorgan.tasks.colorize import export, lab_stream

SAMPLE = pathlib.Path(sources.SAMPLE_DIR)


def photo(name="chelsea.jpg", size=None):
    image = Image.open(SAMPLE / name).convert("RGB")
    return image.resize(size) if size else image


@pytest.fixture(scope="module")
def messy_folder(tmp_path_factory):
    """A folder of two good photos plus one file of every awkward kind, and the reason expected for each skip."""
    folder = tmp_path_factory.mktemp("messy")
    for name in ("chelsea.jpg", "coffee.jpg"):
        shutil.copy(SAMPLE / name, folder / name)
    jpeg = (SAMPLE / "astronaut.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(jpeg[:len(jpeg) // 2])
    png = io.BytesIO()
    photo(size=(64, 48)).save(png, "PNG")
    png = bytearray(png.getvalue())
    png[len(png) // 2:len(png) // 2 + 64] = bytes(64)  # zeros inside the image data: the CRC fails
    (folder / "corrupt.png").write_bytes(bytes(png))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.png").write_text("not an image at all\n")
    (folder / "sub").mkdir()
    photo("coffee.jpg").convert("L").save(folder / "sub" / "gray.jpg")
    rgb16 = (np.asarray(photo(size=(40, 30)), np.uint16) * 257)
    tf.io.write_file(str(folder / "deep16.png"), tf.io.encode_png(tf.constant(rgb16)))
    photo("rocket.jpg").convert("CMYK").save(folder / "cmyk.jpg")
    Image.new("RGB", (1, 1), (200, 30, 40)).save(folder / "dot.png")
    frames = [photo(size=(32, 32)), photo("coffee.jpg", size=(32, 32))]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    huge = tf.image.resize(tf.constant(np.asarray(photo(size=(120, 90)), np.float32)[None]), [9000, 12000])[0]
    tf.io.write_file(str(folder / "huge.jpg"), tf.io.encode_jpeg(tf.cast(huge, tf.uint8), quality=50))
    skipped = {"truncated.jpg": "corrupt or truncated", "corrupt.png": "corrupt or truncated",
               "empty.jpg": "empty file", "notes.png": "not an image", "sub/gray.jpg": "grayscale"}
    used = ["animated.gif", "chelsea.jpg", "cmyk.jpg", "coffee.jpg", "deep16.png", "dot.png", "huge.jpg"]
    return folder, skipped, used


def test_unusable_files_are_skipped_when_met_counted_logged_and_listed_and_the_rest_train(messy_folder, tmp_path,
                                                                                        caplog):
    folder, skipped, used = messy_folder
    split = sources.make_split(str(folder), seed=0, colour_only=True)
    # Split by the file names: only animated.gif, the first file and usable, was decoded.
    assert split["skipped"] == {} and split["colour_only"]
    assert sorted(split["train"] + split["test"]) == sorted(used + list(skipped))
    split_file = tmp_path / "split.json"
    split_file.write_text(json.dumps(split))
    skips = sources.Skips(folder, split_file)
    every_file = {**split, "train": split["train"] + split["test"]}
    with caplog.at_level(logging.WARNING):
        batches = lab_stream.training_batches(every_file, 256, 7, lambda step: 1, cache_bytes=0, on_skip=skips.add)
        l_channel, ab = next(iter(batches))  # 7 usable of 12 files: the batch is the whole first pass
    assert l_channel.shape == (1, 7, 256, 256, 1) and ab.shape == (1, 7, 256, 256, 2)
    assert np.isfinite(l_channel.numpy()).all() and np.isfinite(ab.numpy()).all()
    assert skips.reasons == skipped
    assert json.loads(split_file.read_text())["skipped"] == skipped  # recorded in the run as they are met
    assert "5 skipped so far: 2 corrupt or truncated, 1 empty file, 1 grayscale, 1 not an image" in caplog.text
    assert caplog.text.count("Skipped truncated.jpg") == 1  # once, however often the stream meets it


def test_making_the_split_decodes_only_up_to_the_first_usable_file(tmp_path):
    (tmp_path / "a_empty.jpg").write_bytes(b"")
    photo("coffee.jpg").convert("L").save(tmp_path / "b_gray.jpg")
    shutil.copy(SAMPLE / "coffee.jpg", tmp_path / "c_good.jpg")
    (tmp_path / "d_empty.jpg").write_bytes(b"")  # after the first usable file: left for training to meet
    split = sources.make_split(str(tmp_path), seed=0, colour_only=True)
    assert split["skipped"] == {"a_empty.jpg": "empty file", "b_gray.jpg": "grayscale"}
    assert sorted(split["train"] + split["test"]) == ["c_good.jpg", "d_empty.jpg"]


def test_unusual_files_decode_to_what_they_show(messy_folder):
    folder, _, _ = messy_folder
    decode = lambda name: sources.decode_rgb(tf.io.read_file(str(folder / name))).numpy()  # noqa: E731
    deep = decode("deep16.png")
    np.testing.assert_allclose(deep, np.asarray(photo(size=(40, 30)), np.float32) / 255, atol=1 / 255 + 1e-6)
    cmyk = decode("cmyk.jpg")  # CMYK converted back to RGB: close to the photo (JPEG loses a little)
    rocket = np.asarray(photo("rocket.jpg"), np.float32) / 255
    assert cmyk.shape == rocket.shape and np.abs(cmyk - rocket).mean() < 0.05
    np.testing.assert_allclose(decode("dot.png")[0, 0], np.array([200, 30, 40]) / 255, atol=1e-6)
    huge = decode("huge.jpg")  # 108 megapixels x sqrt(4096^2 / 108e6) = 0.3941: 9000 -> 3547, 12000 -> 4729
    assert huge.shape == (3547, 4729, 3)


def test_a_grayscale_photo_is_kept_where_colour_is_not_needed(messy_folder):
    folder, skipped, used = messy_folder
    split = sources.make_split(str(folder), seed=0)  # e.g. image generation, or photos to colorize
    assert "sub/gray.jpg" in split["train"] + split["test"] and "sub/gray.jpg" not in split["skipped"]


def test_a_folder_without_a_usable_image_is_one_clear_error(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "readme.png").write_text("hello")
    with pytest.raises(ConfigError, match=r"no usable image under .* Received: 2 file\(s\), all skipped: "
                                          r"1 empty file, 1 not an image\."):
        sources.make_split(str(tmp_path), seed=0)


@pytest.fixture(scope="module")
def colorizer_export(module_tmp_path):
    path = module_tmp_path / "colorizer"
    export.export_colorizer(pix2pix.unet_generator(256, width=8), 256, path)  # the checks are before the network
    return tf.saved_model.load(str(path)).signatures["serving_default"]


@pytest.mark.parametrize("images, message", [
    (tf.zeros([1, 8, 8, 3], tf.float32), "expected to be a uint8 tensor but is a float tensor"),
    (tf.zeros([8, 8, 3], tf.uint8), "input must be 4-dimensional"),
    (tf.zeros([1, 8, 8, 4], tf.uint8), r"Invalid `images`: expected uint8 \[N, H, W, 3\]"),
])
@pytest.mark.slow
def test_the_export_refuses_the_wrong_dtype_rank_or_channels_with_a_clear_error(colorizer_export, images, message):
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError), match=message):
        colorizer_export(images=images)
    assert colorizer_export(images=tf.zeros([1, 8, 8, 3], tf.uint8))["colorized"].shape == (1, 8, 8, 3)  # still serves
