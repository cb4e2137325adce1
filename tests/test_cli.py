"""`tf-colorgan colorize` as a user runs it: a real subprocess on real photos, a folder, and a corrupt file."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_colorgan.data import sources
from tf_colorgan.networks import image_networks, pix2pix
from tf_colorgan.tasks.colorize import export
from tf_colorgan.tasks.generate import export as generate_export


@pytest.fixture(scope="module")
def run_dir(module_tmp_path):
    """A run directory holding the export of a (randomly initialised) colorizer: at --width=8, the command's work
    (finding, decoding, colorizing at each photo's size, writing) is the same at 1/64 of the arithmetic."""
    run = module_tmp_path
    export.export_colorizer(pix2pix.unet_generator(train_mode_inference=False, width=8), 256, run / "export")
    return run


def colorize(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tf_colorgan.serving", "colorize", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.mark.slow
def test_files_and_folders_are_colorized_at_their_own_size_and_a_corrupt_file_is_skipped(run_dir, tmp_path):
    photos = tmp_path / "photos"
    (photos / "nested").mkdir(parents=True)
    Image.open(sources.SAMPLE_DIR / "rocket.jpg").convert("L").save(photos / "rocket_gray.png")  # a real gray photo
    Image.open(sources.SAMPLE_DIR / "chelsea.jpg").save(photos / "nested" / "cat.webp")
    (photos / "broken.jpg").write_bytes(b"not a jpeg at all")
    result = colorize("--model", run_dir, sources.SAMPLE_DIR / "coffee.jpg", photos, "-o", tmp_path / "out",
                      cwd=tmp_path)
    assert result.returncode == 1  # one file failed, the rest went on
    assert "skipped" in result.stderr and "broken.jpg" in result.stderr
    written = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.png"))
    assert written == ["coffee.png", "nested/cat.png", "rocket_gray.png"]
    originals = {"coffee.png": "coffee.jpg", "nested/cat.png": "chelsea.jpg", "rocket_gray.png": "rocket.jpg"}
    for output, source in ((output, sources.SAMPLE_DIR / name) for output, name in originals.items()):
        image = tf.io.decode_png(tf.io.read_file(str(tmp_path / "out" / output)))
        assert image.shape[:2] == Image.open(source).size[::-1] and image.shape[2] == 3


@pytest.mark.slow
def test_the_run_directory_and_its_export_folder_both_work(run_dir, tmp_path):
    source = sources.SAMPLE_DIR / "grace_hopper.jpg"
    for model in (run_dir, run_dir / "export"):
        result = colorize("--model", model, source, "-o", tmp_path / model.name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
    first = np.asarray(Image.open(tmp_path / run_dir.name / "grace_hopper.png"))
    second = np.asarray(Image.open(tmp_path / "export" / "grace_hopper.png"))
    np.testing.assert_array_equal(first, second)


@pytest.fixture(scope="module")
def generator_export(module_tmp_path):
    """The export of a (randomly initialised) MNIST MLP image generator: z -> images, not a colorizer."""
    generate_export.export_image_generator(image_networks.mlp_generator(), 100, True, module_tmp_path / "mlp")
    return module_tmp_path / "mlp"


@pytest.mark.parametrize("args, message", [
    (["--model", "/no/such/run", "x.jpg"], "Expected a run directory written by train.py"),
    (["--model", "RUN", "/no/such/photo.jpg"], "missing path(s): ['/no/such/photo.jpg']"),
    (["--model", "GENERATOR", sources.SAMPLE_DIR / "coffee.jpg"],
     "Expected a colorization export (its signature takes images). Received: an export whose signature takes ['z']"),
])
@pytest.mark.slow
def test_bad_arguments_get_one_clear_message(run_dir, generator_export, tmp_path, args, message):
    args = [{"RUN": str(run_dir), "GENERATOR": str(generator_export)}.get(a, a) for a in args]
    result = colorize(*args, "-o", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not pathlib.Path(tmp_path / "out").exists()
