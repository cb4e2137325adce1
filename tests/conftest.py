"""The process settings of the entry points (`tf_colorgan.runtime`: oneDNN on, large freed blocks kept, Keras without
its extras) are applied first, so that what the tests compute here matches, bit for bit, what the commands they start
compute (a server's answers, a study's records). Two logical CPU devices for the whole test session (set before
TensorFlow initialises its devices), so that tests can run `tf.distribute.MirroredStrategy` with two replicas on a
CPU-only machine. Ops are still placed on /cpu:0 unless a strategy places them. Tests marked `bfloat16` are skipped,
with the reason, where bfloat16 oneDNN kernels cannot run (`machine.bfloat16_refusal`), and those marked `fashion_mnist`
where its files are absent. And four fixtures: `sample_pairs` (two sample photos as (L', ab') at 256 x 256),
`module_tmp_path`, `digits_classifiers` (the classifier cache of the 8x8 digits, trained once per session), and
`train_concurrently` for tests that start several real train.py processes."""

import os
import pathlib
import shutil
import subprocess
import sys

from tf_colorgan import runtime

runtime.apply()  # before TensorFlow starts, as the entry points do for users (the commands the tests start do too)

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from tf_colorgan import machine  # noqa: E402
from tf_colorgan.data import digits, sources  # noqa: E402
from tf_colorgan.tasks.colorize import lab_stream  # noqa: E402
from tf_colorgan.tasks.generate import classifier_distance  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]

tf.config.set_logical_device_configuration(tf.config.list_physical_devices("CPU")[0],
                                           [tf.config.LogicalDeviceConfiguration()] * 2)


def pytest_collection_modifyitems(items):
    refusal = machine.bfloat16_refusal()
    fashion = pathlib.Path(digits.FASHION_MNIST_DIR)
    absent = not all((fashion / f"{stem}-ubyte.gz").is_file() for stem in (
        "train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"))
    for item in items:
        if refusal and item.get_closest_marker("bfloat16"):
            item.add_marker(pytest.mark.skip(reason=refusal))
        if absent and item.get_closest_marker("fashion_mnist"):
            item.add_marker(pytest.mark.skip(reason=f"Fashion-MNIST's IDX files are absent from {fashion}: run "
                                                    "`apt-get install dataset-fashion-mnist` (tests/setup.sh does)"))


@pytest.fixture(scope="session")
def sample_pairs():
    """Real (L', ab') of two sample photos at 256 x 256: [2, 256, 256, 1] and [2, 256, 256, 2]."""

    return lab_stream.eval_pairs(sources.make_split("sample", seed=0), 256, 2)


@pytest.fixture(scope="module")
def module_tmp_path(tmp_path_factory, request):
    """A folder shared by one test module, removed when the module ends: its runs and exports of the 51 M-weight
    U-Net take hundreds of MB each (tests' own `tmp_path` is removed when they pass, see setup.cfg)."""
    path = tmp_path_factory.mktemp(request.module.__name__)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def digits_classifiers(tmp_path_factory):
    """(cache root, trained model): a classifier cache (`classifier_distance.load_or_train_classifier`) holding the
    8x8 digits' classifier, trained here once for the session's tests that measure the Frechet classifier
    distance, and the model that training returned."""

    root = tmp_path_factory.mktemp("classifiers")
    model, _ = classifier_distance.load_or_train_classifier("digits", root)
    return root, model


@pytest.fixture
def train_concurrently(tmp_path):
    """Function (flag lists, extra environments or None) -> [(exit status, stderr)]: `python train.py FLAGS` for
    each flag list, all at once from `tmp_path`, each logging to its own file (a full pipe would block it)."""

    def run(flag_lists, extra_envs=None):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        logs = [tmp_path / f"train_{index}.log" for index in range(len(flag_lists))]
        runs = [subprocess.Popen([sys.executable, str(ROOT / "train.py"), *flags], env={**env, **extra},
                                 stdout=subprocess.DEVNULL, stderr=log.open("w"), cwd=tmp_path)
                for flags, extra, log in zip(flag_lists, extra_envs or [{}] * len(flag_lists), logs)]
        # A hang guard, not a speed check: the two-worker test's three processes took 276 s on the slowest
        # machine met (an AVX2-only EPYC, 2026-12-02), several times that beside a training run.
        return [(process.wait(timeout=1800), log.read_text()) for process, log in zip(runs, logs)]

    return run
