"""eval.py --models: several runs on one image set, scored against the truth and the gray baseline."""

import csv
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_colorgan.config import make_config
from tf_colorgan.data import sources
from tf_colorgan.evaluation import trained_runs
from tf_colorgan.networks import pix2pix
from tf_colorgan.settings import ConfigError
from tf_colorgan.tasks.colorize import evaluation, fid
from tf_colorgan.training import rundir


@pytest.fixture(scope="module")
def runs(module_tmp_path):
    """Two run directories (config.json + a checkpoint of the generator) with randomly initialised colorizers
    (at width 8: what is tested is the comparison, not the networks)."""
    made = []
    for gan, l1, l2 in (("lsgan", 100.0, 0.0), ("wgan", 0.0, 1.0)):
        run = module_tmp_path / gan
        config = make_config(gan=gan, l1=l1, l2=l2, train_mode_inference=False, width=8)
        rundir.config_path(run).parent.mkdir()
        rundir.config_path(run).write_text(config.to_json())
        generator = pix2pix.unet_generator(train_mode_inference=False, width=config.width)
        tf.train.Checkpoint(generator=generator).save(str(rundir.checkpoints(run) / "ckpt"))
        made.append(run)
    return made


@pytest.mark.slow
def test_comparison_writes_metrics_figure_and_page(runs, tmp_path):
    out = tmp_path / "comparison"
    missing = tmp_path / "inception_notop.h5"  # no InceptionV3 weights here: FID is left out, the rest written
    result = subprocess.run([sys.executable, "-m", "eval", f"--models={runs[0]},{runs[1]}", "--dataset=sample",
                             "--count=4", "--batch_size=2", f"--out={out}", f"--inception_weights={missing}"],
                            capture_output=True, text=True, cwd=sources.SAMPLE_DIR.parents[1])
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("FID not computed") == 1 and str(missing) in result.stderr
    results = json.loads((out / "metrics.json").read_text())
    assert results["fid_error"].startswith("FID not computed") and "fid" not in results["models"]["WGAN L1=0 L2=1"]
    assert list(results["models"]) == ["Gray (ab = 0)", "LSGAN L1=100 L2=0", "WGAN L1=0 L2=1"]
    assert results["protocol"]["images"] == 4 and results["protocol"]["truth_round_tripped_through_lab"]
    assert results["protocol"]["batch_size"] == 2  # --batch_size reaches the comparison (it was once dropped)
    gray = results["models"]["Gray (ab = 0)"]["summary"]
    assert gray["colourfulness"]["mean"] < 1.0  # the baseline has (almost) no colour: rounding only
    assert gray["psnr"]["mean"] > 15 and 0 < gray["auc"]["mean"] <= 100
    with open(out / "metrics.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 3 * len(gray) and {row["model"] for row in rows} == set(results["models"])
    # the bootstrap interval of a mean lies within the values' range and holds the mean of 4 images
    assert all(float(row["ci95_low"]) <= float(row["mean"]) <= float(row["ci95_high"]) for row in rows)
    page = (out / "index.html").read_text()
    images = re.findall(r'src="([^"]+)"', page)
    assert len(images) == 4 * 4  # 4 photos x (gray, two models, truth)
    assert all((out / source).is_file() for source in images) and "LSGAN L1=100 L2=0" in page
    assert Image.open(out / "figure.png").size[0] > 500


@pytest.mark.slow
def test_true_gray_photos_are_scored_by_colourfulness_only(runs, tmp_path):
    photos = tmp_path / "bw"
    photos.mkdir()
    for name in ("rocket.jpg", "grace_hopper.jpg"):
        Image.open(sources.SAMPLE_DIR / name).convert("L").save(photos / name.replace(".jpg", ".png"))
    results = trained_runs.compare(runs, str(photos), tmp_path / "out", true_gray=True)
    for result in results["models"].values():
        assert set(result["summary"]) == {"colourfulness", "colourfulness_abs"}
    assert results["models"]["Gray (ab = 0)"]["summary"]["colourfulness"]["mean"] < 1.0
    assert not (tmp_path / "out" / "images" / "truth").exists()


def test_gray_baseline_keeps_lightness_and_removes_colour():
    truths = evaluation.evaluation_images("sample", 256, count=2)
    gray = evaluation.gray_baseline(truths).astype(int)
    assert gray.shape == truths.shape == (2, 256, 256, 3)
    assert np.abs(gray[..., 0] - gray[..., 1]).max() <= 1 and np.abs(gray[..., 1] - gray[..., 2]).max() <= 1


@pytest.mark.slow
def test_fid_is_zero_for_a_set_against_itself_and_its_square_root_is_a_metric(runs, tmp_path):
    # The real Keras InceptionV3, built without weights (none can be downloaded here): the features are a random
    # network's, the arithmetic is FID's (`classifier_distance.frechet_distance`, tested on hand-computed cases).
    # Which of two sets lies nearer the photos depends on the random draw of the weights (gray nearer than the
    # negated photos failed on one draw in CI), so the test asserts what holds for any features: sqrt(FID) is the
    # 2-Wasserstein distance between the fitted Gaussians, zero on the set itself, symmetric, and obeying the
    # triangle inequality.
    inception, problem = fid.load_inception(None)
    assert problem is None and inception.output_shape == (None, fid.FEATURE_DIM)
    photos = evaluation.evaluation_images("sample", 256)  # 6 real photos, uint8 [6, 256, 256, 3]
    gray, negated = evaluation.gray_baseline(photos), 255 - photos
    same, to_gray = fid.fid(inception, photos, photos), fid.fid(inception, photos, gray)
    assert abs(same) < 1e-6 * to_gray  # rounding of the square root only
    # float64 arithmetic on the same float32 features both ways: S_a S_b and S_b S_a have the same singular values
    assert fid.fid(inception, gray, photos) == pytest.approx(to_gray, rel=1e-6)
    to_negated, gray_to_negated = fid.fid(inception, photos, negated), fid.fid(inception, gray, negated)
    assert np.sqrt(to_negated) <= (np.sqrt(to_gray) + np.sqrt(gray_to_negated)) * (1 + 1e-6)
    results = trained_runs.compare(runs, "sample", tmp_path / "out", count=4, inception_weights=None)
    assert "fid_error" not in results
    assert all(result["fid"] >= 0 for result in results["models"].values())


def test_a_run_of_another_task_is_refused_with_one_clear_message(tmp_path):
    run = tmp_path / "mnist"
    run.mkdir()
    rundir.config_path(run).write_text(make_config(task="generate", experiment="dcgan_mnist").to_json())
    message = r"Invalid run '.*mnist'. Expected a --task=colorize run \(train.py's default\). Received: a --task=gen"
    with pytest.raises(ConfigError, match=message):
        trained_runs.trained_generator(run)  # the export command's and the colorizers' way in
    with pytest.raises(ConfigError, match=message):
        trained_runs.compare([run], "sample", tmp_path / "out", count=1)  # eval.py --models
    assert not (tmp_path / "out").exists()


def test_eval_of_a_run_without_a_checkpoint_is_one_message_not_a_traceback(tmp_path):
    rundir.config_path(tmp_path).write_text(make_config().to_json())
    rundir.split_path(tmp_path).write_text(json.dumps({"train": ["a.jpg"], "test": []}))
    result = subprocess.run([sys.executable, "-m", "eval", f"--run_dir={tmp_path}"], capture_output=True, text=True,
                            cwd=sources.SAMPLE_DIR.parents[1])
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"No checkpoint in '{rundir.checkpoints(tmp_path)}'" in result.stderr
