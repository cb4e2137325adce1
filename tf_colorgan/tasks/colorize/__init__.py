"""The colorization task: the report's study (its settings and checks; `plugin` holds the TensorFlow parts).

G, the pix2pix U-Net, maps L' [B, S, S, 1] to ab' [B, S, S, 2] (S a multiple of 256, both in [-1, 1]); D, a
PatchGAN on (L', ab') or, for an objective with an auto-encoder discriminator (EBGAN), an auto-encoder on ab',
judges the pair; the generator loss adds `l1 * L1 + l2 * L2` (`problem.Colorization`). Data: colour photos,
each one Lab pair. Defaults are the report's runs (docs/original-code.md section 5): size 256, no jitter,
transposed convolutions, L1 weight 100, L2 0.
"""

import dataclasses

from tf_colorgan import settings, tasks
from tf_colorgan.settings import AT_LEAST_ONE, AT_LEAST_ZERO, invalid, setting

SUMMARY = "L -> ab (the report's colorization study)"
TEXTBOOK_FORMS = {"l2": "mean squared error"}  # --textbook forms of the task: what each selects
COLOUR_ONLY = True  # grayscale photos have no ab to learn
SAMPLE_DEFAULT_STEPS = 60  # Default length on the built-in sample set: a few minutes on a 2-core CPU.


@dataclasses.dataclass(frozen=True)
class Settings(settings.Settings):
    arch: str = setting("pix2pix", "Networks: pix2pix (colorization) or, for generation, the networks of one "
                        "experiment (mlp, dcgan, lsgan, ebgan, wgan).", settings.one_of("pix2pix"))
    size: int = setting(256, "Training image size: a multiple of 256 for colorization, the networks' size for "
                        "generation (28, 112 or 64).", settings.Allowed(lambda value: value > 0 and value % 256 == 0,
                                                                        "a positive multiple of 256 (the U-Net halves "
                                                                        "the image 8 times)"))
    jitter: bool = setting(False, "Random flip, resize to size+20 and crop (runs used no jitter).")
    upconvs: bool = setting(False, "Nearest resize + 3x3 conv instead of transposed convs in the decoder (runs used "
                            "transposed convs; dec3 is a resize-conv either way).")
    width: int = setting(64, "Colorization: filters of the first layer of the U-Net, the PatchGAN and EBGAN's "
                         "auto-encoder (the original: 64); every hidden layer scales with it.", AT_LEAST_ONE)
    l1: float = setting(100.0, "Weight of the L1 term mean|ab - G(L)|.", AT_LEAST_ZERO)
    l2: float = setting(0.0, "Weight of the L2 term (original: half the sum of squares).", AT_LEAST_ZERO)
    heldout: str | None = setting(None, "Colorization: a folder of held-out photos scored every --heldout_every "
                                  "steps (PSNR, SSIM, colourfulness, dCF, AuC, pixel accuracy).")
    heldout_every: int = setting(0, "Score the generator on --heldout every N steps, at step 0 and at the end, as "
                                 "TensorBoard scalars heldout/<metric> (0: off).",
                                 settings.Allowed(lambda value: value >= 0, "0, or an integer >= 1 with "
                                                  "--task=colorize and a --heldout folder"))
    train_mode_inference: bool = setting(True, "BatchNorm on batch statistics and dropout also at inference: "
                                         "sample grids, held-out scores and eval.py (the original's eval.py); "
                                         "the export always serves moving averages without dropout.")

    def check(self):
        super().check()
        if self.heldout_every and not self.heldout:
            raise invalid("heldout_every", "0, or an integer >= 1 with --task=colorize and a --heldout folder",
                          self.heldout_every)


def preset(given):
    """None: colorization starts from the settings' own defaults."""
    return {}


def check(config, objective):
    if config.dataset in tasks.DIGIT_SETS:
        raise invalid("dataset", "colour photos for --task=colorize ('sample', a folder or a TFDS image dataset); "
                      f"{tasks.DIGIT_SETS} are grayscale sets for --task=generate", config.dataset)


def run_name(config):
    """`<dataset>_<gan>_l1-<l1>_l2-<l2>` (e.g. `sample_lsgan_l1-100_l2-0`), plus `_seed<seed>` for a seed other
    than 0."""
    seed = f"_seed{config.seed}" if config.seed else ""
    return f"{tasks.dataset_name(config.dataset)}_{config.gan}_l1-{config.l1:g}_l2-{config.l2:g}{seed}"


def default_steps(config):
    """60 steps on the built-in sample set (a few minutes on a 2-core CPU), else None (8 epochs)."""
    return SAMPLE_DEFAULT_STEPS if config.dataset == "sample" else None
