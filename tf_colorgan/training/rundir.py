"""The layout of a run directory, known here only: `training` writes it; eval.py, `evaluation`, the CLI,
`figure5` and `reproduce` read it through these functions.

    config.json     every setting (a rerun with other settings is refused; --steps/--epochs/--strategy/--precision/
                    --heldout_every/--save_every may change)
    split.json      the seeded train/test split
    checkpoints/    tf.train.Checkpoint of the step (key `STEP`), both networks, the dropout seeds and both
                    optimizers; a rerun resumes
    logs/           TensorBoard: logs/steps (scalars and image grids per global step), logs/train (Keras epochs)
    samples/        PNG grids every --image_every steps: input L | prediction | truth (colorization), or
                    samples of a fixed z (generation)
    export/         the serving SavedModel (`tf_colorgan.tasks.colorize.export`)
    eval/           eval.py's outputs and metrics.json
    segments.json   `reproduce`: the processes that trained the run (steps, seconds, precision, machine)
    workers/        under a multi-worker strategy, the other workers' checkpoints, logs and samples
    .lock           the trainer holding the run (`held`)

Nothing here imports TensorFlow at module level: the CLI checks its arguments before paying for it.
"""

import contextlib
import fcntl
import json
import os
import pathlib
import socket

from tf_colorgan import objectives
from tf_colorgan.config import Config
from tf_colorgan.settings import ConfigError

STEP = "step"  # the checkpoint's key of the global step


def config_path(run_dir):
    return pathlib.Path(run_dir) / "config.json"


def read_config(run_dir):
    """The run's `Config` (FileNotFoundError when `run_dir` holds no run, `ConfigError` for a setting no
    objective or task has: the settings of some objective are allowed, as an older config.json holds every
    objective's)."""
    config = Config.from_json(config_path(run_dir).read_text())
    known = {name for objective in objectives.names() for name in objectives.get(objective).Settings.names()}
    unknown = sorted(set(config.objective_settings) - known)
    if unknown:
        raise ConfigError(f"Invalid config.json: unknown setting(s) {unknown}. Expected the settings of "
                          f"tf_colorgan.config.Config, its task's and its objective's (--checkpoint_every is now "
                          f"--save_every). Received: "
                          f"{', '.join(f'{name}={config.objective_settings[name]!r}' for name in unknown)}")
    return config


def split_path(run_dir):
    return pathlib.Path(run_dir) / "split.json"


def read_split(run_dir):
    """The run's split: {"train": [...], "test": [...], ...} (`tf_colorgan.data.make_split`)."""
    return json.loads(split_path(run_dir).read_text())


def checkpoints(run_dir):
    return pathlib.Path(run_dir) / "checkpoints"


def logs(run_dir):
    return pathlib.Path(run_dir) / "logs"


def step_logs(run_dir):
    """The TensorBoard folder of the per-step scalars and images."""
    return logs(run_dir) / "steps"


def epoch_logs(run_dir):
    """Where Keras' TensorBoard callback, given `logs(run_dir)`, writes its per-epoch means."""
    return logs(run_dir) / "train"


def samples(run_dir):
    return pathlib.Path(run_dir) / "samples"


def export(run_dir):
    return pathlib.Path(run_dir) / "export"


def eval_outputs(run_dir):
    return pathlib.Path(run_dir) / "eval"


def segments(run_dir):
    return pathlib.Path(run_dir) / "segments.json"


def worker(run_dir, task_type, task_id):
    """Where worker `task_type` `task_id` of a multi-worker run writes (the chief writes `run_dir` itself)."""
    return pathlib.Path(run_dir) / "workers" / f"{task_type}_{task_id}"


def find_export(model):
    """The SavedModel folder of `model` (a run directory or an export folder), or a clear ValueError."""
    model = pathlib.Path(model)
    for candidate in (export(model), model):
        if (candidate / "saved_model.pb").is_file():
            return candidate
    raise ValueError(f"Invalid value for argument `--model`. Expected a run directory written by train.py or its "
                     f"export/ folder (holding saved_model.pb). Received: --model={model}")


def resume_hint(run_dir):
    """What a run stopped before its end still has, and how to go on (for error messages)."""
    import tensorflow as tf  # only here (see the module docstring)

    latest = tf.train.latest_checkpoint(str(checkpoints(run_dir)))
    if not latest:
        return "No checkpoint was written yet: free space and rerun the same command to start again."
    return (f"The last usable checkpoint is {pathlib.Path(latest).name} (step {checkpointed_step(run_dir)}): free "
            "space and rerun the same command to resume from it.")


def checkpointed_step(run_dir):
    """The step of the latest checkpoint in `run_dir/checkpoints`, 0 when there is none."""
    import tensorflow as tf  # only here (see the module docstring)

    latest = tf.train.latest_checkpoint(str(checkpoints(run_dir)))
    return int(tf.train.load_checkpoint(latest).get_tensor(f"{STEP}/.ATTRIBUTES/VARIABLE_VALUE")) if latest else 0


def check_settings(config, run_dir):
    """Refuses to resume a run directory whose `config.json` holds other settings (writes nothing)."""
    path = config_path(run_dir)
    if path.exists():
        previous = read_config(run_dir)
        changed = config.differences(previous)
        if changed:
            details = ", ".join(f"{name}={config.flat().get(name)!r} (run: {previous.flat().get(name)!r})"
                                for name in changed)
            raise ConfigError(f"Invalid `run_dir`: '{run_dir}' holds a run with other settings: {details}. "
                             "Expected the same settings to resume it (only --steps/--epochs/--strategy/--precision/"
                             "--heldout_every/--save_every may change), or a new --run_dir.")


@contextlib.contextmanager
def held(run_dir):
    """Holds `run_dir/.lock` (an advisory `flock`, which the kernel releases when the process ends, killed or not)
    for the block; a second trainer on the same directory gets one clear `ConfigError` naming the holder."""
    path = pathlib.Path(run_dir) / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise ConfigError(f"Invalid `run_dir`: '{run_dir}' is in use by another trainer ({lock.read().strip()}). "
                              "Expected one trainer per run directory: wait for it to end or stop it (a stopped or "
                              "killed trainer leaves no lock behind), or pass another --run_dir.") from None
        lock.truncate(0)
        lock.write(f"pid {os.getpid()} on host {socket.gethostname()}")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
