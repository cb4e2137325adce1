"""A full file system loses nothing and says so: train.py's checkpoints and export, and `tf-colorgan prepare`,
on a real small tmpfs filled up (mounted here, so as root; skipped with the reason where it cannot be)."""

import errno
import os
import pathlib
import subprocess
import sys

import pytest

from tf_colorgan import storage

ROOT = pathlib.Path(__file__).resolve().parents[1]
MLP_GAN = [sys.executable, str(ROOT / "train.py"), "--task=generate", "--experiment=mlp_gan_mnist",
           "--dataset=fashion_mnist", "--save_every=1", "--image_every=1000"]


@pytest.fixture
def disk(tmp_path):
    """A 256 MB tmpfs mounted at tmp_path/disk for the test, and unmounted after it."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mount)], capture_output=True,
                            text=True)
    if result.returncode:
        pytest.skip(f"a tmpfs cannot be mounted here (needs root): {result.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk, leave):
    """Fills `disk` with one file so that `leave` bytes stay free; returns that file."""
    filler = disk / "filler"
    with open(filler, "wb") as file:
        os.posix_fallocate(file.fileno(), 0, storage.free_bytes(disk) - leave)
    return filler


def run(command, **environment):
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **environment})


def test_disk_full_recognises_both_kinds_of_error_and_only_them():
    import tensorflow as tf

    assert storage.is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert not storage.is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert storage.is_disk_full(tf.errors.ResourceExhaustedError(None, None, "ckpt-2_temp/part; No space left on "
                                                                             "device [Op:SaveV2]"))
    assert not storage.is_disk_full(tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor"))


@pytest.mark.slow
@pytest.mark.fashion_mnist
def test_a_checkpoint_and_an_export_on_a_full_disk_stop_clearly_and_a_rerun_resumes(disk):
    run_dir = disk / "run"
    first = run(MLP_GAN + [f"--run_dir={run_dir}", "--steps=1"])
    assert first.returncode == 0, first.stderr[-2000:]
    checkpoints = run_dir / "checkpoints"
    saved = storage.size(checkpoints.glob("ckpt-1.*"))  # about 45 MB: the MLP GAN and its optimizers
    filler = fill(disk, saved // 2)

    stopped = run(MLP_GAN + [f"--run_dir={run_dir}", "--steps=2"])
    assert stopped.returncode == 1 and "Traceback" not in stopped.stderr, stopped.stderr[-3000:]
    message = [line for line in stopped.stderr.splitlines() if "Could not write" in line]
    assert len(message) == 1, stopped.stderr[-3000:]
    assert f"Could not write checkpoint ckpt-2 in '{checkpoints}': its file system is full" in message[0]
    assert f"about {storage.megabytes(saved)} needed" in message[0]
    assert "The last usable checkpoint is ckpt-1 (step 1): free space and rerun the same command" in message[0]
    assert sorted(path.name for path in checkpoints.iterdir()) == [
        "checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"]  # the partial ckpt-2_temp removed

    filler.unlink()
    resumed = run(MLP_GAN + [f"--run_dir={run_dir}", "--steps=2"])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Resumed" in resumed.stderr and "ckpt-1 at step 1" in resumed.stderr
    assert (checkpoints / "ckpt-2.index").exists()

    # the export: the run is at its budget, so the same command only exports, into a full disk
    exported = {path.name: path.stat().st_size for path in (run_dir / "export").rglob("*")}
    fill(disk, 64 << 10)
    again = run(MLP_GAN + [f"--run_dir={run_dir}", "--steps=2"])
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr[-3000:]
    assert f"Could not write the export in '{run_dir}': its file system is full" in again.stderr
    assert "The checkpoints are intact: free space and rerun the same command" in again.stderr
    assert {path.name: path.stat().st_size for path in (run_dir / "export").rglob("*")} == exported  # kept whole
    assert not (run_dir / "export.partial").exists()


@pytest.mark.slow
def test_a_prepared_form_on_a_full_disk_stops_clearly_and_leaves_no_partial_folder(disk):
    fill(disk, 1 << 20)  # the six sample photos take about 4.7 MB at 256 x 256
    result = run([sys.executable, "-m", "tf_colorgan.serving", "prepare", "--dataset=sample"],
                 TF_COLORGAN_PREPARED=str(disk / "prepared"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert f"Could not write the prepared form in '{disk / 'prepared'}': its file system is full" in result.stderr
    assert list((disk / "prepared").iterdir()) == []
