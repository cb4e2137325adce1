"""Reproduce the report's colorization comparison: train its eight configurations, then compare them.

    python -m tf_colorgan.study --figure=6 --dataset=celeb_a                      # the real experiment (GPU)
    python -m tf_colorgan.study --figure=6 --dataset=sample --steps=300           # a CPU-sized run
    python -m tf_colorgan.study --figure=6 --dataset=data/photos/train --heldout=data/photos/heldout \\
        --true_gray_dir=data/photos/solvay --steps=1000 --precision=auto --results_dir=results/figure6   # the study

The configurations are those of the report's Figure 6 (docs/original-code.md 2.7, `analysis.CONFIGURATIONS`): GAN,
LSGAN, EBGAN and WGAN, each with (L1 = 100, L2 = 0) and (L1 = 0, L2 = 1), with the learning rates of the
ProjectReport table (GAN-L2 2e-5, the argparse default it ran with). Runs land in
`--models_dir/<dataset>_<gan>_l1-<l1>_l2-<l2>` and resume like any train.py run: the same command again continues
every configuration from its checkpoint. With `--heldout` each run scores its generator on that folder every
`--heldout_every` steps (TensorBoard `heldout/<metric>`).

As each configuration reaches its budget it is scored once from its checkpoint, with the protocol of
`eval.py --models` (`evaluation.comparison`): Figure 6 on the `--heldout` photos (else the training set's)
against their truth, Figure 7 on `--true_gray_dir` (photos without a colour original; `--figure=7` scores only
these). Its record goes to `<results_dir>/runs/<name>.json` (settings, the processes that trained it
(`segments`: steps, seconds, precision, machine), seconds per step, the loss and held-out curves, the per-photo
scores) with its outputs beside it, and `analysis.publish` rewrites the figures, tables and analysis of every record
there: results survive the loss of checkpoints and exports, and partial studies are published as they go.
"""

import dataclasses
import datetime
import json
import pathlib
import shlex
import signal
import sys
import time

import numpy as np
from absl import app, flags, logging

from tf_colorgan import machine, objectives, storage
from tf_colorgan.config import PRECISIONS, ConfigError, make_config
from tf_colorgan.evaluation import trained_runs
from tf_colorgan.study import analysis, figure5
from tf_colorgan.tasks.colorize import evaluation, metrics
from tf_colorgan.training import callbacks, rundir, trainer

CONFIGURATIONS = analysis.CONFIGURATIONS
LOSSES = ("d_loss", "g_loss", "g_adversarial", "g_l1", "g_l2", "seconds_per_step")
HELDOUT_TAGS = tuple(f"heldout/{name}" for name in metrics.METRIC_NAMES)


def train_and_record(name, config, results_dir, folders, command=None, grid=None):
    """Trains (or resumes) one configuration and records it, unless it is recorded already; True if it wrote a
    record.

    Appends this process's segment (checkpointed steps, seconds, precision, machine) to `run_dir/segments.json`,
    also when training stops on an error; once it has trained to its budget, writes its record
    `<results_dir>/runs/<name>.json` (`run_record`, scored on `folders`: {figure: photo folder}; Figure 6's
    strip shows the photos of `grid`).

    A configuration recorded at its budget is not trained, scored or loaded again (`recorded_step`): the record
    is the result (its checkpoints may be gone, or the run may have trained on to a longer budget recorded in
    another results folder), and with dropout on at inference a rescore would draw other numbers. Delete the
    record to train it again.
    """
    run_dir = pathlib.Path(config.run_dir)
    out = analysis.record_path(results_dir, name)
    first = rundir.checkpointed_step(run_dir)
    recorded = recorded_step(out, config.steps, first)
    if recorded is not None:
        logging.info("%s: recorded at step %d in %s; delete the record to train it again", name, recorded, out)
        return False
    began, this_machine = time.monotonic(), machine.describe()  # its commit as this process began, before any pull
    try:
        trainer.run(config)
    finally:  # a run stopped by an error is recorded up to its last checkpoint, which a rerun resumes
        path = rundir.segments(run_dir)
        segments = json.loads(path.read_text()) if path.exists() else []
        last = rundir.checkpointed_step(run_dir)
        if last > first:
            segments.append({"from_step": first, "to_step": last, "seconds": round(time.monotonic() - began, 1),
                             "precision": config.precision, "date": datetime.date.today().isoformat(),
                             "machine": this_machine, "command": command})
            path.write_text(json.dumps(segments, indent=2))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run_record(name, config, segments, folders, out.parent, grid), indent=1))
    return True


def recorded_step(path, steps, checkpointed):
    """The step of the record at `path` if it is the result at the budget `steps`, else None (train on).

    With a budget, a record at or beyond it is the result, whatever later checkpoint its run directory holds
    (phase 3 of the study continues phase 1's runs to 10,000 steps, recorded in another folder); without one
    (`steps` None, train.py's default length), any record is, unless the run directory holds a checkpoint
    (`checkpointed`, its step) later than the record's.
    """
    if not path.exists():
        return None
    recorded = json.loads(path.read_text())["steps"]
    done = recorded >= steps if steps is not None else checkpointed <= recorded
    return recorded if done else None


def run_record(name, config, segments, folders, runs_dir, grid=None):
    """The published record of one trained configuration (see the module docstring); writes its outputs on each
    folder of `folders` ({figure: photo folder}) as `runs_dir/<name>_<figure>.jpg`, for Figure 6 only those of the
    held-out photos named in `grid` (all when None). Figure 6 is scored twice: with the report's protocol
    (`trained_runs.colorizer`) and as the export serves (`trained_runs.serving_colorizer`, "figure6_serving")."""
    scalars = figure5.read_scalars(config.run_dir, LOSSES + HELDOUT_TAGS)
    steps, seconds = scalars["seconds_per_step"]
    scores, colorize = {}, trained_runs.colorizer(config.run_dir)  # the generator loaded once for every figure
    for figure, folder in folders.items():
        truths = evaluation.evaluation_images(folder, config.size)
        outputs = evaluation.protocol_outputs(colorize, truths)
        shown = analysis.grid_indices(folder, grid) if figure == "figure6" else list(range(len(truths)))
        analysis.write_strip(runs_dir / f"{name}_{figure}.jpg", outputs[shown])
        scores[figure] = {"dataset": str(folder), "images": len(truths), "outputs": f"{name}_{figure}.jpg",
                          "shown": shown, "per_image": evaluation.score(outputs, truths, analysis.FIGURES[figure][1])}
        if figure == "figure6":
            serving = evaluation.protocol_outputs(trained_runs.serving_colorizer(config.run_dir), truths)
            scores["figure6_serving"] = {"dataset": str(folder), "images": len(truths),
                                         "per_image": evaluation.score(serving, truths)}
    return {
        "name": name, "label": evaluation.model_label(config), "run": config.run_dir,
        "settings": {key: getattr(config, key) for key in ("gan", "l1", "l2", "lr", "batch_size", "size", "dataset",
                                                          "heldout", "seed", "precision")},
        "steps": int(steps.max()) if len(steps) else 0, "segments": segments,
        # per-step wall time (every logged step is one step at --log_every=1); the first step of each process
        # includes tracing, which the median leaves out and the total keeps
        "seconds_per_step": {"median": float(np.median(seconds)) if len(seconds) else 0.0,
                             "mean": float(seconds.mean()) if len(seconds) else 0.0},
        "training_seconds": float(seconds.sum()),
        "losses": {"step": steps.tolist(), **{tag: scalars[tag][1].tolist() for tag in LOSSES[:-1]}},
        "heldout": {"step": scalars[HELDOUT_TAGS[0]][0].tolist(),
                    **{tag.split("/", 1)[1]: scalars[tag][1].tolist() for tag in HELDOUT_TAGS}},
        "scores": scores,
    }


def reproduce(figure, dataset, models_dir, steps=None, only=None, true_gray_dir=None, heldout=None,
              heldout_every=250, results_dir=None, command=None, seed=0, grid=None, **settings):
    """Trains (or resumes) the configurations, records and publishes each as it reaches its budget; when all of
    them were recorded before, publishes once from their records.

    Args:
        figure: 6 (scored against the truth, plus Figure 7 with `true_gray_dir`) or 7 (the true grayscale
            photos only, colourfulness).
        dataset: the training set ('sample', a folder or a TFDS name).
        models_dir: parent folder of the runs.
        steps: training iterations per run (None: train.py's default length).
        only: names of `CONFIGURATIONS` to run (None: all eight, in the report's column order).
        true_gray_dir: Figure 7's folder of black-and-white photos.
        heldout: a folder of photos the runs do not train on: scored during training and by Figure 6.
        heldout_every: steps between the held-out scores (with `heldout`).
        results_dir: the records and published files (`study`; None: `<models_dir>/results`).
        command: the command line, recorded with each training segment.
        seed: every run's seed; a seed other than 0 names its runs and records `<name>_seed<seed>`.
        grid: the held-out photos (file names) drawn in Figure 6 (None: all of them).
        **settings: any other `Config` setting for every run (an objective's, e.g. n_critic_warmup, for the
            runs of the objectives that have it), e.g. precision.
    """
    if figure not in (6, 7):
        raise ConfigError(f"Invalid value for argument `figure`. Expected 6 or 7. Received: figure={figure}")
    if figure == 7 and not true_gray_dir:
        raise ConfigError("Figure 7 needs --true_gray_dir, a folder of photos without a colour original.")
    names = list(CONFIGURATIONS) if only is None else list(only)
    unknown = [name for name in names if name not in CONFIGURATIONS]
    if unknown:
        raise ConfigError(f"Invalid value for argument `only`. Expected names from {list(CONFIGURATIONS)}. "
                          f"Received: {unknown}")
    if heldout:
        settings = {**settings, "heldout": heldout, "heldout_every": heldout_every}
    configs = {}
    for name in names:  # every setting is checked before the first run trains
        gan, l1, l2, lr = CONFIGURATIONS[name]
        config = make_config(gan=gan, l1=l1, l2=l2, lr=lr, dataset=dataset, steps=steps, seed=seed,
                             **objectives.settings_for(gan, settings))
        configs[analysis.record_name(name, seed)] = dataclasses.replace(
            config, run_dir=str(pathlib.Path(models_dir) / config.run_name))
    folders = {"figure6": heldout or dataset} if figure == 6 else {}
    if grid is not None and figure == 6:
        analysis.grid_indices(folders["figure6"], grid)  # checked before the first run trains
    if true_gray_dir:
        folders["figure7"] = true_gray_dir
    results_dir = results_dir or pathlib.Path(models_dir) / "results"
    for name, config in configs.items() if steps is not None else ():  # trained beyond the budget: not at it
        checkpointed = rundir.checkpointed_step(config.run_dir)
        if checkpointed > steps and recorded_step(analysis.record_path(results_dir, name), steps, checkpointed) is None:
            raise ConfigError(
                f"Invalid value for argument `steps`. {name} has no record at step {steps} in {results_dir}, and "
                f"its run {config.run_dir} has trained beyond it. Expected steps >= {checkpointed} (its "
                f"checkpoint), or another models_dir. Received: steps={steps}")
    stopped, new = {}, {}
    for name, config in configs.items():
        try:
            new[name] = train_and_record(name, config, results_dir, folders, command, grid)
        except callbacks.NonFiniteLossError as error:  # the others still train; a rerun resumes this one
            logging.error("%s: %s", name, error)
            stopped[name] = str(error)
            continue
        if new[name]:
            analysis.publish(results_dir, folders)
    if new and not any(new.values()):  # every one recorded before: rebuilt once from the records
        analysis.publish(results_dir, folders)
    if stopped:
        raise callbacks.NonFiniteLossError(f"Not compared: {stopped}. Rerun the command to resume them from their "
                                           "last checkpoints (with other batches: the data order follows the step).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    flag = flags.FLAGS
    settings = {"n_critic_warmup": flag.n_critic_warmup} if flag.n_critic_warmup else {}
    settings.update(save_every=flag.save_every, width=flag.width)
    command = shlex.join(["python", "-m", "tf_colorgan.study", *sys.argv[1:]])
    # a terminated study (a session's end, `kill`) unwinds like an error, so its segment is recorded
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        reproduce(flag.figure, flag.dataset, flag.models_dir, flag.steps, flag.only, flag.true_gray_dir,
                  flag.heldout, flag.heldout_every, flag.results_dir, command, flag.seed, flag.grid,
                  precision=flag.precision, **settings)
    except ConfigError as error:
        raise app.UsageError(str(error)) from None
    except (callbacks.NonFiniteLossError, storage.DiskFullError) as error:
        logging.error("%s", error)
        sys.exit(1)


def define_flags():
    """Declares the study's flags (when it runs, `python -m tf_colorgan.study`, not when it is imported)."""
    flags.DEFINE_integer("figure", 6, "6: the eight runs scored against the truth; 7: on true grayscale photos.")
    flags.DEFINE_string("dataset", "sample", "Training set: sample, a folder, a TFDS name.")
    flags.DEFINE_integer("steps", None, "Training iterations per run (default: train.py's).")
    flags.DEFINE_list("only", None, f"Subset of {list(CONFIGURATIONS)}.")
    flags.DEFINE_string("true_gray_dir", None, "Figure 7: a folder of photos without a colour original.")
    flags.DEFINE_string("heldout", None, "A folder of photos not trained on: scored during training and by "
                        "Figure 6 (default: Figure 6 scores --dataset).")
    flags.DEFINE_integer("heldout_every", 250, "With --heldout: steps between its scores.")
    flags.DEFINE_integer("seed", 0, "Every run's seed; another than 0 trains and records `<name>_seed<seed>`.")
    flags.DEFINE_list("grid", None, "Held-out photos (file names) drawn in Figure 6 (default: all).")
    flags.DEFINE_enum("precision", "float32", ("auto", *PRECISIONS), "Precision of every run; auto: the fastest "
                      "on this machine (tf_colorgan.machine), resolved again whenever a run resumes.")
    flags.DEFINE_string("results_dir", None, "The configurations' records (runs/) and the published files "
                        "(default: <models_dir>/results).")
    flags.DEFINE_string("models_dir", "models/figure6", "Parent folder of the eight runs.")
    flags.DEFINE_integer("save_every", 500, "Checkpoint every N steps (a killed study loses at most N per run).")
    flags.DEFINE_integer("n_critic_warmup", None, "WGAN warm-up critic updates (the original: 100).")
    flags.DEFINE_integer("width", 64, "First-layer filters of every network (the original: 64; 8 for a quick try).")


def run():
    """`python -m tf_colorgan.study`: the flags, then `main` (the process settings are the caller's,
    `tf_colorgan.study.__main__`)."""
    define_flags()
    app.run(main)
