"""The one frozen configuration of a run: every setting, validated once, saved as `config.json` in the run.

A `Config` holds the settings every run shares (below), its task's settings (`tf_colorgan.tasks.<task>.Settings`:
colorization's size, L1 and L2 weights, held-out photos, ...) and its objective's (`Settings` of the objective's
model class in `tf_colorgan.objectives`: EBGAN's margin, WGAN's clipping, ...); `config.size` or `config.margin`
read them as if they were its own. `config.json` is one flat mapping of all three.

`make_config(**given)` builds it from the settings the user gave: the task's preset (generation: the named
experiment of `tf_colorgan.tasks.generate.presets`), the objective's defaults from the original code (learning
rate, beta1, its settings), then every given value; a setting that is not the run's is refused, naming whose settings
it is not.
Defaults are the values the report's colorization runs used (docs/original-code.md section 5), but for the data: the
built-in sample photos (`--dataset=celeb_a` for the report's).

Importing this module or reading a run's config.json (`Config.from_json`) imports no TensorFlow; `make_config`
imports the objective's module, and so TensorFlow.
"""

import dataclasses
import json

from tf_colorgan import objectives, settings, tasks
from tf_colorgan.settings import AT_LEAST_ONE, AT_LEAST_ZERO, ConfigError, invalid, one_of, setting

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")  # and "auto", resolved by make_config
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")  # tf.distribute, see tf_colorgan.distribute
GROUPS = ("task_settings", "objective_settings")  # the fields holding the task's and the objective's settings
DEFAULT_EPOCHS = 8  # GAN_EPOCHS of the original, the default length of a run its task gives no other.


@dataclasses.dataclass(frozen=True)
class Config(settings.Settings):
    """Settings of one training run: the shared ones below, plus `task_settings` and `objective_settings`
    (mappings, read as attributes of the config)."""

    task: str = setting(tasks.DEFAULT, "The task (see --task).", flag=False)
    gan: str = setting(objectives.DEFAULT, "The objective (see --gan).", flag=False)
    dataset: str = setting("sample", "'sample' (the built-in photos in tf_colorgan/sample), a folder of images, or "
                           "a TensorFlow Datasets name such as celeb_a.")
    data_dir: str | None = setting(None, "TFDS data directory (default: TFDS's own).")
    run_dir: str = setting("", "Where the run is written; default models/<dataset>_<gan>_l1-<l1>_l2-<l2> "
                           "(generation: models/<experiment>[_<gan>_<arch>_<dataset> where changed]). Running the "
                           "same command again resumes it.")
    batch_size: int = setting(4, "Images per batch (the report's runs: 4).", AT_LEAST_ONE)
    lr: float | None = setting(None, "Learning rate of both networks (default: the objective's, from the original "
                               "code: gan/lsgan 1e-4, ebgan 1e-3, wgan 5e-5, wgan_gp 1e-4).",
                               settings.Allowed(lambda value: value > 0, "a number > 0"))
    beta1: float | None = setting(None, "Adam beta1 (default 0.9 as the original; wgan_gp 0).",
                                  settings.Allowed(lambda value: 0 <= value < 1, "a number in [0, 1)"))
    gan_weight: float = setting(1.0, "Weight of the adversarial term of the generator loss.", AT_LEAST_ZERO)
    generator_steps: int = setting(1, "Generator updates per iteration (DCGAN: 2).", AT_LEAST_ONE)
    extra_generator_step_below: float = setting(0.0, "One more generator update when D's loss is below this "
                                                "(MLP GAN: 1e-4; 0: off).", AT_LEAST_ZERO)
    textbook: tuple = setting((), "Textbook forms (see --textbook).", flag=False)
    steps: int | None = setting(None, "Training iterations (D updates + G updates) of the whole run, counted from "
                                "its start (default: 60 on the sample set, otherwise 8 epochs; generation: per "
                                "preset).", AT_LEAST_ONE)
    epochs: float | None = setting(None, "Passes over the training split (train_size // batch_size iterations "
                                   "each), instead of --steps.", settings.POSITIVE)
    seed: int = setting(0, "Seed of the split, the initial weights and the data order.",
                        settings.Allowed(lambda value: 0 <= value < 2**31, "an integer in [0, 2**31)"))
    precision: str = setting("float32", "The Keras dtype policy (see --precision).", one_of(*PRECISIONS), flag=False)
    jit_compile: bool = setting(False, "Compile the training step with XLA.")
    deterministic: bool = setting(False, "Bit-identical reruns: TensorFlow's op determinism on top of the seeds "
                                  "(data order, jitter, initial weights, dropout and z are always seeded by --seed).")
    strategy: str = setting("default", "tf.distribute strategy: default (one device), mirrored (the GPUs of this "
                            "machine), multi_worker (machines of TF_CONFIG), tpu. --batch_size is the global batch.",
                            one_of(*STRATEGIES))
    save_every: int = setting(500, "Checkpoint every N iterations (a killed run resumes from the last one, losing at "
                              "most N).", AT_LEAST_ONE)
    log_every: int = setting(1, "TensorBoard scalars every N steps (mean over them).", AT_LEAST_ONE)
    image_every: int = setting(50, "TensorBoard image grids and samples/*.png every N steps.", AT_LEAST_ONE)
    sample_count: int = setting(4, "Images in each sample grid.", AT_LEAST_ONE)
    task_settings: dict | None = setting(None, "The task's settings.", flag=False)
    objective_settings: dict | None = setting(None, "The objective's settings.", flag=False)

    def check(self):
        super().check()
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        if self.task not in tasks.names():
            raise invalid("task", f"one of {tasks.names()}", self.task)
        if self.steps is not None and self.epochs is not None:
            raise ConfigError(f"Set at most one of `steps` and `epochs`. Received: steps={self.steps}, "
                              f"epochs={self.epochs}")
        set_("textbook", tuple(sorted(set(self.textbook))))
        task_settings = tasks.get(self.task).Settings.of(self.task_settings or {}, f"--task={self.task}")
        set_("task_settings", dataclasses.asdict(task_settings))
        set_("objective_settings", dict(self.objective_settings or {}))
        if not self.run_dir:
            set_("run_dir", f"models/{self.run_name}")

    def __getattr__(self, name):
        """A setting of the run's task or objective, read as the config's own (`config.size`, `config.margin`)."""
        for group in ("task_settings", "objective_settings"):
            values = self.__dict__.get(group) or {}
            if name in values:
                return values[name]
        raise AttributeError(f"{type(self).__name__} of --task={self.__dict__.get('task')} "
                             f"--gan={self.__dict__.get('gan')} has no setting {name!r}")

    @property
    def run_name(self):
        """The run's directory name under models/ (`tf_colorgan.tasks.<task>.run_name`), plus `_seed<seed>` for
        a seed other than 0 in colorization."""
        return tasks.get(self.task).run_name(self)

    @property
    def objective_textbook(self):
        """Whether `--textbook` asks for the textbook form of the run's objective."""
        return self.gan in self.textbook

    def total_steps(self, train_size):
        """Training iterations of the whole run: `steps`, or `epochs` passes of `train_size // batch_size` steps,
        or the task's default (colorization on the sample set: 60 steps), otherwise 8 epochs."""
        steps_per_epoch = max(1, train_size // self.batch_size)
        if self.steps is not None:
            return self.steps
        if self.epochs is None and tasks.get(self.task).default_steps(self) is not None:
            return tasks.get(self.task).default_steps(self)
        return max(1, round((self.epochs or DEFAULT_EPOCHS) * steps_per_epoch))

    def flat(self):
        """{name: value} of every setting, shared, the task's and the objective's (config.json's mapping)."""
        shared = {name: getattr(self, name) for name in self.names() if name not in GROUPS}
        return {**shared, **self.task_settings, **self.objective_settings}

    def to_json(self):
        return json.dumps(self.flat(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        """The `Config` of a run's config.json, without TensorFlow: the shared settings and the task's are told by
        name, the rest are the objective's, as they were checked when the run was made (`training.rundir.read_config`
        checks their names against the objectives, `training.trainer.build_model` their values). A config.json
        written before tasks and objectives had settings of their own holds every task's and objective's: other
        tasks' are left out here, other objectives' are not compared (`differences`)."""
        values = json.loads(text)
        values["textbook"] = tuple(values.get("textbook", ()))
        shared = {name for name in cls.names() if name not in GROUPS}
        task = values.get("task", tasks.DEFAULT)
        task_names = set(tasks.get(task).Settings.names()) if task in tasks.names() else set()
        other_tasks = {name for other in tasks.names() for name in tasks.get(other).Settings.names()} - task_names
        return cls(**{name: values[name] for name in shared if name in values},
                   task_settings={name: values[name] for name in task_names if name in values},
                   objective_settings={name: value for name, value in values.items()
                                       if name not in shared | task_names | other_tasks})

    def differences(self, other, ignore=("steps", "epochs", "run_dir", "strategy", "precision", "heldout_every",
                                         "save_every")):
        """Names of the settings that differ from `other`, except the run length, where the run is written, the
        devices it runs on and their arithmetic (a run moved to another machine may resume in the precision
        fastest there: the variables and the checkpoint are float32 in every precision), and how often it scores
        its held-out photos and saves checkpoints (a run continued past its budget may score less often). The
        objective's settings are compared when both have the same objective, those of this config (an older `other`
        holds every objective's)."""
        mine, theirs = self.flat(), other.flat()
        objective = set(self.objective_settings) if self.gan == other.gan else set()
        names = (set(mine) | set(theirs)) - set(self.objective_settings) - set(other.objective_settings) | objective
        return [name for name in sorted(names) if name not in ignore and mine.get(name) != theirs.get(name)]


def make_config(**given):
    """The `Config` of the settings the user gave, over the task's preset and the objective's defaults
    (`ConfigError`, one clear message, for a bad value or a setting that is not the run's);
    `precision="auto"` becomes the precision fastest on this machine (`tf_colorgan.machine.fastest_precision`)."""
    if given.get("precision") == "auto":
        from tf_colorgan import machine  # reads the hardware (and imports TensorFlow): only when asked

        given = {**given, "precision": machine.fastest_precision()}
    task_name = given.get("task", Config.task)
    if task_name not in tasks.names():
        raise invalid("task", f"one of {tasks.names()}", task_name)
    task = tasks.get(task_name)
    preset = task.preset(given)  # the task's defaults for these settings (an experiment's own)
    gan = given.get("gan", preset.get("gan", Config.gan))
    if gan not in objectives.names():
        raise invalid("gan", f"one of {objectives.names()}", gan)
    objective = objectives.get(gan)
    own = set(Config.names()) - set(GROUPS) | set(task.Settings.names()) | set(objective.Settings.names())
    given = {**{name: value for name, value in preset.items() if name in own}, **given}  # a preset's settings of
    # another objective (the experiment's own, replaced by --gan) are left out; given ones are checked below
    shared = {name: value for name, value in given.items() if name in Config.names() and name not in GROUPS}
    task_given = {name: value for name, value in given.items() if name in task.Settings.names()}
    objective_given = {name: value for name, value in given.items() if name in objective.Settings.names()}
    unknown = sorted(set(given) - set(shared) - set(task_given) - set(objective_given))
    if unknown:
        raise ConfigError(f"Invalid setting(s): no {', '.join(unknown)} for --task={task_name} --gan={gan}. Expected "
                          f"the shared settings, the task's {list(task.Settings.names())} or the objective's "
                          f"{list(objective.Settings.names())}. Received: "
                          f"{', '.join(f'{name}={given[name]!r}' for name in unknown)}")
    shared["textbook"] = textbook_forms(shared.get("textbook", ()))
    shared["lr"] = objective.learning_rate if shared.get("lr") is None else shared["lr"]
    shared["beta1"] = objective.beta1 if shared.get("beta1") is None else shared["beta1"]
    objective_settings = dataclasses.asdict(objective.Settings.of(objective_given, f"--gan={gan}"))
    config = Config(**shared, task_settings=task_given, objective_settings=objective_settings)
    task.check(config, objective)
    return config


def textbook_forms(given):
    """The sorted textbook forms of `given` ("all": every one), each the name of an objective with a textbook form
    or a task's (`tasks.<task>.TEXTBOOK_FORMS`, e.g. colorization's "l2")."""
    forms = tuple(name for name in objectives.names() if objectives.get(name).textbook_form) + tuple(
        form for name in tasks.names() for form in tasks.get(name).TEXTBOOK_FORMS)
    given = tuple(given)
    if given == ("all",):
        return tuple(sorted(forms))
    if any(form not in forms for form in given):
        raise invalid("textbook", f"a subset of {forms} or 'all'", ",".join(given))
    return tuple(sorted(set(given)))
