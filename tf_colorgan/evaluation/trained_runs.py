"""Evaluating trained colorization runs: from a run directory's checkpoint, the report's protocol.

* `evaluate(run_dir)` (eval.py --run_dir): the run's test split through its generator as it trained (batch
  statistics, dropout on, batches of `batch_size`, from the checkpoint: the original's eval.py, C12), the truth and
  the colorization recombined from one pass (the original fetched them in two `sess.run` calls, C10); writes
  `eval/<step>_<i>_col.png`, `eval/<step>_<i>_true.png` and `eval/metrics.json` (PSNR and SSIM on RGB uint8, data
  range 255, mean over images; PSNR over the finite values, its infinities counted as "psnr_n_inf").
* `compare(run_dirs, dataset, out_dir)` (eval.py --models, the study): every run and the gray baseline on one image
  set, per-photo metrics with bootstrap intervals, FID where InceptionV3's weights load, Figure 6 and a page
  (`tf_colorgan.evaluation.report`).
* `colorizer` / `serving_colorizer`: a run's generator as the protocol uses it, and as its export serves it.
"""

import json
import pathlib

import numpy as np
import tensorflow as tf
from absl import logging

from tf_colorgan import tasks
from tf_colorgan.data import sources
from tf_colorgan.networks import train_mode
from tf_colorgan.settings import ConfigError
from tf_colorgan.tasks.colorize import evaluation, export, fid, metrics
from tf_colorgan.tasks.generate import classifier_distance
from tf_colorgan.training import rundir


def evaluate(run_dir, count=None, batch_size=4):
    """Evaluates the run in `run_dir` on the first `count` test images (all when None).

    Returns:
        The metrics dict written to `eval/metrics.json`.
    """
    config, split = rundir.read_config(run_dir), rundir.read_split(run_dir)
    part = "test" if split["test"] else "train"
    colorize = colorizer(run_dir)
    step = rundir.checkpointed_step(run_dir)
    out_dir = rundir.eval_outputs(run_dir)
    out_dir.mkdir(exist_ok=True)

    images = sources.images(split, part).take(count if count is not None else -1)
    images = images.map(lambda rgb: evaluation.lab_round_trip(rgb, config.size)).batch(batch_size)
    psnr, ssim, index = [], [], 0
    for true_batch in images:
        predicted = colorize(images=true_batch)["colorized"]
        psnr += list(tf.image.psnr(predicted, true_batch, max_val=255).numpy())
        ssim += list(tf.image.ssim(predicted, true_batch, max_val=255).numpy())
        for prediction, true in zip(predicted, true_batch):
            tf.io.write_file(str(out_dir / f"{step}_{index}_col.png"), tf.io.encode_png(prediction))
            tf.io.write_file(str(out_dir / f"{step}_{index}_true.png"), tf.io.encode_png(true))
            index += 1
    finite_psnr, psnr_n_inf = metrics.without_infinities(psnr)  # the rule of every PSNR mean of the package
    result = {"step": step, "images": index, "split": part, "size": config.size,
              "protocol": "Lab AREA resize to size, truth round-tripped through Lab, RGB uint8",
              "psnr": float(np.mean(finite_psnr)) if finite_psnr.size else float("nan"), "psnr_n_inf": psnr_n_inf,
              "ssim": float(np.mean(ssim))}
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2))
    return result


def colorization_config(run_dir):
    """The `Config` of the colorization run at `run_dir`; `ConfigError` for a run of another task."""
    config = rundir.read_config(run_dir)
    if config.task != "colorize":
        raise ConfigError(f"Invalid run '{run_dir}'. Expected a --task=colorize run (train.py's default). "
                          f"Received: a --task={config.task} run.")
    return config


def trained_generator(run_dir):
    """(config, generator) of a colorization run, the generator restored from the run's latest checkpoint."""
    config = colorization_config(run_dir)
    generator = tasks.plugin(config.task).generator(config)  # not imported at the top: it imports this module
    latest = tf.train.latest_checkpoint(str(rundir.checkpoints(run_dir)))
    if not latest:
        raise FileNotFoundError(f"No checkpoint in '{rundir.checkpoints(run_dir)}': expected a run trained by "
                                "train.py.")
    tf.train.Checkpoint(generator=generator).restore(latest).expect_partial()  # the generator alone
    return config, generator


def colorizer(run_dir):
    """The report's protocol for a trained colorization run: function `images` uint8 [N, H, W, 3] ->
    {"colorized": uint8 [N, H, W, 3]} (`export.colorize`) through its generator as it trained (by default
    BatchNorm on the statistics of the photos of one call, dropout on, C12), restored from its latest checkpoint.
    (The export's serving signature is batch-independent instead, `tf_colorgan.tasks.colorize.export`; before it
    was, it ran this protocol, and this function reproduces the study's scores of those exports exactly.)"""
    config, generator = trained_generator(run_dir)
    return tf.function(lambda images: {"colorized": export.colorize(generator, images, config.size)},
                       reduce_retracing=True)


def serving_colorizer(run_dir):
    """The export's computation for a trained colorization run, from its latest checkpoint (no export needed):
    function `images` uint8 [N, H, W, 3] -> {"colorized": uint8 [N, H, W, 3]}, each photo alone through the
    generator's inference twin (BatchNorm on its moving averages, no dropout; `export.colorize_each`)."""
    config, generator = trained_generator(run_dir)
    twin = train_mode.inference_twin(generator)
    return tf.function(lambda images: {"colorized": export.colorize_each(twin, images, config.size)},
                       reduce_retracing=True)


def compare(run_dirs, dataset, out_dir, count=None, size=256, true_gray=False, data_dir=None, batch_size=4,
            inception_weights="imagenet"):
    """Colorizes one evaluation set with several runs' generators (`colorizer`: each restored from its latest
    checkpoint, the report's protocol) and scores each against the truth.

    Writes into `out_dir`: metrics.json and metrics.csv (`comparison`: per model and for the gray baseline, mean,
    std and bootstrap 95% interval over images of every `metrics.image_metrics` value, plus the protocol and,
    under "truth", the colourfulness of the true images), figure.png (the report's Figure 6 layout: a row per
    image, columns input, each model, truth) and index.html (the table and every image). With `true_gray` the
    photos have no colour original: only the input and the outputs, scored by colourfulness. Unless `true_gray`,
    each model (and the gray baseline) also gets its FID against the truths (`tf_colorgan.tasks.colorize.fid`, under
    "fid") when the InceptionV3 weights `inception_weights` load; otherwise "fid_error" says why, logged once.

    Returns:
        The metrics dict written to metrics.json.
    """

    truths = evaluation.evaluation_images(dataset, size, count, data_dir)
    columns = {evaluation.GRAY: evaluation.gray_baseline(truths)}
    runs = {evaluation.GRAY: "baseline"}
    for run_dir in map(pathlib.Path, run_dirs):
        label = evaluation.model_label(colorization_config(run_dir))
        if label in columns:
            label = f"{label} ({run_dir.name})"
        columns[label], runs[label] = evaluation.protocol_outputs(colorizer(run_dir), truths, batch_size), str(run_dir)
    models = {label: (runs[label], evaluation.score(outputs, truths, true_gray)) for label, outputs in columns.items()}
    results = evaluation.comparison(dataset, truths, models, true_gray, batch_size)
    if not true_gray:
        inception, problem = fid.load_inception(inception_weights)
        if problem:
            logging.warning("%s", problem)
            results["fid_error"] = problem
        else:
            truth_features = fid.features(inception, truths)
            for label, outputs in columns.items():
                results["models"][label]["fid"] = classifier_distance.frechet_distance(
                    fid.features(inception, outputs), truth_features)
    from tf_colorgan.evaluation import report  # draws with matplotlib: imported only here

    report.write(out_dir, results, truths, columns, true_gray)
    return results
