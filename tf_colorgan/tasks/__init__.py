"""The training tasks, one package each: "colorize" (the report's study: L' -> ab') and "generate" (its
image-generation experiments: z -> images).

A task's package (`tf_colorgan.tasks.<name>`) imports no TensorFlow and declares what the configuration asks of it:

    SUMMARY                         one line for train.py's `--task` help
    Settings                        the task's own settings (a `tf_colorgan.settings.Settings` dataclass)
    TEXTBOOK_FORMS                  {form of `--textbook`: what it selects} (colorization: "l2")
    COLOUR_ONLY                     whether the split keeps colour photos only
    preset(given) -> defaults       the task's defaults for the settings given to `make_config` (which override
                                    them; generation: the named experiment's)
    check(config, objective)        raises `ConfigError` for a combination the task does not allow (the objective:
                                    its model class, whose traits the task may ask, e.g. `batch_norm_allowed`)
    run_name(config)                the run's directory name under models/
    default_steps(config)           the run's length when neither --steps nor --epochs is given, or None (8 epochs)

Its `plugin` module (TensorFlow) holds what training asks of it:

    problem(config)                 what G maps and D judges, and the reconstruction terms (the model's `problem`)
    build_networks(config, objective)   (generator, discriminator) under the caller's dtype policy
    training_stream(config, split, batches_per_step, step, on_skip, batch_size)   the batches of every step
                                    from `step` on, `batch_size` images each, from `split` (this worker's share)
    sample_renderer(config, split)  function generator -> uint8 grid of fixed inputs
    periodic_metrics(config)        the quality metrics the config asks for: [(every N steps, function
                                    generator -> {key: number}, {TensorBoard tag: key})]
    export(config, generator, path) writes the serving SavedModel

A task is found by its package's name; nothing outside its package and this registry names it.
"""

import importlib
import pathlib
import pkgutil
import re

DEFAULT = "colorize"
# The grayscale digit sets `tf_colorgan.data.digits` reads: image generation's (with a classifier for its
# distance), which colorization refuses.
DIGIT_SETS = ("fashion_mnist", "mnist", "digits")


def names():
    """The tasks' names: the packages of this one."""
    return tuple(module.name for module in pkgutil.iter_modules(__path__) if module.ispkg)


def get(name):
    """The package of task `name` (one of `names()`): its settings and checks, without TensorFlow."""
    return importlib.import_module(f"{__name__}.{name}")


def plugin(name):
    """What training asks of task `name` (its `plugin` module; imports TensorFlow)."""
    return importlib.import_module(f"{__name__}.{name}.plugin")


def dataset_name(dataset):
    """The part of a run's directory name that names its dataset: the folder's or TFDS name's last component."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", pathlib.Path(dataset.rstrip("/")).name) or "data"
