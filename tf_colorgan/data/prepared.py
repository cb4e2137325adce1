"""Decode once: a dataset's photos stored as resized Lab images, shared by every colorization run at that side.

    tf-colorgan prepare --dataset=FOLDER_OR_TFDS_NAME --size=256 [--jitter]

decodes every image of the dataset once (`sources.decoded`; a folder's unusable files and grayscale photos are
listed in the form's `index.json`),
converts it to Lab at its own resolution and AREA-resizes it to side x side (side = size, or size + 20 for
--jitter) with `lab.resized_lab`, the streaming path's own function, so a run reads the very values it would
have computed. They are written with `tf.data.Dataset.save`: float32, side^2 * 12 bytes per image (0.79 MB at
256: ~1.1 GB for the study's 1,383 photos, ~160 GB for CelebA's 202,599).

The forms live under `ROOT` (`$TF_COLORGAN_PREPARED`, default `~/.cache/tf_colorgan/prepared`), one folder per
dataset, side and content: `<name>-<side>-<fingerprint>`. The fingerprint hashes every image file's relative
path, size and modification time (a TFDS dataset: its name, version, data_dir and splits), so a changed folder
is prepared anew and a stale form is never read. Delete a form's folder (or ROOT) to reclaim the space; runs
then decode the photos again. A colorization run reads the form of its dataset and side when there is one (and
logs it), otherwise it decodes the photos as before.
"""

import hashlib
import json
import os
import pathlib

import tensorflow as tf
from absl import logging

from tf_colorgan import storage
from tf_colorgan.data import lab, sources
from tf_colorgan.settings import ConfigError

ROOT = pathlib.Path(os.environ.get("TF_COLORGAN_PREPARED", "~/.cache/tf_colorgan/prepared")).expanduser()
INDEX = "index.json"  # {"skipped": {item: why}}, written last: the form is complete


def fingerprint(split):
    """12 hex digits naming the content of a split's source (see the module docstring)."""
    if split["source"] == "folder":
        root = pathlib.Path(split["root"])
        key = [(str(pathlib.Path(path).relative_to(root)), stat.st_size, stat.st_mtime_ns)
               for path in sources.list_images(root) for stat in [os.stat(path)]]
    else:
        builder = sources.tfds_builder(split["name"], split.get("data_dir"))
        key = [split["name"], str(builder.version), split.get("data_dir"), split["split"]]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]


def name_of(split):
    """The name a prepared form of `split`'s source starts with: its folder's name, or the TFDS name."""
    return pathlib.Path(split["root"]).name if split["source"] == "folder" else split["name"].replace("/", "_")


def location(split, side):
    """The folder of the prepared form of `split`'s source at `side` (whether or not it exists)."""
    return ROOT / f"{name_of(split)}-{side}-{fingerprint(split)}"


def items_and_photos(split, skipped):
    """(item, float32 sRGB [H, W, 3]) of every image of the split's source, in item order: a folder's image
    files that decode to colour photos (item: the relative path; the others go to `skipped` {item: why}) or every
    TFDS example (item: the index as a string)."""
    if split["source"] == "folder":
        root = str(split["root"])
        record = lambda path, why: skipped.update({str(pathlib.Path(path).relative_to(root)): why})  # noqa: E731
        files = tf.data.Dataset.from_tensor_slices(sources.list_images(root))
        photos = sources.decoded(files, record, colour_only=True)
        start = len(root.encode()) + 1  # substr counts bytes: a folder named in UTF-8 is longer than its str
        return photos.map(lambda path, rgb: (tf.strings.substr(path, start, -1), rgb))
    indices = sorted(split["train"] + split["test"])
    return tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices([str(index) for index in indices]),
                               sources.images({**split, "train": indices}, "train"))


def prepare(split, side):
    """Writes the prepared form of `split`'s source at `side` unless it exists; returns its folder."""
    if split["source"] not in ("folder", "tfds"):
        raise ConfigError(f"Invalid `dataset`: expected a folder of photos or a TFDS dataset to prepare. "
                          f"Received: {split.get('name')!r}, whose images are not photos.")
    path = location(split, side)
    if (path / INDEX).exists():
        logging.info("Already prepared: %s", path)
        return path
    skipped = {}
    forms = items_and_photos(split, skipped).map(lambda item, rgb: (item, lab.resized_lab(rgb, side)),
                                                 num_parallel_calls=tf.data.AUTOTUNE)
    logging.info("Preparing %s at %d x %d in %s", split.get("root", split.get("name")), side, side, path)

    def write(partial):
        forms.save(str(partial))
        (partial / INDEX).write_text(json.dumps({"skipped": skipped}))

    # complete or absent: a killed preparation leaves only its .partial folder, which the next one removes
    storage.write_folder(path, write, "the prepared form", "Nothing else was written: free space (or point "
                         "$TF_COLORGAN_PREPARED elsewhere) and rerun the same command.")
    return path


def lab_images(split, side, on_skip):
    """Float32 Lab [side, side, 3] of the training items of `split` from their prepared form at `side` (in the
    form's order), or None when there is none. Training items the form skipped are left out and given to
    `on_skip(path, why)` (when given) once, here."""
    if not any(ROOT.glob(f"{name_of(split)}-{side}-*")):  # the usual case: no need to fingerprint every file
        return None
    path = location(split, side)
    if not (path / INDEX).exists():
        return None
    logging.info("Reading the prepared Lab images of %s", path)
    unusable = json.loads((path / INDEX).read_text())["skipped"]
    train = [str(item) for item in split["train"]]
    for item in sorted(set(train) & set(unusable)) if on_skip else ():
        on_skip(str(pathlib.Path(split["root"]) / item), unusable[item])
    wanted = [item for item in train if item not in unusable]
    return sources.members(tf.data.Dataset.load(str(path)), wanted, tf.string)
