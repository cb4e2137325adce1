"""Where images come from: a folder of images or a TensorFlow Datasets dataset, decoded, checked and split.

Sources: a folder (the built-in sample set `tf_colorgan/sample` is one) or a TFDS image dataset by name. A folder is
split by its file names alone, so a run on 200,000 photos starts at once; its files are checked as they are met
(`decoded`): empty, non-image, corrupt or truncated files (and, for colorization, grayscale photos) are skipped,
logged with the counts by kind and listed in the run's split.json; 16-bit PNGs, CMYK JPEGs, animated GIFs (first
frame) and tiny or huge photos are used. Making the split decodes files in name order only until the first usable
one, so a folder with none is one clear error before a model is built. Either source is split once, with a seeded
shuffle, into train and test in the report's proportion (195,000 of CelebA's 202,599 images train). The small
grayscale sets of `tf_colorgan.data.digits` (fashion_mnist, mnist, digits) keep their own train/test split.
Images: decoded (JPEG, PNG, BMP, GIF, WebP; grayscale and RGBA become RGB) to sRGB float [0, 1] [H, W, 3].
"""

import collections
import json
import pathlib
import threading

import numpy as np
import tensorflow as tf
from absl import logging

from tf_colorgan.data import digits
from tf_colorgan.settings import ConfigError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")


SAMPLE_DIR = pathlib.Path(__file__).resolve().parents[1] / "sample"  # package data: installed with the package


REPORT_TRAIN_FRACTION = 195_000 / 202_599


CACHE_BYTES = 4 << 30  # 4 GiB of decoded training images (5,000 at 256 x 256) are kept in memory


MAX_PIXELS = 4096 * 4096  # larger photos are AREA-resized in sRGB to this many pixels before the Lab conversion


GRAY_CHROMA = 2 / 255  # a photo whose channels never differ by more than this (at 64 x 64) has no colour


IMAGE_SIGNATURES = (b"\xff\xd8", b"\x89PNG", b"GIF8", b"BM", b"RIFF")  # JPEG, PNG, GIF, BMP, WebP


USABLE, FAILED, GRAYSCALE = 0, 1, 2  # what `decoded` found a file to be


def list_images(folder):
    """Sorted paths (str) of every image file under `folder`, recursively, by extension (case-insensitive)."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"Invalid `dataset`: expected a folder of images, 'sample' or a TFDS dataset name. "
                         f"Received: dataset='{folder}', which is not a directory.")
    paths = sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    if not paths:
        raise ConfigError(f"Invalid `dataset`: no images ({', '.join(IMAGE_EXTENSIONS)}) found under '{folder}'.")
    return paths


def decode_rgb(contents):
    """Encoded image bytes (scalar string) -> float32 sRGB [H, W, 3] in [0, 1]; first frame of a GIF; 16-bit
    PNGs rounded to 8 bits, CMYK JPEGs converted; photos over `MAX_PIXELS` AREA-resized to about that many."""
    image = tf.io.decode_image(contents, channels=3, expand_animations=False)  # uint8: WebP allows no other
    image.set_shape([None, None, 3])
    rgb = to_float_rgb(image)
    shape = tf.cast(tf.shape(rgb)[:2], tf.float64)
    scale = tf.sqrt(MAX_PIXELS / (shape[0] * shape[1]))
    return tf.cond(scale < 1, lambda: tf.image.resize(rgb, tf.cast(shape * scale, tf.int32), method="area"),
                   lambda: rgb)


def why_unusable(path):
    """Why a file that did not decode is skipped: "unreadable", "empty file", "not an image" (no JPEG, PNG, GIF,
    BMP or WebP signature) or "corrupt or truncated" (the decoder failed)."""
    try:
        with open(path, "rb") as file:
            head = file.read(16)
    except OSError:  # e.g. no permission to read it
        return "unreadable"
    return "empty file" if not head else "not an image" if not head.startswith(IMAGE_SIGNATURES) else \
        "corrupt or truncated"


def counts(reasons):
    """"2 corrupt or truncated, 1 empty file": how many of each reason, by reason."""
    return ", ".join(f"{count} {reason}" for reason, count in sorted(collections.Counter(reasons).items()))


class Skips:
    """The files of a folder skipped when met (`add` is `decoded`'s `on_skip`), each logged once with why and the
    counts so far.

    `reasons` maps each one's path relative to `root` to why (`why_unusable`, or "grayscale"); with a
    `split_file` (a run's split.json) they are also merged into its "skipped" entry as they are met.
    """

    def __init__(self, root, split_file=None):
        self.root, self.split_file = pathlib.Path(root), split_file
        self.reasons = {}
        self._lock = threading.Lock()  # tf.data calls `add` from its threads

    def add(self, path, why):
        relative = str(pathlib.Path(path).relative_to(self.root))
        with self._lock:
            if relative in self.reasons:
                return
            self.reasons[relative] = why
            logging.warning("Skipped %s under %s: %s (%d skipped so far: %s)%s.", relative, self.root, why,
                            len(self.reasons), counts(self.reasons.values()),
                            f"; listed in {self.split_file}" if self.split_file else "")
            if self.split_file:
                split = json.loads(pathlib.Path(self.split_file).read_text())
                split["skipped"] = {**split.get("skipped", {}), relative: why}
                partial = pathlib.Path(f"{self.split_file}.partial")
                partial.write_text(json.dumps(split))
                partial.replace(self.split_file)  # a reader never sees half a file


def is_colour(rgb):
    """Whether sRGB [H, W, 3] has colour: its channels differ by more than `GRAY_CHROMA` somewhere at 64 x 64."""
    small = tf.image.resize(rgb, [64, 64], method="area")
    return tf.reduce_max(tf.reduce_max(small, axis=-1) - tf.reduce_min(small, axis=-1)) > GRAY_CHROMA


def decoded(paths, on_skip, colour_only=False):
    """(path, float32 sRGB [H, W, 3]) of each file of a dataset of paths (strings) that decodes (`decode_rgb`; to
    a colour photo, `is_colour`, with `colour_only`), in the dataset's order, decoded in parallel; every other
    file is left out, and `on_skip(path, why)` called when it is met (`why_unusable`, or "grayscale")."""
    def attempt(path):  # (path, rgb, state) of the file; rgb a stand-in when it FAILED to decode
        def checked(rgb):  # here, in interleave's parallel calls, not in the sequential filter
            gray = tf.logical_not(is_colour(rgb)) if colour_only else tf.constant(False)
            return path, rgb, tf.where(gray, GRAYSCALE, USABLE)

        photo = tf.data.Dataset.from_tensors(path).map(lambda p: decode_rgb(tf.io.read_file(p))).ignore_errors()
        failed = tf.data.Dataset.from_tensors((path, tf.zeros([0, 0, 3]), FAILED))
        return photo.map(checked).concatenate(failed).take(1)

    def skip(path, state):  # in Python, for the few files skipped
        path = path.numpy().decode()
        on_skip(path, "grayscale" if state == GRAYSCALE else why_unusable(path))
        return False

    def usable(path, rgb, state):
        return tf.cond(state == USABLE, lambda: True, lambda: tf.py_function(skip, [path, state], tf.bool))

    return paths.interleave(attempt, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).filter(usable).map(
        lambda path, rgb, state: (path, rgb))


def to_float_rgb(image):
    """uint8 image [H, W, C] with C in 1..4 (gray, gray + alpha, RGB, RGBA) -> float32 sRGB [H, W, 3] in [0, 1]."""
    image = tf.image.convert_image_dtype(image, tf.float32)
    return image[..., :3] if image.shape[-1] >= 3 else tf.repeat(image[..., :1], 3, axis=-1)


def make_split(dataset, seed, data_dir=None, colour_only=False):
    """Splits a dataset into train and test items with a seeded shuffle, in the report's proportion.

    Args:
        dataset: 'sample', a folder path, one of `digits.NAMES`, or a TFDS dataset name (e.g. 'celeb_a').
        seed: shuffle seed.
        data_dir: TFDS data directory, or the folder of IDX files for `digits.NAMES` (None: the defaults).
        colour_only: also skip grayscale files of a folder (colorization has nothing to learn from them).

    A folder's files are not checked here beyond the first usable one (see the module docstring).

    Returns:
        A JSON-serialisable dict: {"source": "folder", "root": str, "colour_only": bool, "skipped": {relative
        path: why} (`Skips`; a run adds the files it meets), "train": [relative paths], "test": [...]} or
        {"source": "tfds", "name": str, "split": "test+train+...", "data_dir": str or None, "train": [indices],
        "test": [...]}, or for the sets of `tf_colorgan.data.digits` their own split:
        {"source": "digits", "name": str, "data_dir": str or None, "train": [0..n_train), "test": [0..n_test)}.
        train holds floor(n * 195000 / 202599) items, at least 1; test the rest.
    """
    if dataset in digits.NAMES:
        sizes = {part: len(digits.load_grayscale(dataset, data_dir, part)[0]) for part in ("train", "test")}
        return {"source": "digits", "name": dataset, "data_dir": data_dir,
                **{part: list(range(size)) for part, size in sizes.items()}}
    path = pathlib.Path(dataset)
    if dataset == "sample" or path.is_dir() or path.is_absolute() or dataset.startswith("."):
        root = SAMPLE_DIR if dataset == "sample" else pathlib.Path(dataset).resolve()
        paths = list_images(root)
        met = {}  # path: why, of the files decoding met (in parallel: it may run past the first usable one)
        first = [path for path, _ in decoded(tf.data.Dataset.from_tensor_slices(paths), met.__setitem__,
                                             colour_only).take(1)]
        if not first:
            expected = "colour photos" if colour_only else "images"
            raise ConfigError(f"Invalid `dataset`: no usable image under '{root}'. Expected {expected} that decode. "
                              f"Received: {len(paths)} file(s), all skipped: {counts(met.values())}.")
        before = paths[:paths.index(first[0].numpy().decode())]
        skipped = {str(pathlib.Path(p).relative_to(root)): met[p] for p in before}
        if skipped:
            logging.warning("Skipped the first %d of %d files under %s: %s. They are listed in split.json.",
                            len(skipped), len(paths), root, counts(skipped.values()))
        items = [str(pathlib.Path(p).relative_to(root)) for p in paths[len(before):]]
        split = {"source": "folder", "root": str(root), "colour_only": colour_only, "skipped": skipped}
    else:
        builder = tfds_builder(dataset, data_dir)
        split_name = "+".join(sorted(builder.info.splits.keys()))
        items = list(range(builder.info.splits[split_name].num_examples))
        split = {"source": "tfds", "name": dataset, "split": split_name, "data_dir": data_dir}
    order = np.random.default_rng(seed).permutation(len(items))
    n_train = max(1, int(len(items) * REPORT_TRAIN_FRACTION))
    split["train"] = [items[i] for i in order[:n_train]]
    split["test"] = [items[i] for i in order[n_train:]]
    return split


def tfds_builder(name, data_dir=None):
    """A prepared TFDS builder, or one clear error saying what to do when it cannot be had."""
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
        builder.download_and_prepare()
    except Exception as error:  # TFDS raises many types (network, checksum, registry).
        raise ConfigError(
            f"Invalid `dataset`: the TensorFlow Datasets dataset '{name}' could not be loaded or downloaded "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}). Expected a dataset "
            "TFDS can prepare: downloaded, or its files placed in "
            f"{pathlib.Path(data_dir or '~/tensorflow_datasets').expanduser() / 'downloads' / 'manual'} under the "
            "names of TFDS's checksums (see data/README.md); or a folder of images, or 'sample'."
        ) from error
    return builder


def images(split, part, shuffle_seed=None, on_skip=None):
    """Float32 sRGB images [H, W, 3] of `part` ('train' or 'test') of a split: folders in split order, TFDS in
    its stored order; or reshuffled at every pass with `shuffle_seed` (file names fully, TFDS examples through
    a 1,000-image buffer). A folder's files that prove unusable are left out when met and given to `on_skip`
    (`decoded`; by default to a `Skips` that logs them)."""
    items = split[part]
    if split["source"] == "folder":
        dataset = tf.data.Dataset.from_tensor_slices([str(pathlib.Path(split["root"]) / item) for item in items])
        if shuffle_seed is not None:
            dataset = dataset.shuffle(len(items), seed=shuffle_seed)
        on_skip = on_skip or Skips(split["root"]).add
        return decoded(dataset, on_skip, split.get("colour_only", False)).map(lambda path, rgb: rgb)
    import tensorflow_datasets as tfds

    builder = tfds_builder(split["name"], split.get("data_dir"))
    examples = builder.as_dataset(split=split["split"], shuffle_files=False,  # decoded below, once filtered
                                  decoders={"image": tfds.decode.SkipDecoding()}).enumerate()
    dataset = members(examples, items, tf.int64).map(lambda example: decode_rgb(example["image"]),
                                                     num_parallel_calls=tf.data.AUTOTUNE)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(min(len(items), 1000), seed=shuffle_seed)
    return dataset


def members(pairs, keys, dtype):
    """The values of a dataset of (key, value) pairs whose key is one of `keys` (of `dtype`), in the dataset's
    order: one hash-table lookup per element, so a split's items are picked out of a large source cheaply."""
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(keys, dtype), tf.ones(len(keys), tf.int64)), 0)
    return pairs.filter(lambda key, value: table.lookup(key) == 1).map(lambda key, value: value)


def share(split, index, count):
    """Input pipeline `index` of `count`'s share of a split: every `count`-th training item from the `index`-th
    (the split itself when `count` is 1). Each worker of a multi-worker run reads, decodes and caches its share
    only, and draws its part of every global batch from it."""
    return split if count == 1 else {**split, "train": split["train"][index::count]}
