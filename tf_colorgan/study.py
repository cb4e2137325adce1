"""Publish the colorization study: small files under `results/figure6/` that the README shows and a test checks.

`python -m tf_colorgan.reproduce ... --results_dir=results/figure6` calls `publish` once every configuration has
trained and the comparison is written; `python -m tf_colorgan.study --results_dir=... --comparison=...` rebuilds
the files from those alone. Written:

    metrics.json, metrics.csv   the Figure 6 comparison on the held-out photos (mean, std, bootstrap 95% interval)
    figure7_metrics.json        the Figure 7 comparison (colourfulness of the true black-and-white photos)
    figure6.png, figure7.png    the grids: input / the eight outputs / truth (Figure 7: input / outputs)
    learning_curves.png         held-out ab L1, AuC, colourfulness and PSNR against the step, the gray baseline
    losses.png                  D and G losses of every configuration (running mean over 25 steps)
    timing.csv                  steps, seconds per step (median, mean), training seconds, precision, CPU
    analysis.json               the report's claims in numbers (see `analyse`)
    table.md                    the README's results table

Intervals: `metrics.bootstrap_ci` over the held-out images (10,000 resamples, seeded). Differences between two
configurations and ranks are bootstrapped *paired*: every resample draws the same images for all of them.
"""

import csv
import json
import pathlib
import shutil

import matplotlib
import numpy as np
from absl import app, flags
from PIL import Image

from tf_colorgan import figure5, metrics, report

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the non-interactive backend)

GRAY = "Gray (ab = 0)"
TABLE_METRICS = (("ab_l1", "ab L1"), ("psnr", "PSNR dB"), ("ssim", "SSIM"), ("auc", "AuC %"),
                 ("pixel_accuracy", "pixel acc."), ("colourfulness", "CF"), ("dcf", "dCF"))
CURVES = (("ab_l1", "held-out ab L1 (Lab units, lower is better)"), ("auc", "held-out AuC % (higher is better)"),
          ("colourfulness", "held-out colourfulness (truth: black dashes)"), ("psnr", "held-out PSNR dB"))
FIGURE_DPI = 60  # 96 px per photo: the Figure 6 grid of 19 photos x 10 columns stays under 3 MB
LOSS_WINDOW = 25


def load_records(results_dir, results):
    """{name: record} of `<results_dir>/runs/<name>.json` (`reproduce.run_record`) for the models compared in
    `results` (metrics.json), in its column order."""
    records = [json.loads(path.read_text()) for path in (pathlib.Path(results_dir) / "runs").glob("*.json")]
    order = list(results["models"])
    return {record["name"]: record for record in sorted((r for r in records if r["label"] in order),
                                                        key=lambda r: order.index(r["label"]))}


def per_image(results, label, name):
    return np.array([image[name] for image in results["models"][label]["per_image"]], np.float64)


def paired_bootstrap(values, lower_is_better, resamples=metrics.BOOTSTRAP_RESAMPLES, seed=0):
    """Bootstrap of several models' per-image values over the same resampled images.

    Args:
        values: {label: float [n]} (the same n images for every label).
        lower_is_better: rank 1 goes to the lowest mean when True.

    Returns:
        {label: {"rank": rank of the mean (1 = best), "rank_ci95": [low, high] of the resampled ranks}}.
    """
    labels = list(values)
    table = np.stack([values[label] for label in labels])  # [models, n]
    draws = np.random.default_rng(seed).integers(0, table.shape[1], size=(resamples, table.shape[1]))
    means = table[:, draws].mean(axis=2)  # [models, resamples]
    sign = 1.0 if lower_is_better else -1.0
    ranks = np.argsort(np.argsort(sign * means, axis=0), axis=0) + 1
    order = np.argsort(np.argsort(sign * table.mean(axis=1))) + 1
    return {label: {"rank": int(order[i]),
                    "rank_ci95": [int(v) for v in np.quantile(ranks[i], [0.025, 0.975], method="nearest")]}
            for i, label in enumerate(labels)}


def steps_to_reach(record, target, name="ab_l1"):
    """The first held-out step at which `record`'s curve of `name` is at or below `target`, else None."""
    for step, value in zip(record["heldout"]["step"], record["heldout"][name]):
        if value <= target:
            return step
    return None


def window_means(record, loss, steps, window):
    """The mean of `loss` over the `window` steps ending at each of `steps` (the losses as a learning curve
    samples them: one noisy batch per step)."""
    at = dict(zip(record["losses"]["step"], record["losses"][loss]))
    return [float(np.mean([at[s] for s in range(step - window + 1, step + 1) if s in at])) for step in steps]


def analyse(results, records):
    """The report's claims in numbers.

    (a) "EBGAN with L1 generates hardly any colour": each configuration's colourfulness (both forms) with its
        interval, and EBGAN-L1 minus each other configuration (paired interval).
    (b) "LSGAN performed best": every configuration's rank by dCF (lower is better) and AuC (higher is better),
        with the interval of the rank over paired resamples.
    (c) WGAN's cost: median seconds per step against the others', and the first held-out step at which each
        WGAN run reaches the final held-out ab L1 of every other run with the same reconstruction term.
    (d) The colorization analogue of Figure 5: per configuration, Spearman's rank correlation over the learning
        curve (held-out steps after 0) of the D and G losses (mean over the steps since the previous score) with
        held-out ab L1 and colourfulness.
    """
    labels = {name: record["label"] for name, record in records.items()}
    summary = {label: results["models"][label]["summary"] for label in [GRAY, *labels.values()]}
    colour = {label: {form: {"mean": s[form]["mean"], "ci95": s[form]["ci95"]}
                      for form in ("colourfulness", "colourfulness_abs")} for label, s in summary.items()}
    claims = {"a_colourfulness": {"per_configuration": colour, "truth": results["truth"]}}
    if "ebgan_l1" in labels:
        ebgan = per_image(results, labels["ebgan_l1"], "colourfulness")
        differences = {label: ebgan - per_image(results, label, "colourfulness")
                       for label in [GRAY, *labels.values()] if label != labels["ebgan_l1"]}
        claims["a_colourfulness"]["ebgan_l1_minus"] = {
            label: {"mean": float(np.mean(d)), "ci95": metrics.bootstrap_ci(d)} for label, d in differences.items()}
    claims["b_ranks"] = {
        name: {label: {"mean": summary[label][name]["mean"], "ci95": summary[label][name]["ci95"], **ranked}
               for label, ranked in paired_bootstrap({label: per_image(results, label, name)
                                                      for label in labels.values()}, lower).items()}
        for name, lower in (("dcf", True), ("auc", False))}
    cost = {name: {"seconds_per_step": record["seconds_per_step"]["median"],
                   "training_seconds": record["training_seconds"], "steps": record["steps"]}
            for name, record in records.items()}
    reach = {}
    for name, record in records.items():
        if record["settings"]["gan"] != "wgan":
            continue
        term = "l1" if record["settings"]["l1"] else "l2"
        reach[name] = {other: {"target_ab_l1": rec["heldout"]["ab_l1"][-1],
                               "first_step": steps_to_reach(record, rec["heldout"]["ab_l1"][-1])}
                       for other, rec in records.items()
                       if rec["settings"]["gan"] != "wgan" and (term == "l1") == bool(rec["settings"]["l1"])}
    claims["c_wgan_cost"] = {"per_configuration": cost, "wgan_steps_to_reach": reach}
    correlations = {}
    for name, record in records.items():
        steps = [s for s in record["heldout"]["step"] if s > 0]
        window = steps[1] - steps[0] if len(steps) > 1 else steps[0]
        quality = {q: record["heldout"][q][-len(steps):] for q in ("ab_l1", "colourfulness")}
        correlations[name] = {f"{loss}_vs_{q}": figure5.spearman(window_means(record, loss, steps, window), values)
                              for loss in ("d_loss", "g_loss") for q, values in quality.items()}
        correlations[name]["points"] = len(steps)
    claims["d_loss_quality_spearman"] = correlations
    return claims


def format_stat(stats, digits):
    low, high = stats["ci95"]
    return f"{stats['mean']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


DIGITS = {"ab_l1": 2, "psnr": 2, "ssim": 3, "auc": 2, "pixel_accuracy": 3, "colourfulness": 1, "dcf": 1}


def table(results):
    """The README's Markdown table: a row per model of `results` (metrics.json), mean [bootstrap 95% interval]."""
    lines = ["| model | " + " | ".join(title for _, title in TABLE_METRICS) + " |",
             "|---|" + "---|" * len(TABLE_METRICS)]
    for label, model in results["models"].items():
        cells = [format_stat(model["summary"][name], DIGITS[name]) for name, _ in TABLE_METRICS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def regrid(comparison_dir, path, true_gray):
    """Redraws a comparison's figure from its saved images at `FIGURE_DPI` (the comparison's own is 120 dpi)."""
    comparison_dir = pathlib.Path(comparison_dir)
    results = json.loads((comparison_dir / "metrics.json").read_text())
    count = results["protocol"]["images"]

    def load(name):
        return np.stack([np.asarray(Image.open(comparison_dir / "images" / name / f"{i}.png")) for i in range(count)])

    columns = {label: load(report.slug(label)) for label in results["models"]}
    truths = columns[GRAY] if true_gray else load("truth")  # true gray: rows only, no truth column is drawn
    report.figure(path, truths, columns, true_gray, dpi=FIGURE_DPI)


def plot_curves(records, results, path):
    figure, axes = plt.subplots(1, len(CURVES), figsize=(4.2 * len(CURVES), 3.6))
    gray = results["models"][GRAY]["summary"]
    for axis, (name, title) in zip(axes, CURVES):
        for record in records.values():
            style = "--" if record["settings"]["l2"] else "-"
            axis.plot(record["heldout"]["step"], record["heldout"][name], style, label=record["label"], marker=".")
        if name == "colourfulness":
            axis.axhline(results["truth"]["colourfulness"]["mean"], color="black", linestyle="--", label="truth")
        axis.axhline(gray[name]["mean"], color="gray", linestyle=":", label=GRAY)
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("step")
    axes[0].legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_losses(records, path):
    figure, axes = plt.subplots(len(records), 2, figsize=(9, 1.7 * len(records)), squeeze=False)
    kernel = np.ones(LOSS_WINDOW) / LOSS_WINDOW
    for row, record in enumerate(records.values()):
        for column, loss in enumerate(("d_loss", "g_loss")):
            values = np.array(record["losses"][loss])
            smooth = np.convolve(values, kernel, mode="valid") if len(values) >= LOSS_WINDOW else values
            steps = record["losses"]["step"][len(values) - len(smooth):]
            axes[row, column].plot(record["losses"]["step"], values, color="0.85", linewidth=0.5)
            axes[row, column].plot(steps, smooth, linewidth=1)
            axes[row, column].set_title(f"{record['label']}: {loss}", fontsize=8)
            axes[row, column].tick_params(labelsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_timing(records, path):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["configuration", "steps", "seconds_per_step_median", "seconds_per_step_mean",
                         "training_seconds", "precision", "cpu", "isa", "dates"])
        for name, record in records.items():
            segments = record["segments"]
            writer.writerow([name, record["steps"], round(record["seconds_per_step"]["median"], 3),
                             round(record["seconds_per_step"]["mean"], 3), round(record["training_seconds"]),
                             "+".join(sorted({s["precision"] for s in segments})),
                             "+".join(sorted({s["machine"]["cpu"] for s in segments})),
                             "+".join(sorted({" ".join(s["machine"]["isa"]) for s in segments})),
                             "+".join(sorted({s["date"] for s in segments}))])


def publish(results_dir, comparison_dir, figure7_dir=None):
    """Writes every file of the module docstring into `results_dir` (the runs' records are already there)."""
    results_dir, comparison_dir = pathlib.Path(results_dir), pathlib.Path(comparison_dir)
    for name in ("metrics.json", "metrics.csv"):
        shutil.copyfile(comparison_dir / name, results_dir / name)
    results = json.loads((comparison_dir / "metrics.json").read_text())
    records = load_records(results_dir, results)
    regrid(comparison_dir, results_dir / "figure6.png", true_gray=False)
    if figure7_dir:
        shutil.copyfile(pathlib.Path(figure7_dir) / "metrics.json", results_dir / "figure7_metrics.json")
        regrid(figure7_dir, results_dir / "figure7.png", true_gray=True)
    plot_curves(records, results, results_dir / "learning_curves.png")
    plot_losses(records, results_dir / "losses.png")
    write_timing(records, results_dir / "timing.csv")
    (results_dir / "analysis.json").write_text(json.dumps(analyse(results, records), indent=1))
    (results_dir / "table.md").write_text(table(results))


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    publish(flags.FLAGS.results_dir, flags.FLAGS.comparison, flags.FLAGS.figure7)


if __name__ == "__main__":
    flags.DEFINE_string("results_dir", "results/figure6", "The study's results folder (with runs/*.json).")
    flags.DEFINE_string("comparison", "models/figure6/comparison", "The Figure 6 comparison (eval.py --models).")
    flags.DEFINE_string("figure7", "models/figure6/comparison/figure7", "The Figure 7 comparison (or '').")
    app.run(main)
