"""Decode once (`tf_colorgan.data.prepared`): the prepared form of real photos holds the streaming path's Lab values
bit for bit, a run reads it, a changed folder is never read stale, unusable files stay skipped, and the
`tf-colorgan prepare` command writes it."""

import json
import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan.data import lab, prepared, sources
from tf_colorgan.tasks.colorize import lab_stream

SIDE = 64


@pytest.fixture
def photos(tmp_path, monkeypatch):
    """A folder of the six sample photos and a fresh ROOT for prepared forms."""
    monkeypatch.setattr(prepared, "ROOT", tmp_path / "prepared")
    folder = tmp_path / "photos"
    shutil.copytree(sources.SAMPLE_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def test_the_prepared_form_holds_the_streaming_paths_lab_values_bit_for_bit(photos):
    split = sources.make_split(str(photos), seed=0, colour_only=True)
    path = prepared.prepare(split, SIDE)
    assert path.parent == prepared.ROOT and path.name.startswith(f"photos-{SIDE}-")
    assert json.loads((path / prepared.INDEX).read_text()) == {"skipped": {}}
    from_form = [lab.numpy() for lab in prepared.lab_images(split, SIDE, None)]
    in_order = {**split, "train": sorted(split["train"])}  # the form's order: the files' names
    streamed = [lab.numpy() for lab in sources.images(in_order, "train").map(lambda rgb: lab.resized_lab(rgb, SIDE))]
    assert len(from_form) == len(split["train"]) == 5
    for ours, theirs in zip(from_form, streamed):
        assert ours.shape == (SIDE, SIDE, 3) and np.array_equal(ours, theirs)  # the same function's output
    assert prepared.prepare(split, SIDE) == path  # once: the second call finds it


def test_a_folder_named_in_utf8_keeps_every_photo(photos):
    # its path is longer in bytes than in characters: the form's item names are cut after the root's bytes
    folder = photos.rename(photos.with_name("álbum de família"))
    split = sources.make_split(str(folder), seed=0, colour_only=True)
    prepared.prepare(split, SIDE)
    assert len(list(prepared.lab_images(split, SIDE, None))) == len(split["train"]) == 5


def test_a_killed_preparations_leftover_shards_are_cleared_before_preparing_again(photos):
    split = sources.make_split(str(photos), seed=0, colour_only=True)
    partial = prepared.location(split, SIDE).with_name(prepared.location(split, SIDE).name + ".partial")
    tf.data.Dataset.range(3).map(lambda i: (tf.strings.as_string(i), i)).save(str(partial))  # killed before INDEX
    stale = {entry.name for entry in partial.iterdir() if entry.is_dir()}  # its shard folder
    path = prepared.prepare(split, SIDE)
    assert not partial.exists() and len(list(prepared.lab_images(split, SIDE, None))) == 5
    assert stale and not stale & {entry.name for entry in path.iterdir()}  # only this preparation's shards


def test_training_reads_the_prepared_form_and_a_changed_folder_is_decoded_again(photos, caplog):
    split = sources.make_split(str(photos), seed=0, colour_only=True)
    prepared.prepare(split, SIDE)
    with caplog.at_level(logging.INFO, logger="absl"):  # absl's own level, which another test may have raised
        l_channel, ab = next(iter(lab_stream.training_batches(split, SIDE, 5, lambda step: 1, cache_bytes=0)))
    assert "Reading the prepared Lab images" in caplog.text
    assert l_channel.shape == (1, 5, SIDE, SIDE, 1) and ab.shape == (1, 5, SIDE, SIDE, 2)
    # The batch is the 5 training photos in some order: the same L' as the streamed photos'.
    streamed = sorted(lab.jittered_pair(lab.resized_lab(rgb, SIDE), SIDE)[0].numpy().sum()
                      for rgb in sources.images(split, "train"))
    np.testing.assert_allclose(sorted(l_channel.numpy().sum(axis=(2, 3, 4))[0]), streamed, rtol=1e-6)
    photo = photos / split["train"][0]
    os.utime(photo, ns=(photo.stat().st_atime_ns, photo.stat().st_mtime_ns + 10**9))  # a file changed
    assert prepared.lab_images(split, SIDE, None) is None  # another fingerprint: not prepared at this content


def test_files_the_preparation_skipped_are_reported_to_the_run(photos):
    (photos / "empty.jpg").write_bytes(b"")
    tf.io.write_file(str(photos / "gray.png"), tf.io.encode_png(tf.fill([32, 32, 1], tf.constant(128, tf.uint8))))
    split = sources.make_split(str(photos), seed=0, colour_only=True)
    split = {**split, "train": split["train"] + split["test"]}  # all eight files (the two bad ones after usable)
    path = prepared.prepare(split, SIDE)
    assert json.loads((path / prepared.INDEX).read_text())["skipped"] == {"empty.jpg": "empty file",
                                                                       "gray.png": "grayscale"}
    met = {}
    labs = list(prepared.lab_images(split, SIDE, met.__setitem__))
    assert len(labs) == 6 and met == {str(photos / "empty.jpg"): "empty file", str(photos / "gray.png"): "grayscale"}


@pytest.mark.slow
def test_the_prepare_command_writes_the_form_where_the_environment_says(photos, tmp_path):
    root = tmp_path / "elsewhere"

    def prepare(size):
        return subprocess.run([sys.executable, "-m", "tf_colorgan.serving", "prepare", f"--dataset={photos}",
                               f"--size={size}", "--jitter"], capture_output=True, text=True,
                              env={**os.environ, "TF_COLORGAN_PREPARED": str(root)})

    result = prepare(256)
    assert result.returncode == 0, result.stderr[-3000:]
    (form,) = root.iterdir()
    assert result.stdout.strip() == str(form) and form.name.startswith(f"photos-{256 + lab.JITTER_MARGIN}-")
    assert (form / prepared.INDEX).exists()
    refused = prepare(300)  # no colorization run trains at 300: its form would never be read
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "Invalid value for argument `size`. Expected a positive multiple of 256" in refused.stderr
    assert "Received: size=300" in refused.stderr
    assert list(root.iterdir()) == [form]
