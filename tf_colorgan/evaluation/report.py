"""Writes a colorization comparison: metrics.json, metrics.csv (mean, std and bootstrap 95% interval per model and
metric), figure.png (the report's Figure 6 layout) and an offline index.html with the metric table (mean +- std
[95% interval]) and every image (`images/<column>/<i>.png`)."""

import csv
import html
import json
import pathlib
import re

import matplotlib
import tensorflow as tf

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the non-interactive backend)


def slug(label):
    return re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_").lower()


def write_images(out_dir, name, images):
    """Saves uint8 images [N, H, W, 3] as out_dir/images/<name>/<i>.png; returns their relative paths."""
    folder = out_dir / "images" / name
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        tf.io.write_file(str(folder / f"{i}.png"), tf.io.encode_png(image))
    return [f"images/{name}/{i}.png" for i in range(len(images))]


def figure(path, truths, columns, true_gray, dpi=120):
    """Rows: images; columns: input L, each model (titled with its label), then the truth (not for true gray).

    `columns` is {label: uint8 [N, H, W, 3]}, the gray baseline first (drawn as the input); sizes may differ
    between columns (each image fills its cell)."""
    (_, inputs), *outputs = columns.items()  # the first column is the gray baseline: the input
    panels = [("Input", inputs), *outputs]
    if not true_gray:
        panels.append(("True image", truths))
    rows, cols = len(truths), len(panels)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows + 0.4), squeeze=False)
    for column, (title, images) in enumerate(panels):
        axes[0, column].set_title(title, fontsize=7)
        for row in range(rows):
            axes[row, column].imshow(images[row])
            axes[row, column].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def write_metrics(out_dir, results, stem="metrics"):
    """Writes a comparison's dict as `<stem>.json` and its summaries as `<stem>.csv` (a row per model and metric:
    mean, std, bootstrap 95% interval) into the existing folder `out_dir`."""
    (out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2))
    with open(out_dir / f"{stem}.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["model", "metric", "mean", "std", "ci95_low", "ci95_high"])
        for label, result in results["models"].items():
            for name, stats in result["summary"].items():
                writer.writerow([label, name, stats["mean"], stats["std"], *stats["ci95"]])


def write(out_dir, results, truths, columns, true_gray):
    """Writes every file of the comparison into `out_dir` (see the module docstring)."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_metrics(out_dir, results)
    figure(out_dir / "figure.png", truths, columns, true_gray)

    image_columns = {label: write_images(out_dir, slug(label), images) for label, images in columns.items()}
    if not true_gray:
        image_columns["True image"] = write_images(out_dir, "truth", truths)
    names = sorted({name for result in results["models"].values() for name in result["summary"]})
    table = "".join(
        f"<tr><th>{html.escape(label)}</th>"
        + "".join(f"<td>{result['summary'][n]['mean']:.4g} &plusmn; {result['summary'][n]['std']:.3g} "
                  f"[{result['summary'][n]['ci95'][0]:.4g}, {result['summary'][n]['ci95'][1]:.4g}]</td>"
                  for n in names) + "</tr>"
        for label, result in results["models"].items())
    rows = "".join(
        "<tr>" + "".join(f'<td><img src="{paths[i]}" width="160"></td>' for paths in image_columns.values())
        + "</tr>" for i in range(len(truths)))
    protocol = html.escape(json.dumps(results["protocol"]))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>tf_colorgan comparison</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px;border:1px solid #ccc;font-size:12px}</style>"
        f"</head><body><h1>Colorization comparison</h1><p>Protocol: {protocol}</p>"
        f"<table><tr><th>model</th>{''.join(f'<th>{html.escape(n)}</th>' for n in names)}</tr>{table}</table>"
        f"<h2>Images</h2><table><tr>{''.join(f'<th>{html.escape(c)}</th>' for c in image_columns)}</tr>{rows}"
        "</table><p><img src='figure.png'></p></body></html>")
    (out_dir / "index.html").write_text(page)
