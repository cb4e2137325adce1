"""Reproduce the report's colorization comparison: train its eight configurations, then compare them.

    python -m tf_colorgan.reproduce --figure=6 --dataset=celeb_a                      # the real experiment (GPU)
    python -m tf_colorgan.reproduce --figure=6 --dataset=sample --steps=300           # a CPU-sized run
    python -m tf_colorgan.reproduce --figure=7 --dataset=sample --true_gray_dir=/path/to/bw_photos

The configurations are those of the report's Figure 6 (ORIGINAL.md 2.7): GAN, LSGAN, EBGAN and WGAN, each with
(L1 = 100, L2 = 0) and (L1 = 0, L2 = 1), with the learning rates of the ProjectReport table (GAN-L2 2e-5, the
argparse default it ran with). Runs land in `--models_dir/<dataset>_<gan>_l1-<l1>_l2-<l2>` and resume like any
train.py run; the comparison (`eval.py --models`) is written to `--out`: Figure 6 scores the evaluation images
against their truth, Figure 7 colorizes `--true_gray_dir` (photos without a colour original).
"""

import dataclasses
import pathlib

from absl import app, flags

from tf_colorgan import evaluation, training
from tf_colorgan.config import ConfigError, make_config

CONFIGURATIONS = {  # name: (gan, l1, l2, learning rate as run)
    "gan_l1": ("gan", 100.0, 0.0, 1e-4),
    "gan_l2": ("gan", 0.0, 1.0, 2e-5),
    "lsgan_l1": ("lsgan", 100.0, 0.0, 1e-4),
    "lsgan_l2": ("lsgan", 0.0, 1.0, 1e-4),
    "ebgan_l1": ("ebgan", 100.0, 0.0, 1e-3),
    "ebgan_l2": ("ebgan", 0.0, 1.0, 1e-3),
    "wgan_l1": ("wgan", 100.0, 0.0, 5e-5),
    "wgan_l2": ("wgan", 0.0, 1.0, 5e-5),
}


def reproduce(figure, dataset, models_dir, out, steps=None, only=None, true_gray_dir=None, **settings):
    """Trains (or resumes) the configurations and writes the comparison; returns its metrics dict.

    Args:
        figure: 6 (scored against the truth) or 7 (true grayscale photos, colourfulness only).
        dataset: the training set ('sample', a folder or a TFDS name); Figure 6 also evaluates on it.
        models_dir: parent folder of the runs.
        out: folder of the comparison.
        steps: training iterations per run (None: train.py's default length).
        only: names of `CONFIGURATIONS` to run (None: all eight, in the report's column order).
        true_gray_dir: Figure 7's folder of black-and-white photos.
        **settings: any other `Config` setting for every run (e.g. n_critic_warmup, precision).
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
    run_dirs = []
    for name in names:
        gan, l1, l2, lr = CONFIGURATIONS[name]
        config = make_config(gan=gan, l1=l1, l2=l2, lr=lr, dataset=dataset, steps=steps, **settings)
        config = dataclasses.replace(config, run_dir=str(pathlib.Path(models_dir) / config.run_name))
        training.run(config)
        run_dirs.append(config.run_dir)
    if figure == 6:
        return evaluation.compare(run_dirs, dataset, out)
    return evaluation.compare(run_dirs, true_gray_dir, out, true_gray=True)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    flag = flags.FLAGS
    settings = {"n_critic_warmup": flag.n_critic_warmup} if flag.n_critic_warmup else {}
    try:
        reproduce(flag.figure, flag.dataset, flag.models_dir, flag.out, flag.steps, flag.only, flag.true_gray_dir,
                  **settings)
    except ConfigError as error:
        raise app.UsageError(str(error)) from None


if __name__ == "__main__":
    flags.DEFINE_integer("figure", 6, "6: the eight runs scored against the truth; 7: on true grayscale photos.")
    flags.DEFINE_string("dataset", "sample", "Training (and Figure 6 evaluation) set: sample, a folder, a TFDS name.")
    flags.DEFINE_integer("steps", None, "Training iterations per run (default: train.py's).")
    flags.DEFINE_list("only", None, f"Subset of {list(CONFIGURATIONS)}.")
    flags.DEFINE_string("true_gray_dir", None, "Figure 7: a folder of photos without a colour original.")
    flags.DEFINE_string("models_dir", "models/figure6", "Parent folder of the eight runs.")
    flags.DEFINE_string("out", "models/figure6/comparison", "Folder of the comparison.")
    flags.DEFINE_integer("n_critic_warmup", None, "WGAN warm-up critic updates (the original: 100).")
    app.run(main)
