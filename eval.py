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
from tf_colorgan.config import Config, ConfigError

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
    run_dir = pathlib.Path(FLAGS.run_dir) if FLAGS.run_dir else pathlib.Path(FLAGS.generator).parent
    expected = "colorize" if FLAGS.run_dir else "generate"
    try:
        config = Config.from_json((run_dir / "config.json").read_text())
    except FileNotFoundError:
        raise app.UsageError(f"No run at '{run_dir}': expected the config.json written by train.py.") from None
    if config.task != expected:
        raise app.UsageError(f"'{run_dir}' is a --task={config.task} run: evaluate colorization runs with "
                             "--run_dir=RUN and image-generation runs with --generator=RUN/export.")
    if FLAGS.run_dir:
        logging.info("%s", evaluation.evaluate(run_dir, FLAGS.count, FLAGS.batch_size))
        return
    signature = tf.saved_model.load(FLAGS.generator).signatures["serving_default"]
    try:
        metrics = evaluation.generator_metrics(lambda z: signature(z=z)["images"], config, FLAGS.count or 2000)
    except ConfigError as error:
        raise app.UsageError(str(error)) from None
    (run_dir / "generator_metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    app.run(main)
