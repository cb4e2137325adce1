"""Tests for tf_colorgan.data (decoding, Lab pairs, folder/TFDS splits, training and evaluation streams).

Real photographs only: the committed sample photos (tf_colorgan/sample/*.jpg) and re-encodings / crops of them
written into pytest's tmp_path.
"""

import json
import os
import pathlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from skimage import color as skcolor

from tf_colorgan import color
from tf_colorgan.data import lab, prepared, sources
from tf_colorgan.tasks.colorize import lab_stream
from tf_colorgan.training import trainer

SAMPLE_NAMES = ["astronaut.jpg", "chelsea.jpg", "coffee.jpg", "grace_hopper.jpg", "hubble_deep_field.jpg",
                "rocket.jpg"]


def _sample_path(name):
    return sources.SAMPLE_DIR / name


def _pil(name):
    return Image.open(_sample_path(name)).convert("RGB")


def _decode_file(path):
    return sources.decode_rgb(tf.io.read_file(str(path))).numpy()


def _pil_rgb01(path):
    """The file decoded by PIL, as float64 RGB in [0, 1]."""
    return np.asarray(Image.open(path).convert("RGB"), np.float64) / 255.0


def _normalised_area(rgb, size):
    """Reference: AREA resize of color.rgb_to_lab(rgb) to size^2, then L/50 - 1 and ab/110 (numpy)."""
    lab = tf.image.resize(color.rgb_to_lab(rgb), [size, size], method="area").numpy()
    return lab[..., :1] / 50.0 - 1.0, lab[..., 1:] / 110.0


def _write_photo_crops(folder, count, exts=(".jpg", ".png")):
    """`count` distinct small crops of the sample photos, spread over sub-folders; returns relative paths."""
    rels = []
    for i in range(count):
        photo = _pil(SAMPLE_NAMES[i % len(SAMPLE_NAMES)])
        x, y = 7 * i, 5 * i
        crop = photo.crop((x, y, x + 60, y + 44))
        rel = pathlib.Path(f"part{i % 3}") / f"img_{i:02d}{exts[i % len(exts)]}"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        crop.save(folder / rel)
        rels.append(str(rel))
    return rels


# --------------------------------------------------------------------------------------------- decode_rgb

@pytest.fixture(scope="module")
def chelsea_crop():
    """A real, non-square crop (W 120, H 90) of the sample cat photo."""
    return _pil("chelsea.jpg").crop((100, 50, 220, 140))


def _check_rgb(out, height, width):
    assert out.dtype == np.float32
    assert out.shape == (height, width, 3)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out.std() > 0.02  # a real picture, not a constant


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("BMP", ".bmp")])
def test_decode_rgb_lossless_formats_exact(tmp_path, chelsea_crop, fmt, ext):
    path = tmp_path / f"cat{ext}"
    chelsea_crop.save(path, fmt)
    out = _decode_file(path)
    _check_rgb(out, 90, 120)
    np.testing.assert_allclose(out, np.asarray(chelsea_crop, np.float64) / 255.0, rtol=0, atol=1e-6)


def test_decode_rgb_jpeg(tmp_path, chelsea_crop):
    path = tmp_path / "cat.jpg"
    chelsea_crop.save(path, "JPEG", quality=90)
    out = _decode_file(path)
    _check_rgb(out, 90, 120)
    reference = _pil_rgb01(path)  # Same file, other decoder: only IDCT / chroma-upsampling differences.
    assert np.abs(out - reference).max() <= 8 / 255
    assert np.abs(out - reference).mean() <= 2 / 255
    source = np.asarray(chelsea_crop, np.float64) / 255.0
    assert np.abs(out - source).mean() <= 5 / 255


def test_decode_rgb_gif(tmp_path, chelsea_crop):
    path = tmp_path / "cat.gif"
    chelsea_crop.save(path, "GIF")
    out = _decode_file(path)
    _check_rgb(out, 90, 120)
    # GIF is palette-quantised; the palette lookup itself is exact.
    np.testing.assert_allclose(out, _pil_rgb01(path), rtol=0, atol=1e-6)


def test_decode_rgb_animated_gif_takes_first_frame(tmp_path, chelsea_crop):
    path = tmp_path / "anim.gif"
    second = chelsea_crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    chelsea_crop.save(path, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    with Image.open(path) as gif:
        assert gif.n_frames == 2
        gif.seek(0)
        frame0 = np.asarray(gif.convert("RGB"), np.float64) / 255.0
        gif.seek(1)
        frame1 = np.asarray(gif.convert("RGB"), np.float64) / 255.0
    assert np.abs(frame0 - frame1).max() > 0.3  # the frames are distinguishable
    out = _decode_file(path)
    _check_rgb(out, 90, 120)  # rank 3: no frame axis
    np.testing.assert_allclose(out, frame0, rtol=0, atol=1e-6)


@pytest.mark.parametrize("lossless", [True, False])
def test_decode_rgb_webp(tmp_path, chelsea_crop, lossless):
    path = tmp_path / "cat.webp"
    chelsea_crop.save(path, "WEBP", lossless=lossless, quality=90)
    out = _decode_file(path)
    _check_rgb(out, 90, 120)
    if lossless:
        np.testing.assert_allclose(out, np.asarray(chelsea_crop, np.float64) / 255.0, rtol=0, atol=1e-6)
    else:
        assert np.abs(out - _pil_rgb01(path)).max() <= 8 / 255


def test_decode_rgb_grayscale_png_gives_three_equal_channels(tmp_path, chelsea_crop):
    path = tmp_path / "gray.png"
    gray = chelsea_crop.convert("L")
    gray.save(path)
    out = _decode_file(path)
    _check_rgb(out, 90, 120)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    np.testing.assert_allclose(out[..., 0], np.asarray(gray, np.float64) / 255.0, rtol=0, atol=1e-6)


def test_decode_rgb_rgba_png_drops_alpha(tmp_path, chelsea_crop):
    path = tmp_path / "rgba.png"
    rgba = chelsea_crop.copy()
    # A varying, real alpha (the picture's own luminance, upside down), so premultiplying would show.
    rgba.putalpha(chelsea_crop.convert("L").transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    rgba.save(path)
    assert Image.open(path).mode == "RGBA"
    out = _decode_file(path)
    _check_rgb(out, 90, 120)
    np.testing.assert_allclose(out, np.asarray(chelsea_crop, np.float64) / 255.0, rtol=0, atol=1e-6)


# ----------------------------------------------------------------------------------------------- lab_pair

@pytest.fixture(scope="module")
def cat_rgb():
    """The full sample cat photo (H 300, W 451) as decoded by the pipeline."""
    return sources.decode_rgb(tf.io.read_file(str(_sample_path("chelsea.jpg"))))


def _check_pair(l, ab, size):
    assert l.dtype == tf.float32 and ab.dtype == tf.float32
    assert l.shape == (size, size, 1)
    assert ab.shape == (size, size, 2)
    l, ab = l.numpy(), ab.numpy()
    assert l.min() >= -1.0 - 1e-5 and l.max() <= 1.0 + 1e-5
    assert np.abs(ab).max() <= 1.1
    assert l.std() > 0.05 and ab.std() > 0.01  # real content in both


def test_lab_pair_without_jitter_is_area_resized_normalised_lab(cat_rgb):
    size = 64
    l, ab = lab.lab_pair(cat_rgb, size)
    _check_pair(l, ab, size)
    ref_l, ref_ab = _normalised_area(cat_rgb, size)
    np.testing.assert_allclose(l.numpy(), ref_l, rtol=0, atol=1e-5)
    np.testing.assert_allclose(ab.numpy(), ref_ab, rtol=0, atol=1e-5)


def test_lab_pair_matches_independent_skimage_block_means():
    # 128 -> 64 is an exact 2x downscale, where AREA is the mean of each 2x2 block.
    rgb = np.asarray(_pil("astronaut.jpg").crop((180, 60, 308, 188)), np.float64) / 255.0
    l, ab = lab.lab_pair(tf.constant(rgb, tf.float32), 64)
    _check_pair(l, ab, 64)
    reference = skcolor.rgb2lab(rgb).reshape(64, 2, 64, 2, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(l.numpy(), reference[..., :1] / 50.0 - 1.0, rtol=0, atol=5e-3)
    np.testing.assert_allclose(ab.numpy(), reference[..., 1:] / 110.0, rtol=0, atol=5e-3)


def test_lab_pair_jitter_is_flip_resize_crop_applied_to_l_and_ab_together(cat_rgb):
    size, margin = 64, lab.JITTER_MARGIN
    cat_lab = color.rgb_to_lab(cat_rgb)
    big = {flip: tf.image.resize(cat_lab[:, ::-1] if flip else cat_lab, [size + margin] * 2, method="area").numpy()
           for flip in (False, True)}
    windows = {flip: np.lib.stride_tricks.sliding_window_view(big[flip], (size, size), axis=(0, 1))
               for flip in (False, True)}  # [margin + 1, margin + 1, 3, size, size]
    found = []
    for seed in range(8):
        l, ab = lab.lab_pair(cat_rgb, size, jitter_seed=tf.constant([seed, 0]))
        _check_pair(l, ab, size)
        l, ab = l.numpy(), ab.numpy()
        errors = {flip: np.abs(windows[flip][:, :, 0] / 50.0 - 1.0 - l[..., 0]).max(axis=(2, 3))
                  for flip in (False, True)}
        candidates = sorted((errors[flip][dy, dx], flip, dy, dx)
                            for flip in (False, True) for dy in range(margin + 1) for dx in range(margin + 1))
        (best, flip, dy, dx), (second, *_) = candidates[0], candidates[1]
        assert best < 1e-5, best  # some flip/offset reproduces L' ...
        assert second > 1e-3, second  # ... and only one
        crop = big[flip][dy:dy + size, dx:dx + size]
        np.testing.assert_allclose(ab, crop[..., 1:] / 110.0, rtol=0, atol=1e-5)  # ab: same flip and crop
        found.append((flip, dy, dx))
    assert {flip for flip, _, _ in found} == {False, True}
    again = lab.lab_pair(cat_rgb, size, jitter_seed=tf.constant([7, 0]))[0].numpy()
    np.testing.assert_array_equal(again, l)  # stateless: the same seed, the same flip and crop
    assert len(set(found)) >= 4  # the offsets really are random


# -------------------------------------------------------------------------------------------- list_images

def test_list_images_recursive_sorted_case_insensitive(tmp_path):
    photo = _pil("coffee.jpg").resize((40, 30))
    expected = []
    for rel, fmt in [("b/zz.JPG", "JPEG"), ("a.PNG", "PNG"), ("deep/er/x.Jpeg", "JPEG"), ("c.bmp", "BMP"),
                     ("a/m.gif", "GIF"), ("dir.jpg/inner.png", "PNG")]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        photo.save(path, fmt)
        expected.append(str(path))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "b" / "photo.jpg.txt").write_text("not an image either")
    (tmp_path / "b" / "noext").write_bytes((tmp_path / "a.PNG").read_bytes())
    result = sources.list_images(tmp_path)
    assert result == sorted(expected)
    assert all(isinstance(p, str) for p in result)
    assert sources.list_images(str(tmp_path)) == result


def test_list_images_missing_folder(tmp_path):
    missing = tmp_path / "no_such_folder"
    with pytest.raises(ValueError, match="Invalid `dataset`") as info:
        sources.list_images(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(ValueError, match="Invalid `dataset`") as info:  # through make_split: a path with "/"
        sources.make_split(str(missing), seed=0)
    assert str(missing) in str(info.value)


def test_list_images_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("no pictures here")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("1,2,3")
    with pytest.raises(ValueError, match="Invalid `dataset`") as info:
        sources.list_images(tmp_path)
    assert str(tmp_path) in str(info.value)


# ------------------------------------------------------------------------------------------------- splits

def _check_partition(split, items):
    assert len(set(split["train"])) == len(split["train"])
    assert len(set(split["test"])) == len(split["test"])
    assert not set(split["train"]) & set(split["test"])
    assert sorted(split["train"] + split["test"]) == sorted(items)


def test_make_split_sample():
    split = sources.make_split("sample", seed=0)
    assert split["source"] == "folder"
    assert pathlib.Path(split["root"]) == sources.SAMPLE_DIR
    assert (len(split["train"]), len(split["test"])) == (5, 1)
    _check_partition(split, SAMPLE_NAMES)
    json.dumps(split)  # serialisable


@pytest.mark.parametrize("count", [1, 2, 27])
def test_make_split_report_proportion(tmp_path, count):
    rels = _write_photo_crops(tmp_path, count)
    n_train = max(1, count * 195_000 // 202_599)
    if count == 27:
        assert n_train == 25
    split = sources.make_split(str(tmp_path), seed=3)
    assert split["source"] == "folder" and pathlib.Path(split["root"]) == tmp_path.resolve()
    assert (len(split["train"]), len(split["test"])) == (n_train, count - n_train)
    _check_partition(split, rels)
    for item in split["train"] + split["test"]:
        assert (pathlib.Path(split["root"]) / item).is_file()


def test_make_split_is_seeded(tmp_path):
    rels = _write_photo_crops(tmp_path, 27)
    first, again = sources.make_split(str(tmp_path), seed=0), sources.make_split(str(tmp_path), seed=0)
    assert first == again
    other = sources.make_split(str(tmp_path), seed=1)
    _check_partition(other, rels)
    assert other["train"] + other["test"] != first["train"] + first["test"]


def test_make_split_relative_folder_name(tmp_path, monkeypatch):
    rels = _write_photo_crops(tmp_path / "photos", 4)
    monkeypatch.chdir(tmp_path)
    split = sources.make_split("photos", seed=0)  # no "/", but an existing folder
    assert split["source"] == "folder"
    assert split["root"] == str((tmp_path / "photos").resolve())
    _check_partition(split, rels)


def test_load_or_make_split_writes_then_reads_back(tmp_path):
    folder = tmp_path / "photos"
    rels = _write_photo_crops(folder, 27)
    run_dir = tmp_path / "runs" / "run1"  # does not exist yet
    split = trainer.load_or_make_split(run_dir, str(folder), seed=5)
    assert not run_dir.exists()  # written by the trainer once it holds the run directory
    trainer.save_split(run_dir, split)
    assert split == sources.make_split(str(folder), seed=5)
    _check_partition(split, rels)
    path = run_dir / "split.json"
    assert path.is_file()
    assert json.loads(path.read_text()) == split

    # The folder gains a photo: a fresh split would include it, the run's stored split does not change.
    _pil("rocket.jpg").crop((0, 0, 50, 50)).save(folder / "zz_new.jpg")
    assert len(sources.make_split(str(folder), seed=5)["train"] + sources.make_split(str(folder), seed=5)["test"]) == 28
    assert trainer.load_or_make_split(run_dir, str(folder), seed=5) == split
    assert trainer.load_or_make_split(run_dir, str(folder), seed=99) == split


# ------------------------------------------------------------------------------------- training / eval

@pytest.fixture(scope="module")
def sample_split():
    return sources.make_split("sample", seed=0)


@pytest.fixture(scope="module")
def sample_pairs_256():
    """Per sample file: lab_pair (no jitter) at 256, as numpy."""
    pairs = {}
    for name in SAMPLE_NAMES:
        l, ab = lab.lab_pair(sources.decode_rgb(tf.io.read_file(str(_sample_path(name)))), 256)
        pairs[name] = (l.numpy(), ab.numpy())
    return pairs


def _identify(l, ab, pairs):
    """Name of the sample file whose pair equals (l, ab)."""
    errors = {name: max(np.abs(l - pl).max(), np.abs(ab - pab).max()) for name, (pl, pab) in pairs.items()}
    name = min(errors, key=errors.get)
    assert errors[name] < 1e-4, errors
    return name


def test_training_batches_groups_by_step_schedule(sample_split, sample_pairs_256):
    def schedule(step):  # batches per step: 4 discriminator updates + 1 generator update while step < 3
        return tf.where(step < 3, tf.constant(5, tf.int64), tf.constant(2, tf.int64))

    stream = lab_stream.training_batches(sample_split, 256, 2, schedule, initial_step=1)
    elements = list(stream.take(4))
    assert [int(l.shape[0]) for l, _ in elements] == [5, 5, 2, 2]  # k = schedule(step), steps 1, 2, 3, 4
    names = []
    for l, ab in elements:
        k = int(l.shape[0])
        assert l.shape == (k, 2, 256, 256, 1) and ab.shape == (k, 2, 256, 256, 2)
        assert l.dtype == tf.float32 and ab.dtype == tf.float32
        l, ab = l.numpy(), ab.numpy()
        assert l.min() >= -1.0 - 1e-5 and l.max() <= 1.0 + 1e-5
        assert np.abs(ab).max() <= 1.1
        for i in range(k):
            for j in range(2):
                names.append(_identify(l[i, j], ab[i, j], sample_pairs_256))
    # 28 training images in stream order: shuffled passes over the 5 training photos, never the test photo.
    assert len(names) == 28
    train = sorted(sample_split["train"])
    passes = [names[i:i + 5] for i in range(0, 25, 5)]
    for one_pass in passes:
        assert sorted(one_pass) == train
    assert len(set(names[25:])) == 3 and set(names[25:]) <= set(train)
    assert len({tuple(p) for p in passes}) > 1  # reshuffled between passes


@pytest.mark.parametrize("jitter", [False, True])
def test_cached_stream_equals_the_decoding_stream(sample_split, jitter):
    """The in-memory cache changes no value and no order: 3 passes over the 5 training photos, both ways."""
    one = lambda step: tf.constant(1, tf.int64)  # noqa: E731

    def stream(cache_bytes):
        batches = lab_stream.training_batches(sample_split, 256, 5, one, initial_step=7, jitter=jitter, seed=3,
                                        cache_bytes=cache_bytes)
        return [(l.numpy(), ab.numpy()) for l, ab in batches.take(3)]

    cached, decoded = stream(sources.CACHE_BYTES), stream(0)
    for (cached_l, cached_ab), (decoded_l, decoded_ab) in zip(cached, decoded, strict=True):
        np.testing.assert_allclose(cached_l, decoded_l, rtol=0, atol=1e-6)
        np.testing.assert_allclose(cached_ab, decoded_ab, rtol=0, atol=1e-6)
    assert not np.allclose(cached[0][0], cached[1][0])  # reshuffled (and with jitter re-cropped) every pass


def test_training_batches_jitter_shapes(sample_split):
    stream = lab_stream.training_batches(sample_split, 256, 2, lambda step: tf.constant(1, tf.int64), jitter=True)
    l, ab = next(iter(stream))
    assert l.shape == (1, 2, 256, 256, 1) and ab.shape == (1, 2, 256, 256, 2)
    assert -1.0 - 1e-5 <= l.numpy().min() and l.numpy().max() <= 1.0 + 1e-5


def test_eval_pairs_test_image_first_then_training_images(sample_split, sample_pairs_256):
    l, ab = lab_stream.eval_pairs(sample_split, 256, 4)
    assert l.shape == (4, 256, 256, 1) and ab.shape == (4, 256, 256, 2)
    assert l.dtype == tf.float32 and ab.dtype == tf.float32
    names = [_identify(l[i].numpy(), ab[i].numpy(), sample_pairs_256) for i in range(4)]
    assert names == sample_split["test"] + sample_split["train"][:3]
    # The test photo decoded by PIL instead of TF gives (nearly) the same pair.
    (test_name,) = sample_split["test"]
    pil_l, pil_ab = lab.lab_pair(tf.constant(_pil_rgb01(_sample_path(test_name)), tf.float32), 256)
    assert np.abs(l[0].numpy() - pil_l.numpy()).mean() < 1e-2  # JPEG decoders differ in chroma upsampling
    assert np.abs(ab[0].numpy() - pil_ab.numpy()).mean() < 1e-2


def test_eval_pairs_count_larger_than_dataset(sample_split):
    l, ab = lab_stream.eval_pairs(sample_split, 32, 10)
    assert l.shape == (6, 32, 32, 1) and ab.shape == (6, 32, 32, 2)


# --------------------------------------------------------------------------------------------------- TFDS

def test_tfds_unknown_dataset_is_a_clear_error():
    name = "this_dataset_does_not_exist"
    with pytest.raises(ValueError, match="Invalid `dataset`") as info:
        sources.tfds_builder(name, data_dir="/srv/tfds")
    assert name in str(info.value) and "/srv/tfds/downloads/manual" in str(info.value)  # where files would go
    with pytest.raises(ValueError, match="Invalid `dataset`") as info:
        sources.make_split(name, seed=0)
    assert name in str(info.value)


def _tfds_photo_builder_classes():
    """Two tiny local TFDS datasets of the sample photos (4 in 'train', 2 in 'test', resized to 64 x 48), so the
    TFDS code path runs offline on real photos. Neither ever writes into TFDS's default directory:
    'tf_colorgan_test_photos' refuses to be built without an explicit data_dir; 'tf_colorgan_test_photos_here'
    is built, when no data_dir is given, into a test-chosen folder (`default_dir`)."""
    import tensorflow_datasets as tfds

    class _Photos(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict(
                {"image": tfds.features.Image(shape=(None, None, 3))}))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(SAMPLE_NAMES[:4]),
                    "test": self._generate_examples(SAMPLE_NAMES[4:])}

        def _generate_examples(self, names):
            for name in names:
                yield name, {"image": _tfds_photo(name)}

    class TfColorganTestPhotos(_Photos):
        def __init__(self, *, data_dir=None, **kwargs):
            if data_dir is None:
                raise RuntimeError("test dataset: no data_dir given (would use TFDS's default directory)")
            super().__init__(data_dir=data_dir, **kwargs)

    class TfColorganTestPhotosHere(_Photos):
        default_dir = None

        def __init__(self, *, data_dir=None, **kwargs):
            assert self.default_dir is not None
            super().__init__(data_dir=data_dir or self.default_dir, **kwargs)

    return TfColorganTestPhotos, TfColorganTestPhotosHere


def _tfds_photo(name):
    return np.asarray(_pil(name).resize((64, 48)))


_TFDS_CLASSES = []


@pytest.fixture(scope="module")
def tfds_classes(tmp_path_factory):
    if not _TFDS_CLASSES:  # TFDS registers a builder class when it is defined: once per process.
        _TFDS_CLASSES.extend(_tfds_photo_builder_classes())
    _TFDS_CLASSES[1].default_dir = str(tmp_path_factory.mktemp("tfds_default_dir"))
    return _TFDS_CLASSES


def _which_photo(image):
    """The sample name whose TFDS photo the float image is (exactly, PNG-stored)."""
    matches = [name for name in SAMPLE_NAMES
               if np.abs(image - _tfds_photo(name) / 255.0).max() < 1e-6]
    assert len(matches) == 1
    return matches[0]


def test_make_split_tfds_with_data_dir(tmp_path, tfds_classes):
    split = sources.make_split("tf_colorgan_test_photos", seed=0, data_dir=str(tmp_path))
    assert split["source"] == "tfds" and split["name"] == "tf_colorgan_test_photos"
    assert split["split"] == "test+train"
    assert (len(split["train"]), len(split["test"])) == (5, 1)
    _check_partition(split, list(range(6)))
    assert all(isinstance(i, int) for i in split["train"] + split["test"])
    assert (tmp_path / "tf_colorgan_test_photos" / "1.0.0").is_dir()  # prepared where asked
    json.dumps(split)


def test_tfds_images_use_the_data_dir_of_the_split(tmp_path, tfds_classes):
    split = sources.make_split("tf_colorgan_test_photos", seed=0, data_dir=str(tmp_path))
    train = [image.numpy() for image in sources.images(split, "train")]
    assert len(train) == 5
    assert len({_which_photo(image) for image in train}) == 5


def test_tfds_images_train_and_test_parts(tfds_classes):
    split = sources.make_split("tf_colorgan_test_photos_here", seed=0)
    train = [image.numpy() for image in sources.images(split, "train")]
    test = [image.numpy() for image in sources.images(split, "test")]
    assert [image.shape for image in train + test] == [(48, 64, 3)] * 6
    assert all(image.dtype == np.float32 for image in train + test)
    train_names, test_names = [_which_photo(i) for i in train], [_which_photo(i) for i in test]
    assert sorted(train_names + test_names) == sorted(SAMPLE_NAMES)
    l, ab = lab_stream.eval_pairs(split, 32, 2)  # the test photo first
    ref_l, ref_ab = lab.lab_pair(tf.constant(test[0]), 32)
    np.testing.assert_allclose(l[0].numpy(), ref_l.numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(ab[0].numpy(), ref_ab.numpy(), rtol=0, atol=1e-5)


def test_a_tfds_dataset_prepared_once_gives_the_streamed_lab_values(tmp_path, tfds_classes, monkeypatch):
    monkeypatch.setattr(prepared, "ROOT", tmp_path / "prepared")
    split = sources.make_split("tf_colorgan_test_photos", seed=0, data_dir=str(tmp_path / "tfds"))
    path = prepared.prepare(split, 32)
    assert path.name.startswith("tf_colorgan_test_photos-32-")
    from_form = [lab.numpy() for lab in prepared.lab_images(split, 32, None)]
    in_order = {**split, "train": sorted(split["train"])}  # the form's order: by example index
    streamed = [lab.numpy() for lab in sources.images(in_order, "train").map(lambda rgb: lab.resized_lab(rgb, 32))]
    assert len(from_form) == len(streamed) == 5
    assert all(np.array_equal(ours, theirs) for ours, theirs in zip(from_form, streamed))


@pytest.mark.slow
def test_a_wheel_carries_the_sample_photos(tmp_path):
    """`pip install .` users keep `--dataset=sample` and the serving page: they are package data. The wheel is
    built and unpacked, and imported from there (ahead of any editable install) in a fresh process run from
    elsewhere."""
    root = pathlib.Path(sources.__file__).resolve().parents[2]
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                            str(tmp_path / "dist"), str(root)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("tf_colorgan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "installed")
    check = ("import sys, tf_colorgan; from tf_colorgan.data import sources; "
             "assert tf_colorgan.__file__.startswith(sys.argv[1]), tf_colorgan.__file__; "
             "split = sources.make_split('sample', 0); print(len(split['train']) + len(split['test']))")
    ran = subprocess.run([sys.executable, "-c", check, str(tmp_path / "installed")], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path / "installed"),
                                            "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip() == "6"
    # the serving page, package data too
    assert (tmp_path / "installed" / "tf_colorgan" / "serving" / "page.html").is_file()


def test_each_worker_shares_the_training_items_and_keeps_the_test_part(tmp_path):
    for index in range(7):
        (tmp_path / f"{index}.jpg").write_bytes((sources.SAMPLE_DIR / "chelsea.jpg").read_bytes())
    split = sources.make_split(str(tmp_path), seed=0)  # 6 train, 1 test
    shares = [sources.share(split, index, 3) for index in range(3)]
    assert [share["train"] for share in shares] == [split["train"][index::3] for index in range(3)]
    assert sorted(sum((share["train"] for share in shares), [])) == sorted(split["train"])  # disjoint, complete
    assert all(share["test"] == split["test"] and share["root"] == split["root"] for share in shares)
    assert sources.share(split, 0, 1) is split
