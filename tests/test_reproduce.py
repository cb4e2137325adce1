"""python -m tf_colorgan.study: the report's configurations, trained and compared (two of them, briefly)."""

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from tf_colorgan import machine
from tf_colorgan.config import ConfigError
from tf_colorgan.study import figure5, reproduce


def test_configurations_are_the_reports_eight_with_their_learning_rates():
    assert list(reproduce.CONFIGURATIONS) == ["gan_l1", "gan_l2", "lsgan_l1", "lsgan_l2", "ebgan_l1", "ebgan_l2",
                                              "wgan_l1", "wgan_l2"]
    assert reproduce.CONFIGURATIONS["gan_l2"] == ("gan", 0.0, 1.0, 2e-5)
    assert reproduce.CONFIGURATIONS["ebgan_l1"][3] == 1e-3 and reproduce.CONFIGURATIONS["wgan_l2"][3] == 5e-5


@pytest.mark.slow
def test_two_configurations_train_are_recorded_and_published_from_their_records_alone(tmp_path):
    from sklearn.datasets import load_sample_image

    heldout, gray = tmp_path / "heldout", tmp_path / "gray"
    for folder in (heldout, gray):
        folder.mkdir()
    for name in ("china.jpg", "flower.jpg"):
        photo = load_sample_image(name)
        Image.fromarray(photo).save(heldout / name)
        Image.fromarray(photo).convert("L").convert("RGB").save(gray / name.replace(".jpg", ".png"))
    results = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "tf_colorgan.study", "--figure=6", "--dataset=sample", "--steps=1",
         "--only=lsgan_l1,wgan_l2", "--n_critic_warmup=1", "--width=8", f"--models_dir={tmp_path / 'runs'}",
         f"--heldout={heldout}", "--heldout_every=1", f"--true_gray_dir={gray}",
         f"--results_dir={results}", "--precision=auto", "--grid=flower.jpg"], capture_output=True, text=True,
        cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["sample_lsgan_l1-100_l2-0", "sample_wgan_l1-0_l2-1"]
    config = json.loads((tmp_path / "runs" / "sample_wgan_l1-0_l2-1" / "config.json").read_text())
    assert (config["lr"], config["steps"], config["precision"]) == (5e-5, 1, machine.fastest_precision())
    metrics = json.loads((results / "metrics.json").read_text())
    assert list(metrics["models"]) == ["Gray (ab = 0)", "LSGAN L1=100 L2=0", "WGAN L1=0 L2=1"]
    assert metrics["protocol"]["images"] == 2 and metrics["protocol"]["dataset"] == str(heldout)
    assert json.loads((results / "figure7_metrics.json").read_text())["protocol"]["true_gray"]
    # each configuration's record: one segment of one step on this machine, curves at steps 0 and 1, the
    # per-photo scores of both figures and its outputs (two 256 x 256 photos side by side)
    record = json.loads((results / "runs" / "wgan_l2.json").read_text())
    assert record["steps"] == 1 and record["heldout"]["step"] == [0, 1] and len(record["heldout"]["ab_l1"]) == 2
    assert [(s["from_step"], s["to_step"]) for s in record["segments"]] == [(0, 1)]
    assert record["segments"][0]["machine"]["cpu"] and record["losses"]["step"] == [1]
    assert record["segments"][0]["command"].startswith("python -m tf_colorgan.study --figure=6 --dataset=sample")
    assert record["scores"]["figure6"]["per_image"] == metrics["models"]["WGAN L1=0 L2=1"]["per_image"]
    assert set(record["scores"]["figure7"]["per_image"][0]) == {"colourfulness", "colourfulness_abs"}
    serving = record["scores"]["figure6_serving"]["per_image"]  # as the export serves: other numbers, same keys
    assert len(serving) == 2 and set(serving[0]) == set(record["scores"]["figure6"]["per_image"][0])
    # Figure 6's strip and grid show the --grid photo alone; Figure 7's both photos
    assert Image.open(results / "runs" / "wgan_l2_figure6.jpg").size == (256, 256)
    assert Image.open(results / "runs" / "wgan_l2_figure7.jpg").size == (2 * 256, 256)
    published = sorted(p.name for p in results.iterdir())
    assert published == ["analysis.json", "figure6.png", "figure7.png", "figure7_metrics.csv", "figure7_metrics.json",
                         "learning_curves.png", "losses.png", "metrics.csv", "metrics.json", "runs", "table.md",
                         "timing.csv"]
    # table.md: the protocol's table, the export's, the ranks by the curves, the training processes (one seed: no
    # seed spread), each after its caption
    protocol, served, serving, ranked, ranks, processes, segments = (results / "table.md").read_text().split("\n\n")
    assert len(protocol.splitlines()) == len(serving.splitlines()) == 2 + 3  # header, separator, gray and two
    assert served.startswith("As the export serves them") and ranked.startswith("Ranks by the held-out curves")
    assert len(ranks.splitlines()) == 2 + 2 and processes.startswith("Training processes")
    assert len(segments.splitlines()) == 2 + 2 and "| WGAN L1=0 L2=1 | 0-1 | " in segments  # a process each
    analysis = json.loads((results / "analysis.json").read_text())
    assert set(analysis["b_ranks"]["dcf"]) == {"LSGAN L1=100 L2=0", "WGAN L1=0 L2=1"}
    assert set(analysis["versus_gray"]) == set(analysis["ranks_last_and_mean_last"]["auc"]["per_configuration"])
    assert sum(p.stat().st_size for p in results.rglob("*") if p.is_file()) < 10 << 20  # small files only

    # the records are the results: with the runs (checkpoints, exports) gone, the same command trains nothing
    # and rebuilds the publication from the records alone
    shutil.rmtree(tmp_path / "runs")
    (results / "metrics.json").unlink()
    reproduce.reproduce(6, "sample", tmp_path / "runs", steps=1, only=["lsgan_l1", "wgan_l2"], true_gray_dir=gray,
                        heldout=heldout, heldout_every=1, results_dir=results, n_critic_warmup=1, precision="auto",
                        width=8, grid=["flower.jpg"])
    assert not (tmp_path / "runs").exists()
    assert json.loads((results / "metrics.json").read_text()) == metrics


@pytest.mark.parametrize("kwargs, message", [({"figure": 5}, "Expected 6 or 7"),
                                             ({"figure": 7}, "needs --true_gray_dir"),
                                             ({"figure": 6, "only": ["gan_l3"]}, "Received: \\['gan_l3'\\]"),
                                             ({"figure": 6, "grid": ["lily.jpg"]}, "Received: \\['lily.jpg'\\]")])
def test_bad_requests_are_refused_before_training(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        reproduce.reproduce(dataset="sample", models_dir=tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_terminated_study_records_the_segment_it_trained_and_scored(tmp_path):
    from sklearn.datasets import load_sample_image

    heldout = tmp_path / "heldout"
    heldout.mkdir()
    Image.fromarray(load_sample_image("flower.jpg")).save(heldout / "flower.jpg")
    log = tmp_path / "stderr.txt"  # a file, not a pipe: an undrained pipe fills (64 KiB of logs) and blocks the run
    process = subprocess.Popen(
        [sys.executable, "-m", "tf_colorgan.study", "--dataset=sample", "--steps=1000", "--only=lsgan_l1",
         "--save_every=1", f"--heldout={heldout}", "--heldout_every=1", "--width=8", f"--models_dir={tmp_path}"],
        stdout=subprocess.DEVNULL, stderr=log.open("w"))
    checkpoints = tmp_path / "sample_lsgan_l1-100_l2-0" / "checkpoints"

    def checkpointed():
        """The step the checkpoint state file names (0 before the first): TF rewrites it atomically once a
        checkpoint's files are complete. (A ckpt-N.index file appears before that: a run stopped then ends at N - 1.)"""
        state = checkpoints / "checkpoint"
        return int(state.read_text().split("ckpt-")[1].split('"')[0]) if state.exists() else 0

    while checkpointed() < 2 and process.poll() is None:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    stderr = log.read_text()
    assert process.returncode == 128 + signal.SIGTERM, stderr[-3000:]
    segments = json.loads((checkpoints.parent / "segments.json").read_text())
    last = checkpointed()
    assert len(segments) == 1 and segments[0]["from_step"] == 0 and segments[0]["to_step"] == last >= 2
    # each step's held-out score is on disk before its checkpoint: a run stopped between the two keeps neither,
    # and its resumption scores that step again; no checkpoint stands without its score
    for step in range(1, last + 1):
        assert stderr.index(f"Step {step}: {{") < stderr.index(f"checkpoints/ckpt-{step}\n"), step
    heldout_steps, _ = figure5.read_scalars(checkpoints.parent, ("heldout/ab_l1",))["heldout/ab_l1"]
    assert set(range(last + 1)) <= set(heldout_steps.tolist())


@pytest.mark.slow
def test_a_longer_budget_continues_the_runs_in_another_results_folder_and_leaves_the_first_records(tmp_path):
    """The study's phase 3: the phase-1 command's runs continued to a longer budget, scored at other intervals,
    recorded in their own folder; the phase-1 command run again afterwards keeps its records at its budget."""
    from sklearn.datasets import load_sample_image

    heldout = tmp_path / "heldout"
    heldout.mkdir()
    Image.fromarray(load_sample_image("flower.jpg")).save(heldout / "flower.jpg")
    common = dict(figure=6, dataset="sample", models_dir=str(tmp_path / "runs"), only=["lsgan_l1"],
                  heldout=str(heldout), width=8, precision="float32", save_every=1)
    short, long = tmp_path / "short" / "runs" / "lsgan_l1.json", tmp_path / "long" / "runs" / "lsgan_l1.json"
    reproduce.reproduce(steps=1, heldout_every=1, results_dir=tmp_path / "short", **common)
    first = short.read_text()
    reproduce.reproduce(steps=3, heldout_every=2, results_dir=tmp_path / "long", **common)
    record = json.loads(long.read_text())
    assert record["steps"] == 3 and [(s["from_step"], s["to_step"]) for s in record["segments"]] == [(0, 1), (1, 3)]
    assert record["heldout"]["step"] == [0, 1, 2, 3]  # every step up to 1, then every second one and the last
    (tmp_path / "short" / "table.md").unlink()
    reproduce.reproduce(steps=1, heldout_every=1, results_dir=tmp_path / "short", **common)
    assert short.read_text() == first  # neither retrained nor rescored at the run's step 3
    assert (tmp_path / "short" / "table.md").exists()  # but published again from the records
    # the same budget with no record there: the run has trained beyond it, refused before anything is written
    with pytest.raises(ConfigError, match=r"beyond it\. Expected steps >= 3 .* Received: steps=1"):
        reproduce.reproduce(steps=1, heldout_every=1, results_dir=tmp_path / "other", **common)
    assert not (tmp_path / "other").exists()
    # a second seed (the study's phase 2): its own run and record, and table.md sets the seeds' spread against the
    # configurations' (one configuration: no spread between configurations, 0)
    reproduce.reproduce(steps=1, heldout_every=1, results_dir=tmp_path / "short", seed=1, **common)
    assert short.read_text() == first and (tmp_path / "short" / "runs" / "lsgan_l1_seed1.json").exists()
    parts = (tmp_path / "short" / "table.md").read_text().split("\n\n")
    final = parts.index(next(part for part in parts if part.startswith("Seed spread of the final scores")))
    assert parts[final + 2].startswith("The same of the mean of the last 5 held-out scores")
    for table in (parts[final + 1], parts[final + 3]):
        assert table.splitlines()[0] == "| metric | configurations: range (median pair) | lsgan_l1: seed range |"
        assert table.splitlines()[2].startswith("| ab L1 | 0.00 (n/a) | ")  # no pair of configurations
