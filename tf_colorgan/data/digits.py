"""Small grayscale image datasets for the image-generation experiments, readable offline.

Sources:
    * Fashion-MNIST (70,000 28x28 images of 10 clothing classes) from the Debian package
      `dataset-fashion-mnist`, which installs the four IDX files into `FASHION_MNIST_DIR`. Debian re-gzipped
      them, so checksum-verifying downloaders (TFDS, `keras.datasets`) reject them; they are parsed here directly.
    * MNIST (same layout and file names) from the IDX files in a user-given folder, or from TensorFlow Datasets
      when it can prepare 'mnist' (it downloads, so needs the network the first time).
    * scikit-learn's bundled 8x8 digits (1,797 images), for smoke tests.

IDX format (big-endian): images: magic 2051, count N, rows, cols (16-byte header) then N * rows * cols uint8
pixels; labels: magic 2049, count N (8-byte header) then N uint8 labels. Files may be gzipped (`.gz`) or plain.

Every loader returns (images uint8 [N, H, W] in 0..255, labels uint8 [N] in 0..9).
"""

import gzip
import pathlib

import numpy as np
from absl import logging

from tf_colorgan import tasks
from tf_colorgan.settings import ConfigError

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
SPLIT_PREFIXES = {"train": "train", "test": "t10k"}
DIGITS_TRAIN_COUNT = 1500
NAMES = tasks.DIGIT_SETS


class DatasetNotFoundError(ConfigError):
    """The files of a dataset are not where they were looked for; the message says what to install or pass."""


def _check_split(split):
    if split not in SPLIT_PREFIXES:
        raise ValueError(f"Invalid value for argument `split`. Expected one of {sorted(SPLIT_PREFIXES)}. "
                         f"Received: split={split!r}")


def read_idx(path):
    """Reads one IDX file of images or labels, gzipped or plain.

    Args:
        path: the file (str or path-like); gzip is recognised by its magic bytes, not by the name.

    Returns:
        uint8 [N, rows, cols] for an images file (magic 2051), uint8 [N] for a labels file (magic 2049).

    Raises:
        ValueError: naming the file, when the magic number is neither, or the file is shorter than its header
            says.
    """
    path = pathlib.Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        raise ValueError(f"Invalid IDX file '{path}'. Expected magic number {IMAGES_MAGIC} (images) or "
                         f"{LABELS_MAGIC} (labels). Received: magic={magic}")
    header_ints = 4 if magic == IMAGES_MAGIC else 2
    if len(raw) < 4 * header_ints:
        raise ValueError(f"Invalid IDX file '{path}': truncated header ({len(raw)} bytes, "
                         f"expected {4 * header_ints}).")
    dims = [int(d) for d in np.frombuffer(raw, ">u4", count=header_ints - 1, offset=4)]
    expected = 4 * header_ints + int(np.prod(dims))
    if len(raw) != expected:
        raise ValueError(f"Invalid IDX file '{path}': header dimensions {dims} need {expected} bytes. "
                         f"Received: {len(raw)} bytes.")
    return np.frombuffer(raw, np.uint8, offset=4 * header_ints).reshape(dims)


def _idx_path(data_dir, stem):
    """The existing `<stem>` or `<stem>.gz` file in `data_dir`, else None."""
    for name in (stem + ".gz", stem):
        if (data_dir / name).is_file():
            return data_dir / name
    return None


def _missing_message(name, data_dir, missing):
    return (f"Dataset '{name}' not found: {', '.join(missing)} (or .gz) missing in '{data_dir}'. "
            f"For Fashion-MNIST run `apt-get install dataset-fashion-mnist` (installs the files into "
            f"{FASHION_MNIST_DIR}), or pass --data_dir (data_dir=) to a folder holding the four IDX files "
            f"train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte "
            f"(gzipped or not; MNIST's original files have the same names).")


def load_idx_folder(data_dir, split="train", name="fashion_mnist"):
    """Loads one split of an (Fashion-)MNIST-layout folder of IDX files.

    Args:
        data_dir: folder holding `{train,t10k}-{images-idx3,labels-idx1}-ubyte`, each optionally `.gz`.
        split: "train" (the `train-*` files) or "test" (the `t10k-*` files).
        name: the dataset's name, for messages.

    Returns:
        (images uint8 [N, rows, cols] in 0..255, labels uint8 [N]).

    Raises:
        DatasetNotFoundError: a file is missing; the message says what to install or pass.
        ValueError: a file is malformed, or images and labels disagree in count.
    """
    _check_split(split)
    data_dir = pathlib.Path(data_dir)
    stems = [f"{SPLIT_PREFIXES[split]}-{kind}-ubyte" for kind in ("images-idx3", "labels-idx1")]
    paths = [_idx_path(data_dir, stem) for stem in stems]
    missing = [stem for stem, path in zip(stems, paths) if path is None]
    if missing:
        raise DatasetNotFoundError(_missing_message(name, data_dir, missing))
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"Invalid IDX files in '{data_dir}'. Expected images [N, rows, cols] and labels [N]. "
                         f"Received: images shape {images.shape}, labels shape {labels.shape}")
    logging.info("Loaded %s %s: %d images of %dx%d from %s", name, split, len(images), *images.shape[1:], data_dir)
    return images, labels


def load_fashion_mnist(data_dir=None, split="train"):
    """Fashion-MNIST (or MNIST, same layout) from IDX files: 60,000 train / 10,000 test 28x28 images.

    Args:
        data_dir: folder of the four IDX files; None: `FASHION_MNIST_DIR` (the Debian package's).
        split: "train" or "test".

    Returns:
        (images uint8 [N, 28, 28] in 0..255, labels uint8 [N] in 0..9).
    """
    return load_idx_folder(FASHION_MNIST_DIR if data_dir is None else data_dir, split, "fashion_mnist")


def load_sklearn_digits(split=None):
    """scikit-learn's bundled 8x8 handwritten digits, rescaled from 0..16 to 0..255 (round(v * 255 / 16)).

    Args:
        split: None: all 1,797 images; "train": the first 1,500; "test": the remaining 297.

    Returns:
        (images uint8 [N, 8, 8] in 0..255, labels uint8 [N] in 0..9).
    """
    from sklearn.datasets import load_digits  # Deferred: scikit-learn is needed by this dataset only.

    digits = load_digits()
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    if split is None:
        return images, labels
    _check_split(split)
    part = slice(None, DIGITS_TRAIN_COUNT) if split == "train" else slice(DIGITS_TRAIN_COUNT, None)
    return images[part], labels[part]


def _load_tfds_mnist(split):
    """MNIST from TensorFlow Datasets (prepared in its default data_dir, downloading when needed)."""
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder("mnist")
        if not builder.is_prepared():
            builder.download_and_prepare()
        data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    except Exception as error:  # Any failure (no package, no network) ends in the one actionable message.
        raise DatasetNotFoundError(
            f"Dataset 'mnist' not found: no data_dir was given and TensorFlow Datasets could not prepare "
            f"'mnist' ({type(error).__name__}: {error}). Pass --data_dir (data_dir=) to a folder holding MNIST's "
            f"IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            f"t10k-labels-idx1-ubyte (gzipped or not), or use Fashion-MNIST: "
            f"`apt-get install dataset-fashion-mnist`.") from error
    return data["image"][..., 0].astype(np.uint8), data["label"].astype(np.uint8)


def load_grayscale(name, data_dir=None, split="train"):
    """Loads one split of a grayscale dataset by name.

    Args:
        name: "fashion_mnist" (IDX files from `data_dir`, default `FASHION_MNIST_DIR`), "mnist" (IDX files from
            `data_dir`; without one, TensorFlow Datasets' 'mnist') or "digits" (scikit-learn's, offline;
            `data_dir` is ignored).
        data_dir: folder of IDX files, or None.
        split: "train" or "test" ("digits": the first 1,500 images or the remaining 297).

    Returns:
        (images uint8 [N, H, W] in 0..255, labels uint8 [N] in 0..9); H = W = 28, or 8 for "digits".

    Raises:
        DatasetNotFoundError: the files are missing; the message says what to install or pass.
    """
    _check_split(split)
    if name == "fashion_mnist":
        return load_fashion_mnist(data_dir, split)
    if name == "mnist":
        return _load_tfds_mnist(split) if data_dir is None else load_idx_folder(data_dir, split, "mnist")
    if name == "digits":
        return load_sklearn_digits(split)
    raise ValueError(f"Invalid value for argument `name`. Expected one of {list(NAMES)}. Received: name={name!r}")
