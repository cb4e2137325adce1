"""The colorization study: its eight configurations, and its publication under `results/figure6/`.

`python -m tf_colorgan.study ... --results_dir=results/figure6` trains the configurations (`CONFIGURATIONS`)
and, as each reaches its budget, scores it once on the held-out photos (Figure 6) and the true black-and-white
photos (Figure 7) and leaves its record in `runs/`; every record is complete on its own, so a configuration's
results outlive its checkpoints and export (the study spans machines that do not keep them). After each
configuration `publish` assembles every record present into the published files; `python -m tf_colorgan.study`
does the same from the records alone. In `results_dir`:

    runs/<name>.json            the record (`reproduce.run_record`): settings, training processes, loss and held-out
                                curves, and under "scores" the per-photo scores of each figure's comparison
    runs/<name>_<figure>.jpg    its outputs for the grids, the photos side by side (JPEG, quality 90)
    metrics.json, metrics.csv   the Figure 6 comparison on the held-out photos (mean, std, bootstrap 95% interval)
    figure7_metrics.json/.csv   the Figure 7 comparison (colourfulness of the true black-and-white photos)
    figure6.png, figure7.png    the grids: input / each configuration's output / truth (Figure 7: input / outputs)
    learning_curves.png         held-out ab L1, AuC, colourfulness and PSNR against the step, the gray baseline
    losses.png                  D and G losses of every configuration (running mean over 25 steps)
    timing.csv                  steps, seconds per step (median, mean), training seconds, precision, CPU, dates and
                                commits of the training processes ("?": recorded before commits were)
    analysis.json               the report's claims in numbers (see `analyse`)
    table.md                    the results tables (the README's, docs/study.md's), the ranks by the held-out
                                curves, the seed spread and the training processes

The scores are computed once, from the exact uint8 outputs, when a configuration reaches its budget; the JPEG
strips only draw the grids. The gray baseline and the truth are recomputed from the photo folders.
Intervals: `metrics.bootstrap_ci` over the held-out images (10,000 resamples, seeded). Differences between two
configurations and ranks are bootstrapped *paired*: every resample draws the same images for all of them.
"""

import csv
import json
import pathlib

import matplotlib
import numpy as np
from absl import app, flags
from PIL import Image

from tf_colorgan.evaluation import report
from tf_colorgan.settings import ConfigError
from tf_colorgan.study import figure5
from tf_colorgan.tasks.colorize import evaluation, metrics

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the non-interactive backend)

CONFIGURATIONS = {  # the report's Figure 6 columns, in its order; name: (gan, l1, l2, learning rate as run)
    "gan_l1": ("gan", 100.0, 0.0, 1e-4),
    "gan_l2": ("gan", 0.0, 1.0, 2e-5),
    "lsgan_l1": ("lsgan", 100.0, 0.0, 1e-4),
    "lsgan_l2": ("lsgan", 0.0, 1.0, 1e-4),
    "ebgan_l1": ("ebgan", 100.0, 0.0, 1e-3),
    "ebgan_l2": ("ebgan", 0.0, 1.0, 1e-3),
    "wgan_l1": ("wgan", 100.0, 0.0, 5e-5),
    "wgan_l2": ("wgan", 0.0, 1.0, 5e-5),
}
FIGURES = {"figure6": ("metrics", False), "figure7": ("figure7_metrics", True)}  # figure: (file stem, true gray)
GRAY = evaluation.GRAY
TABLE_METRICS = (("ab_l1", "ab L1"), ("psnr", "PSNR dB"), ("ssim", "SSIM"), ("auc", "AuC %"),
                 ("pixel_accuracy", "pixel acc."), ("colourfulness", "CF"), ("dcf", "dCF"))
CURVES = (("ab_l1", "held-out ab L1 (Lab units, lower is better)"), ("auc", "held-out AuC % (higher is better)"),
          ("colourfulness", "held-out colourfulness (truth: black dashes)"), ("psnr", "held-out PSNR dB"))
FIGURE_DPI = 60  # 96 px per photo: the Figure 6 grid of 19 photos x 10 columns stays under 3 MB
LOSS_WINDOW = 25
CURVE_METRICS = (("ab_l1", True), ("psnr", False), ("ssim", False), ("auc", False), ("dcf", True))  # lower better?
LAST_SCORES = 5


def record_name(name, seed):
    """The record (and run) of configuration `name` trained with `seed`: `name`, or `<name>_seed<seed>`."""
    return f"{name}_seed{seed}" if seed else name


def record_path(results_dir, name):
    """Where the record `name` (`record_name`) of a study is kept: `<results_dir>/runs/<name>.json`."""
    return pathlib.Path(results_dir) / "runs" / f"{name}.json"


def load_records(results_dir):
    """{record name: record} of the records in `<results_dir>/runs/`, in `CONFIGURATIONS` order, each
    configuration's seed 0 first, then its other seeds in increasing order."""
    records = {}
    for name in CONFIGURATIONS:
        seeds = sorted(int(path.stem.rsplit("_seed", 1)[1])
                       for path in record_path(results_dir, name).parent.glob(f"{name}_seed*.json"))
        for record in [name] + [record_name(name, seed) for seed in seeds]:
            path = record_path(results_dir, record)
            if path.exists():
                records[record] = json.loads(path.read_text())
    return records


def grid_indices(folder, grid):
    """Indices, in `evaluation.evaluation_images` order, of the photos of `folder` named in `grid` (file names,
    in the grid's order); every index when `grid` is None."""
    order = evaluation.evaluation_split(str(folder))["train"]
    if grid is None:
        return list(range(len(order)))
    unknown = [name for name in grid if name not in order]
    if unknown:
        raise ConfigError(f"Invalid value for argument `grid`. Expected file names of photos in {folder}. "
                          f"Received: {unknown}")
    return [order.index(name) for name in grid]


def write_strip(path, images):
    """Saves uint8 images [N, S, S, 3] side by side as one JPEG (quality 90), [S, N * S, 3]."""
    Image.fromarray(np.concatenate(list(images), axis=1)).save(path, quality=90)


def read_strip(path, count):
    """The `count` square uint8 images [count, S, S, 3] of a strip [S, count * S, 3] (`write_strip`)."""
    strip = np.asarray(Image.open(path).convert("RGB"))
    side = strip.shape[0]
    if strip.shape[1] != count * side:
        raise ValueError(f"Invalid strip {path}. Expected {count} square photos side by side, {side} x "
                         f"{count * side}. Received: shape {strip.shape[:2]}")
    return np.stack(np.split(strip, count, axis=1))


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
    (c) WGAN's cost: median seconds per step against the others' (with the CPU kinds and precisions that
        trained each: compare runs of the same), and the first held-out step at which each WGAN run reaches the
        final held-out ab L1 of every other run with the same reconstruction term.
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
                   "training_seconds": record["training_seconds"], "steps": record["steps"],
                   "precision": joined(record, lambda s: s["precision"]),
                   "cpu_kind": joined(record, lambda s: cpu_kind(s["machine"]))}
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
        steps = [s for s in record["heldout"]["step"] if s > 0]  # none when the run scored no held-out photos
        window = steps[1] - steps[0] if len(steps) > 1 else (steps[0] if steps else 1)
        first = len(record["heldout"]["step"]) - len(steps)
        quality = {q: record["heldout"][q][first:] for q in ("ab_l1", "colourfulness")}
        correlations[name] = {f"{loss}_vs_{q}": figure5.spearman(window_means(record, loss, steps, window), values)
                              for loss in ("d_loss", "g_loss") for q, values in quality.items()}
        correlations[name]["points"] = len(steps)
    claims["d_loss_quality_spearman"] = correlations
    return claims


def compare_runs(results, records):
    """What a study of several steps and seeds adds to the claims: `curve_ranks`, `versus_gray`, `curve_trends`,
    `seed_spread`."""
    return {"ranks_last_and_mean_last": curve_ranks(records), "versus_gray": versus_gray(results, records),
            "trends": curve_trends(records),
            "seed_spread": seed_spread(results, records)}


def primary(records):
    """The records trained with seed 0: one per configuration, the ones compared and ranked."""
    return {name: record for name, record in records.items() if not record["settings"].get("seed")}


def mean_last(record, name, window=LAST_SCORES):
    """The mean of the last `window` held-out scores of metric `name` in `record` (all of a shorter curve)."""
    return float(np.mean(record["heldout"][name][-window:]))


def curve_ranks(records, window=LAST_SCORES):
    """Ranks of the configurations by their held-out curves, at the last scored step and by the mean of the last
    `window` scored steps (one checkpoint of a GAN is noisy).

    Returns:
        {metric: {"per_configuration": {label: {"last", "rank_last", "mean_last", "rank_mean_last"}},
                  "window": window, "disagree": [labels whose two ranks differ]}} for `CURVE_METRICS`.
    """
    ranked = {}
    for name, lower in CURVE_METRICS:
        values = {record["label"]: (record["heldout"][name][-1], mean_last(record, name, window))
                  for record in primary(records).values()}
        ranks = [{label: rank + 1 for rank, label in enumerate(sorted(values, key=lambda label: (
            values[label][which] if lower else -values[label][which])))} for which in (0, 1)]
        ranked[name] = {"per_configuration": {label: {"last": last, "rank_last": ranks[0][label], "mean_last": mean,
                                                      "rank_mean_last": ranks[1][label]}
                                              for label, (last, mean) in values.items()},
                        "window": window, "disagree": [label for label in values if ranks[0][label] != ranks[1][label]]}
    return ranked


def versus_gray(results, records):
    """Does any configuration beat the gray baseline (ab = 0), and from which step?

    Returns:
        {label: {metric: {"first_step_better": the first scored step whose held-out mean is better than gray's
        (None: never), "better_from": the first scored step from which every later one is better too (None: the
        last is not), "final_minus_gray": the final score's mean difference from gray's over the photos,
        "ci95": its paired bootstrap interval, "better": the interval lies wholly on the better side}}}.
    """
    gray = results["models"][GRAY]["summary"]
    compared = {}
    for record in records.values():
        label, rows, steps = record["label"], {}, record["heldout"]["step"]
        for name, lower in CURVE_METRICS:
            sign = -1.0 if lower else 1.0  # sign * (value - gray) > 0: better than gray
            is_better = [sign * (value - gray[name]["mean"]) > 0 for value in record["heldout"][name]]
            better = [step for step, good in zip(steps, is_better) if good]
            worse = [i for i, good in enumerate(is_better) if not good]
            since = worse[-1] + 1 if worse else 0  # the scores from index `since` on are all better
            difference = per_image(results, label, name) - per_image(results, GRAY, name)
            low, high = metrics.bootstrap_ci(difference)
            rows[name] = {"first_step_better": better[0] if better else None,
                          "better_from": steps[since] if since < len(steps) else None,
                          "final_minus_gray": float(difference.mean()), "ci95": [low, high],
                          "better": bool(high < 0 if lower else low > 0)}
        compared[label] = rows
    return compared


def curve_trends(records, window=LAST_SCORES):
    """Are the held-out curves still improving at their end?

    Returns:
        {label: {metric: {"mean_last": mean of the last `window` scores, "mean_before": of the `window` before them,
        "improvement": mean_last - mean_before, signed so that > 0 is better (for ab L1 and dCF, lower is better),
        "slope_per_1000_steps": the least-squares slope of the last 2 * `window` scores against their steps, in
        the metric's units per 1,000 steps}}} for `CURVE_METRICS`, None for a curve of fewer than 2 * `window`
        scores.
    """
    trends = {}
    for record in records.values():
        steps = np.asarray(record["heldout"]["step"][-2 * window:], float)
        if len(steps) < 2 * window:
            trends[record["label"]] = {name: None for name, _ in CURVE_METRICS}
            continue
        rows = {}
        for name, lower in CURVE_METRICS:
            values = np.asarray(record["heldout"][name][-2 * window:], float)
            before, last = values[:window].mean(), values[window:].mean()
            rows[name] = {"mean_last": float(last), "mean_before": float(before),
                          "improvement": float(before - last if lower else last - before),
                          "slope_per_1000_steps": float(1000 * np.polyfit(steps, values, 1)[0])}
        trends[record["label"]] = rows
    return trends


def seed_spread(results, records, window=LAST_SCORES):
    """The seed-to-seed spread of each metric against the spread between configurations: of the final scores (one
    checkpoint, whose noise a seed's difference includes) and of the mean of the last `window` held-out scores
    (which averages most of it out).

    Returns:
        {"final": `spread` of the final scores' means over the photos (`TABLE_METRICS`), "mean_last": `spread` of
        the means of each curve's last `window` scores (`CURVE_METRICS`)}.
    """
    final = {label: {name: model["summary"][name]["mean"] for name, _ in TABLE_METRICS}
             for label, model in results["models"].items()}
    last = {record["label"]: {name: mean_last(record, name, window) for name, _ in CURVE_METRICS}
            for record in records.values()}
    return {"final": spread(final, records, [name for name, _ in TABLE_METRICS]),
            "mean_last": spread(last, records, [name for name, _ in CURVE_METRICS])}


def spread(values, records, names):
    """The spread of `values` ({label: {metric: value}}) between the configurations at seed 0 and between each
    configuration's seeds, for the metrics `names`.

    Returns:
        {"configurations": {metric: {"range": largest minus smallest value of the configurations at seed 0,
        "median_pairwise": median absolute difference of two of them}}, "seeds": {configuration: {metric:
        {"means": {label: value}, "range": largest minus smallest}}} for each configuration with several seeds}.
    """
    first = [record["label"] for record in primary(records).values()]
    result = {"configurations": {}, "seeds": {}}
    for name in names:
        at_seed_0 = np.array([values[label][name] for label in first])
        pairs = np.abs(at_seed_0[:, None] - at_seed_0[None, :])[np.triu_indices(len(at_seed_0), 1)]
        result["configurations"][name] = {"range": float(np.ptp(at_seed_0)) if len(at_seed_0) else None,
                                          "median_pairwise": float(np.median(pairs)) if len(pairs) else None}
    for configuration in CONFIGURATIONS:
        labels = [record["label"] for key, record in records.items()
                  if key == configuration or key.startswith(f"{configuration}_seed")]
        if len(labels) > 1:
            result["seeds"][configuration] = {
                name: {"means": {label: values[label][name] for label in labels},
                       "range": float(np.ptp([values[label][name] for label in labels]))}
                for name in names}
    return result


def serving_summaries(records):
    """{label: `metrics.summarize` of its Figure 6 scores as the export serves} for the records that have them."""
    return {record["label"]: metrics.summarize(record["scores"]["figure6_serving"]["per_image"])
            for record in records.values() if "figure6_serving" in record["scores"]}


def format_stat(stats, digits):
    low, high = stats["ci95"]
    return f"{stats['mean']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


DIGITS = {"ab_l1": 2, "psnr": 2, "ssim": 3, "auc": 2, "pixel_accuracy": 3, "colourfulness": 1, "dcf": 1}


def markdown(header, rows):
    """A Markdown table: the `header` cells, a separator, then a line per row of cells."""
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def table(summaries):
    """The results table (Markdown): a row per model of `summaries` ({label: `metrics.summarize` dict}), mean
    [bootstrap 95% interval]."""
    return markdown(["model", *(title for _, title in TABLE_METRICS)],
                    [[label, *(format_stat(summary[name], DIGITS[name]) for name, _ in TABLE_METRICS)]
                     for label, summary in summaries.items()])


def rank_table(ranked):
    """Markdown: a row per configuration, a cell per metric of `curve_ranks`' result `ranked`: its rank at the last
    scored step / by the mean of the last `window` scored steps, in bold where the two differ."""
    titles = dict(TABLE_METRICS)
    rows = []
    for label in next(iter(ranked.values()))["per_configuration"]:
        cells = []
        for name in ranked:
            row = ranked[name]["per_configuration"][label]
            cell = f"{row['rank_last']} / {row['rank_mean_last']}"
            cells.append(f"**{cell}**" if label in ranked[name]["disagree"] else cell)
        rows.append([label, *cells])
    return markdown(["model", *(titles[name] for name in ranked)], rows)


def spread_table(spread):
    """Markdown: per metric of a `spread` result, the range of the configurations' values at seed 0 (and the
    median difference of two of them; "n/a" for fewer than two) beside the range of each configuration's seeds."""
    seeded, titles = list(spread["seeds"]), dict(TABLE_METRICS)
    rows = []
    for name, between in spread["configurations"].items():
        digits = DIGITS[name]
        range_, pair = ("n/a" if value is None else f"{value:.{digits}f}"
                        for value in (between["range"], between["median_pairwise"]))
        rows.append([titles[name], f"{range_} ({pair})",
                     *(f"{spread['seeds'][configuration][name]['range']:.{digits}f}" for configuration in seeded)])
    return markdown(["metric", "configurations: range (median pair)", *(f"{name}: seed range" for name in seeded)],
                    rows)


def cpu_kind(machine):
    """"AMD EPYC family 25 model 17, AVX512-BF16": the CPU, its family and model where recorded, and whether it
    has native bfloat16 (which decides `--precision=auto`)."""
    family_model = machine.get("cpu_family_model")
    where = f" family {family_model[0]} model {family_model[1]}" if family_model else ""
    return f"{machine['cpu']}{where}, " + ("AVX512-BF16" if "avx512_bf16" in machine["isa"] else "AVX2 only")


def segment_table(records):
    """Markdown: a row per training process of every record: its steps, CPU kind, precision, date, commit, wall
    seconds and their mean per step (start-up, held-out scoring, checkpoints and any pause included)."""
    rows = [[record["label"], f"{segment['from_step']}-{segment['to_step']}", cpu_kind(segment["machine"]),
             segment["precision"], segment["date"], (segment["machine"].get("commit") or "?")[:7],
             f"{segment['seconds']:.0f}", f"{segment['seconds'] / (segment['to_step'] - segment['from_step']):.2f}"]
            for record in records.values() for segment in record["segments"]]
    return markdown(["run", "steps", "CPU", "precision", "date", "commit", "seconds", "s/step"], rows)


def tables(results, records, compared):
    """table.md: the comparison with the report's protocol; where the records have them, the same photos colorized
    as the export serves them; the ranks by the held-out curves, the seed spread (`compared`, as `compare_runs`
    returns it) and the training processes."""
    text = table({label: model["summary"] for label, model in results["models"].items()})
    serving = serving_summaries(records)
    if serving:
        text += ("\nAs the export serves them (BatchNorm on its moving averages, no dropout, each photo alone):\n\n"
                 + table({GRAY: results["models"][GRAY]["summary"], **serving}))
    ranked = compared["ranks_last_and_mean_last"]
    window = next(iter(ranked.values()))["window"]
    text += (f"\nRanks by the held-out curves: at the last scored step / by the mean of the last {window} scored "
             "steps (bold where they differ):\n\n" + rank_table(ranked))
    seeds = compared["seed_spread"]
    if seeds["final"]["seeds"]:
        text += ("\nSeed spread of the final scores: the spread between configurations against the spread between "
                 "seeds:\n\n" + spread_table(seeds["final"]) + f"\nThe same of the mean of the last {window} "
                 "held-out scores:\n\n" + spread_table(seeds["mean_last"]))
    return text + ("\nTraining processes (their wall time includes start-up, held-out scoring, checkpoints and any "
                   "pause; `timing.csv` has each configuration's median s/step):\n\n" + segment_table(records))


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


def joined(record, value):
    """The distinct `value(segment)` of a record's training processes, sorted and joined by "+"."""
    return "+".join(sorted({value(segment) for segment in record["segments"]}))


def write_timing(records, path):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["configuration", "steps", "seconds_per_step_median", "seconds_per_step_mean",
                         "training_seconds", "precision", "cpu", "isa", "dates", "commits"])
        for name, record in records.items():
            writer.writerow([name, record["steps"], round(record["seconds_per_step"]["median"], 3),
                             round(record["seconds_per_step"]["mean"], 3), round(record["training_seconds"]),
                             joined(record, lambda s: s["precision"]), joined(record, lambda s: s["machine"]["cpu"]),
                             joined(record, lambda s: " ".join(s["machine"]["isa"])),
                             joined(record, lambda s: s["date"]),
                             joined(record, lambda s: s["machine"].get("commit") or "?")])


def assemble(results_dir, records, figure, folder, size=256):
    """One figure's comparison from the records: (metrics dict as `evaluation.comparison`, the truths drawn, the
    columns drawn).

    The gray baseline and the truths come from `folder`, each configuration's per-photo scores and outputs from
    its record and strip (`runs/<name>_<figure>.jpg`, the photos its "shown" indices name; every record's the same).
    Every record is scored; the columns are the gray baseline's and each configuration's at seed 0."""
    true_gray = FIGURES[figure][1]
    truths = evaluation.evaluation_images(folder, size)
    gray = evaluation.gray_baseline(truths)
    models = {GRAY: ("baseline", evaluation.score(gray, truths, true_gray))}
    shown = {tuple(record["scores"][figure].get("shown", range(len(truths)))) for record in records.values()}
    if len(shown) > 1:
        raise ValueError(f"Invalid records: their {figure} strips show different photos ({sorted(shown)}). Expected "
                         "every configuration drawn on the same photos (reproduce's --grid).")
    shown = list(shown.pop()) if shown else list(range(len(truths)))
    columns = {GRAY: gray[shown]}
    for name, record in records.items():
        scores = record["scores"][figure]
        if scores["images"] != len(truths):
            raise ValueError(f"Invalid record {name}: scored on {scores['images']} photos of {figure}, but "
                             f"{folder} holds {len(truths)}. Publish with the folder it was scored on, or delete "
                             "the record and rerun.")
        models[record["label"]] = (record["run"], scores["per_image"])
        if not record["settings"].get("seed"):  # the grids show each configuration once
            columns[record["label"]] = read_strip(pathlib.Path(results_dir) / "runs" / scores["outputs"], len(shown))
    return evaluation.comparison(folder, truths, models, true_gray), truths[shown], columns


def publish(results_dir, folders, size=256):
    """Writes every file of the module docstring into `results_dir` from the records in `results_dir/runs`.

    Args:
        folders: {figure: photo folder} for the figures of `FIGURES` to publish ("figure6": the held-out photos,
            "figure7": the true black-and-white photos).
    """
    results_dir = pathlib.Path(results_dir)
    records = load_records(results_dir)
    for figure, folder in folders.items():
        results, truths, columns = assemble(results_dir, records, figure, folder, size)
        report.write_metrics(results_dir, results, FIGURES[figure][0])
        report.figure(results_dir / f"{figure}.png", truths, columns, FIGURES[figure][1], dpi=FIGURE_DPI)
        if figure == "figure6":
            plot_curves(records, results, results_dir / "learning_curves.png")
            compared = compare_runs(results, records)
            analysis = {**analyse(results, primary(records)), **compared}
            (results_dir / "analysis.json").write_text(json.dumps(analysis, indent=1))
            (results_dir / "table.md").write_text(tables(results, records, compared))
    plot_losses(records, results_dir / "losses.png")
    write_timing(records, results_dir / "timing.csv")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    folders = {"figure6": flags.FLAGS.heldout, "figure7": flags.FLAGS.true_gray_dir}
    publish(flags.FLAGS.results_dir, {figure: folder for figure, folder in folders.items() if folder})


if __name__ == "__main__":
    flags.DEFINE_string("results_dir", "results/figure6", "The study's results folder (with runs/).")
    flags.DEFINE_string("heldout", "data/photos/heldout", "Figure 6's held-out photos (or '' for none).")
    flags.DEFINE_string("true_gray_dir", "data/photos/solvay", "Figure 7's black-and-white photos (or '').")
    app.run(main)
