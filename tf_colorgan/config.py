"""The one frozen configuration of a run: every setting, validated once, saved as `config.json` in the run.

`make_config(**given)` builds it: the defaults below for colorization, or for `task="generate"` the experiment's
preset (`tf_colorgan.presets`), then every value the user gave.

Defaults are the values the report's colorization runs used (docs/original-code.md section 5): size 256, batch 4, no
jitter, transposed convolutions, L1 weight 100, L2 0, GAN weight 1, and per objective the learning rate and
optimiser of table 2.7: GAN and LSGAN Adam 1e-4, EBGAN Adam 1e-3 with margin 80, WGAN RMSProp 5e-5 with clipping
at 0.005 and 5 critic updates (100 while step < 10 or step % 500 == 0). WGAN-GP (not in the report) uses the
textbook Adam(1e-4, beta1 0, beta2 0.9), 5 critic updates, penalty weight 10 and a critic without BatchNorm.
"""

import dataclasses
import json
import pathlib
import re

from tf_colorgan import tasks
from tf_colorgan.presets import EXPERIMENTS

TASKS = tuple(tasks.MODULES)
GRAYSCALE_SETS = ("fashion_mnist", "mnist", "digits")  # tf_colorgan.digits: image generation only
Z_DISTRIBUTIONS = ("uniform", "normal", "normal_m1")
OBJECTIVES = ("gan", "lsgan", "ebgan", "wgan", "wgan_gp")
TEXTBOOK_FORMS = ("gan", "lsgan", "wgan", "ebgan", "l2")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")  # and "auto", resolved by make_config
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")  # tf.distribute, see tf_colorgan.distribute
LEARNING_RATES = {"gan": 1e-4, "lsgan": 1e-4, "ebgan": 1e-3, "wgan": 5e-5, "wgan_gp": 1e-4}
BETA1 = {"wgan_gp": 0.0}  # Adam's beta1 elsewhere: TF's default 0.9, which the report-era code used.
SAMPLE_DEFAULT_STEPS = 60  # Default length on the built-in sample set: a few minutes on a 2-core CPU.
DEFAULT_EPOCHS = 8  # GAN_EPOCHS of the original, the default length on every other dataset.


class ConfigError(ValueError):
    """A setting given by the user is invalid; the message says what was wrong, what is allowed and what was
    received. train.py reports it as a usage error, without a traceback."""


def invalid(name, expected, value):
    return ConfigError(f"Invalid value for argument `{name}`. Expected {expected}. Received: {name}={value!r}")


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings of one training run (see `tf_colorgan.flags` for the meaning of each)."""

    task: str = "colorize"
    experiment: str = ""
    arch: str = "pix2pix"
    gan: str = "gan"
    dataset: str = "sample"
    data_dir: str | None = None
    run_dir: str = ""
    size: int = 256
    batch_size: int = 4
    jitter: bool = False
    upconvs: bool = False
    width: int = 64
    lr: float | None = None
    beta1: float | None = None
    l1: float = 100.0
    l2: float = 0.0
    gan_weight: float = 1.0
    n_critic: int = 5
    n_critic_warmup: int = 100
    clip: float = 0.005
    margin: float = 80.0
    ebgan_hinge: bool = True
    gp_weight: float = 10.0
    warmup_steps: int = 10
    gan_epsilon: float = 1e-12
    generator_steps: int = 1
    extra_generator_step_below: float = 0.0
    z_dim: int = 100
    z_discriminator: str = "uniform"
    z_generator: str = "uniform"
    shared_z: bool = False
    pullaway: float = 0.0
    pullaway_original: bool = False
    central_crop: float = 1.0
    fcd_every: int = 0
    heldout: str | None = None
    heldout_every: int = 0
    textbook: tuple = ()
    train_mode_inference: bool = True
    steps: int | None = None
    epochs: float | None = None
    seed: int = 0
    precision: str = "float32"
    jit_compile: bool = False
    deterministic: bool = False
    strategy: str = "default"
    save_every: int = 500
    log_every: int = 1
    image_every: int = 50
    sample_count: int = 4

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        if self.task not in TASKS:
            raise invalid("task", f"one of {TASKS}", self.task)
        if self.gan not in OBJECTIVES:
            raise invalid("gan", f"one of {OBJECTIVES}", self.gan)
        tasks.of(self.task).check(self)
        for name in ("z_discriminator", "z_generator"):
            if getattr(self, name) not in Z_DISTRIBUTIONS:
                raise invalid(name, f"one of {Z_DISTRIBUTIONS}", getattr(self, name))
        if self.fcd_every < 0:
            raise invalid("fcd_every", "an integer >= 0", self.fcd_every)
        if self.heldout_every < 0:
            raise invalid("heldout_every", "0, or an integer >= 1 with --task=colorize and a --heldout folder",
                          self.heldout_every)
        if not 0 < self.central_crop <= 1:
            raise invalid("central_crop", "a fraction in (0, 1]", self.central_crop)
        textbook = tuple(self.textbook)
        if textbook == ("all",):
            textbook = TEXTBOOK_FORMS
        unknown = [form for form in textbook if form not in TEXTBOOK_FORMS]
        if unknown:
            raise invalid("textbook", f"a subset of {TEXTBOOK_FORMS} or 'all'", ",".join(textbook))
        set_("textbook", tuple(sorted(set(textbook))))
        if self.precision not in PRECISIONS:
            raise invalid("precision", f"one of {PRECISIONS}", self.precision)
        if self.strategy not in STRATEGIES:
            raise invalid("strategy", f"one of {STRATEGIES}", self.strategy)
        for name in ("batch_size", "n_critic", "n_critic_warmup", "save_every", "log_every",
                     "image_every", "sample_count", "z_dim", "generator_steps", "width"):
            if getattr(self, name) < 1:
                raise invalid(name, "an integer >= 1", getattr(self, name))
        for name in ("l1", "l2", "gan_weight", "margin", "gp_weight", "warmup_steps", "gan_epsilon",
                     "extra_generator_step_below", "pullaway"):
            if getattr(self, name) < 0:
                raise invalid(name, "a number >= 0", getattr(self, name))
        if not 0 <= self.seed < 2**31:
            raise invalid("seed", "an integer in [0, 2**31)", self.seed)
        if self.clip <= 0:
            raise invalid("clip", "a number > 0", self.clip)
        if self.steps is not None and self.epochs is not None:
            raise ConfigError(f"Set at most one of `steps` and `epochs`. Received: steps={self.steps}, "
                             f"epochs={self.epochs}")
        if self.steps is not None and self.steps < 1:
            raise invalid("steps", "an integer >= 1", self.steps)
        if self.epochs is not None and self.epochs <= 0:
            raise invalid("epochs", "a number > 0", self.epochs)
        set_("lr", LEARNING_RATES[self.gan] if self.lr is None else self.lr)
        if self.lr <= 0:
            raise invalid("lr", "a number > 0", self.lr)
        set_("beta1", BETA1.get(self.gan, 0.9) if self.beta1 is None else self.beta1)
        if not 0 <= self.beta1 < 1:
            raise invalid("beta1", "a number in [0, 1)", self.beta1)
        if not self.run_dir:
            set_("run_dir", str(pathlib.Path("models") / self.run_name))

    @property
    def z_sampling(self):
        """The z distribution of sample grids, exports' documentation and the classifier distance: the one the
        generator trained on (`z_discriminator` when the generator reuses the discriminator's z)."""
        return self.z_discriminator if self.shared_z else self.z_generator

    @property
    def run_name(self):
        """Colorization: `<dataset>_<gan>_l1-<l1>_l2-<l2>` (e.g. `sample_lsgan_l1-100_l2-0`), plus `_seed<seed>`
        for a seed other than 0; generation: `<experiment>`, plus `_<gan>_<arch>_<dataset>` where those differ from
        the experiment's."""
        dataset = re.sub(r"[^A-Za-z0-9._-]+", "-", pathlib.Path(self.dataset.rstrip("/")).name) or "data"
        if self.task == "colorize":
            return f"{dataset}_{self.gan}_l1-{self.l1:g}_l2-{self.l2:g}" + (f"_seed{self.seed}" if self.seed else "")
        preset = EXPERIMENTS[self.experiment]
        changed = [value for name, value in (("gan", self.gan), ("arch", self.arch), ("dataset", dataset))
                   if getattr(self, name) != preset[name]]
        return "_".join([self.experiment, *changed])

    def total_steps(self, train_size):
        """Generator steps of the whole run: `steps`, or `epochs` passes of `train_size // batch_size` steps,
        or the default (60 steps on the sample set, otherwise 8 epochs)."""
        steps_per_epoch = max(1, train_size // self.batch_size)
        if self.steps is not None:
            return self.steps
        if self.epochs is None and self.dataset == "sample" and self.task == "colorize":
            return SAMPLE_DEFAULT_STEPS
        return max(1, round((self.epochs or DEFAULT_EPOCHS) * steps_per_epoch))

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        """The `Config` of a run's config.json; `ConfigError` for settings this version does not know."""
        values = json.loads(text)
        unknown = sorted(set(values) - {field.name for field in dataclasses.fields(cls)})
        if unknown:
            raise ConfigError(f"Invalid config.json: unknown setting(s) {unknown}. Expected the settings of "
                              f"tf_colorgan.config.Config (--checkpoint_every is now --save_every). Received: "
                              f"{', '.join(f'{name}={values[name]!r}' for name in unknown)}")
        values["textbook"] = tuple(values["textbook"])
        return cls(**values)

    def differences(self, other, ignore=("steps", "epochs", "run_dir", "strategy", "precision", "heldout_every",
                                         "save_every")):
        """Names of the settings that differ from `other`, except the run length, where the run is written, the
        devices it runs on and their arithmetic (a run moved to another machine may resume in the precision
        fastest there: the variables and the checkpoint are float32 in every precision), and how often it scores
        its held-out photos and saves checkpoints (a run continued past its budget may score less often)."""
        return [field.name for field in dataclasses.fields(self)
                if field.name not in ignore and getattr(self, field.name) != getattr(other, field.name)]


def make_config(**given):
    """The `Config` of the settings the user gave over the defaults, or over the experiment's preset when
    `task="generate"`; `precision="auto"` becomes the precision fastest on this machine
    (`tf_colorgan.machine.fastest_precision`)."""
    if given.get("precision") == "auto":
        from tf_colorgan import machine  # reads the hardware (and imports TensorFlow): only when asked

        given = {**given, "precision": machine.fastest_precision()}
    task = given.get("task", Config.task)
    if task in tasks.MODULES:  # else Config refuses it
        given = tasks.of(task).preset(given)
    return Config(**given)
