"""The report's Figure 5 with numbers: do the losses track sample quality?

For each image-generation run trained with `--fcd_every=K`, plots the discriminator and generator losses over
training next to the Frechet classifier distance (lower is better), and prints the Spearman rank correlation
between each loss and the distance at the steps where the distance was measured (the losses averaged over
the `--log_every` interval ending there). The report argues that only the WGAN critic loss tracks quality.

    python -m tf_colorgan.study.figure5 models/mlp_gan_mnist models/mlp_gan_mnist_wgan --out figure5.png
"""

import json
import pathlib

import matplotlib
import numpy as np
import tensorflow as tf
from absl import app, flags

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the non-interactive backend)

from tf_colorgan.training import rundir

CURVES = ("d_loss", "g_loss", "classifier_distance")


def read_scalars(run_dir, tags=CURVES):
    """{tag: (steps int64 [n], values float64 [n])} from the run's `logs/steps` TensorBoard events."""
    found = {tag: {} for tag in tags}
    for path in sorted(rundir.step_logs(run_dir).glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.tag in found:
                    found[value.tag][event.step] = float(tf.make_ndarray(value.tensor))
    return {tag: (np.array(sorted(points)), np.array([points[s] for s in sorted(points)]))
            for tag, points in found.items()}


def spearman(a, b):
    """Spearman's rank correlation of two equally long sequences (average ranks for ties), in [-1, 1]; NaN when it
    is undefined (fewer than two points, or a constant sequence)."""
    def ranks(x):
        order = np.argsort(x, kind="stable")
        ranked = np.empty(len(x))
        ranked[order] = np.arange(len(x))
        for value in np.unique(x):  # ties share their mean rank
            ranked[x == value] = ranked[x == value].mean()
        return ranked

    ra, rb = ranks(np.asarray(a, float)), ranks(np.asarray(b, float))
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def loss_quality_correlations(scalars):
    """{loss tag: Spearman correlation with the classifier distance} at the steps both were logged."""
    distance_steps, distances = scalars["classifier_distance"]
    result = {}
    for tag in ("d_loss", "g_loss"):
        steps, values = scalars[tag]
        common = np.isin(distance_steps, steps)
        at = dict(zip(steps, values))
        result[tag] = spearman([at[s] for s in distance_steps[common]], distances[common])
    return result


def plot(runs, out):
    """Writes the figure (a row per run: D loss, G loss, classifier distance) and returns the correlations."""
    figure, axes = plt.subplots(len(runs), 3, figsize=(13, 3.2 * len(runs)), squeeze=False)
    table = {}
    for row, run_dir in enumerate(runs):
        scalars = read_scalars(run_dir)
        config = rundir.read_config(run_dir)
        name = f"{pathlib.Path(run_dir).name} ({config.gan} on {config.arch}, {config.dataset})"
        table[name] = loss_quality_correlations(scalars)
        for column, tag in enumerate(CURVES):
            steps, values = scalars[tag]
            axes[row, column].plot(steps, values, marker="o" if tag == "classifier_distance" else None)
            title = tag if tag == "classifier_distance" else f"{tag} (rank corr. with distance {table[name][tag]:+.2f})"
            axes[row, column].set_title(title, fontsize=9)
            axes[row, column].set_xlabel("step")
        axes[row, 0].set_ylabel(name, fontsize=8)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    return table


def main(argv):
    runs = argv[1:]
    if not runs:
        raise app.UsageError("Pass one or more image-generation run directories trained with --fcd_every.")
    table = plot(runs, flags.FLAGS.out)
    print(json.dumps(table, indent=2))


if __name__ == "__main__":
    flags.DEFINE_string("out", "figure5.png", "Where the figure is written (PNG).")
    app.run(main)
