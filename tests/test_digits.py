"""Tests for tf_colorgan.data.digits (IDX parsing, Fashion-MNIST / MNIST-layout folders, scikit-learn digits).

Real data only: the Fashion-MNIST IDX files of the Debian package `dataset-fashion-mnist`, scikit-learn's
bundled digits, and small IDX files written byte by byte into pytest's tmp_path.
"""

import gzip
import pathlib
import struct

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tf_colorgan.data import digits

FASHION_FILES = [pathlib.Path(digits.FASHION_MNIST_DIR) / f"{prefix}-{kind}-ubyte.gz"
                 for prefix in ("train", "t10k") for kind in ("images-idx3", "labels-idx1")]
requires_fashion_mnist = pytest.mark.skipif(
    not all(path.is_file() for path in FASHION_FILES),
    reason=f"Fashion-MNIST IDX files absent from {digits.FASHION_MNIST_DIR}: "
           f"run `apt-get install dataset-fashion-mnist`.")


def _idx_bytes(array):
    """IDX encoding of a uint8 array: [N, rows, cols] -> magic 2051 header, [N] -> magic 2049 header."""
    magic = digits.IMAGES_MAGIC if array.ndim == 3 else digits.LABELS_MAGIC
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()


def _write(path, array, gzipped):
    data = _idx_bytes(array)
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def _tiny_split(count, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 3, 2), dtype=np.uint8), rng.integers(0, 10, count, dtype=np.uint8)


@requires_fashion_mnist
@pytest.mark.parametrize("prefix, count", [("train", 60_000), ("t10k", 10_000)])
def test_read_idx_real_fashion_mnist(prefix, count):
    directory = pathlib.Path(digits.FASHION_MNIST_DIR)
    images = digits.read_idx(directory / f"{prefix}-images-idx3-ubyte.gz")
    labels = digits.read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz")
    with gzip.open(directory / f"{prefix}-images-idx3-ubyte.gz") as file:
        assert struct.unpack(">4I", file.read(16)) == (2051, count, 28, 28)
        assert file.read(100) == images.reshape(-1)[:100].tobytes()
    assert images.shape == (count, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (count,) and labels.dtype == np.uint8
    assert images.min() == 0 and images.max() == 255
    # Fashion-MNIST is balanced: 6,000 (train) / 1,000 (test) images of each of the 10 classes.
    np.testing.assert_array_equal(np.bincount(labels), [count // 10] * 10)


@requires_fashion_mnist
def test_load_fashion_mnist_default_dir():
    images, labels = digits.load_fashion_mnist(split="test")
    assert images.shape == (10_000, 28, 28) and labels.shape == (10_000,)
    np.testing.assert_array_equal(images, digits.read_idx(FASHION_FILES[2]))
    train_images, _ = digits.load_grayscale("fashion_mnist")
    assert train_images.shape == (60_000, 28, 28)


@pytest.mark.parametrize("gzipped", [False, True])
def test_read_idx_round_trip(tmp_path, gzipped):
    images, labels = _tiny_split(5, seed=1)
    np.testing.assert_array_equal(digits.read_idx(_write(tmp_path / "images", images, gzipped)), images)
    read = digits.read_idx(_write(tmp_path / "labels", labels, gzipped))
    assert read.dtype == np.uint8
    np.testing.assert_array_equal(read, labels)


def test_read_idx_bad_magic_names_the_file(tmp_path):
    path = tmp_path / "bad-images-idx3-ubyte"
    path.write_bytes(struct.pack(">4I", 2050, 1, 2, 2) + bytes(4))
    with pytest.raises(ValueError, match="bad-images-idx3-ubyte.*magic.*2050"):
        digits.read_idx(path)


def test_read_idx_truncated_names_the_file(tmp_path):
    images, _ = _tiny_split(4, seed=2)
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(_idx_bytes(images)[:-3]))
    with pytest.raises(ValueError, match="short.gz"):
        digits.read_idx(path)


def test_missing_data_dir_says_what_to_install(tmp_path):
    with pytest.raises(digits.DatasetNotFoundError, match="apt-get install dataset-fashion-mnist") as info:
        digits.load_fashion_mnist(tmp_path / "nowhere")
    assert isinstance(info.value, ValueError)
    assert "--data_dir" in str(info.value) and "train-images-idx3-ubyte" in str(info.value)


def test_mnist_layout_folder_plain_and_gzipped(tmp_path):
    """MNIST's original file names, some gzipped and some not, read through data_dir."""
    train, test = _tiny_split(6, seed=3), _tiny_split(4, seed=4)
    _write(tmp_path / "train-images-idx3-ubyte", train[0], gzipped=False)
    _write(tmp_path / "train-labels-idx1-ubyte.gz", train[1], gzipped=True)
    _write(tmp_path / "t10k-images-idx3-ubyte.gz", test[0], gzipped=True)
    _write(tmp_path / "t10k-labels-idx1-ubyte", test[1], gzipped=False)
    for split, (images, labels) in (("train", train), ("test", test)):
        for name in ("mnist", "fashion_mnist"):
            loaded_images, loaded_labels = digits.load_grayscale(name, tmp_path, split)
            np.testing.assert_array_equal(loaded_images, images)
            np.testing.assert_array_equal(loaded_labels, labels)


def test_mismatched_counts_rejected(tmp_path):
    images, labels = _tiny_split(3, seed=5)
    _write(tmp_path / "t10k-images-idx3-ubyte", images, gzipped=False)
    _write(tmp_path / "t10k-labels-idx1-ubyte", labels[:2], gzipped=False)
    with pytest.raises(ValueError, match="labels shape"):
        digits.load_fashion_mnist(tmp_path, split="test")


def test_sklearn_digits_shapes_and_scaling():
    images, labels = digits.load_sklearn_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 255
    reference = load_digits()
    np.testing.assert_array_equal(images, np.round(reference.images * 255 / 16))
    np.testing.assert_array_equal(labels, reference.target)
    train, test = digits.load_grayscale("digits", split="train"), digits.load_grayscale("digits", split="test")
    assert len(train[0]) == 1500 and len(test[0]) == 297
    np.testing.assert_array_equal(np.concatenate([train[0], test[0]]), images)


@pytest.mark.parametrize("kwargs, argument", [({"name": "cifar10"}, "`name`"),
                                              ({"name": "digits", "split": "validation"}, "`split`")])
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"Invalid value for argument {argument}"):
        digits.load_grayscale(**kwargs)
