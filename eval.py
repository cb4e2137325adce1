"""Evaluate a trained run.

Colorization: colorize the run's held-out test images with its export and score them (PSNR, SSIM):
    python eval.py --run_dir=models/sample_lsgan_l1-100_l2-0
writes models/.../eval/<step>_<i>_col.png, <step>_<i>_true.png and metrics.json.

Image generation: Frechet classifier distance and classifier score of the exported generator's samples:
    python eval.py --generator=models/dcgan_mnist/export --count=2000
"""

import json
import pathlib

import tensorflow as tf
from absl import app, flags, logging

from tf_colorgan import evaluation
from tf_colorgan.config import Config

flags.DEFINE_string("run_dir", None, "A colorization run directory written by train.py.")
flags.DEFINE_string("generator", None, "The export/ folder of an image-generation run.")
flags.DEFINE_integer("count", None, "Colorization: only the first N test images. Generation: samples (2000).")
flags.DEFINE_integer("batch_size", 4, "Colorization: images per batch through the export (batch statistics).")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if (FLAGS.run_dir is None) == (FLAGS.generator is None):
        raise app.UsageError("Pass exactly one of --run_dir (a colorization run) and --generator (an export).")
    if FLAGS.run_dir is not None:
        logging.info("%s", evaluation.evaluate(FLAGS.run_dir, FLAGS.count, FLAGS.batch_size))
        return
    export_dir = pathlib.Path(FLAGS.generator)
    config = Config.from_json((export_dir.parent / "config.json").read_text())
    signature = tf.saved_model.load(str(export_dir)).signatures["serving_default"]
    metrics = evaluation.generator_metrics(lambda z: signature(z=z)["images"], config, FLAGS.count or 2000)
    (export_dir.parent / "generator_metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    app.run(main)
