"""Evaluate a trained run.

Colorization: colorize the run's held-out test images with its generator (the report's protocol: batch statistics
in batches of --batch_size, dropout on, from the run's checkpoint) and score them (PSNR, SSIM):
    python eval.py --run_dir=models/sample_lsgan_l1-100_l2-0
writes models/.../eval/<step>_<i>_col.png, <step>_<i>_true.png and metrics.json.

Compare colorization runs on one image set (metrics.json/.csv with FID when InceptionV3's weights load, the
report's Figure 6 as figure.png, index.html):
    python eval.py --models models/RUN_A models/RUN_B --dataset=sample --out comparison/
    python eval.py --models models/RUN_A models/RUN_B --dataset=/path/to/bw_photos --true_gray --out bw/

Image generation: Frechet classifier distance and classifier score of the exported generator's samples:
    python eval.py --generator=models/dcgan_mnist/export --count=2000
"""

import json
import pathlib

import tf_colorgan  # noqa: F401 (before TensorFlow, out of isort order: it turns oneDNN on)
import tensorflow as tf
from absl import app, flags, logging

from tf_colorgan import evaluation, rundir
from tf_colorgan.config import ConfigError

flags.DEFINE_string("run_dir", None, "A colorization run directory written by train.py.")
flags.DEFINE_string("generator", None, "The export/ folder of an image-generation run.")
flags.DEFINE_list("models", None, "Colorization run directories to compare on --dataset.")
flags.DEFINE_string("dataset", "sample", "With --models: 'sample', a folder of images or a TFDS name.")
flags.DEFINE_string("out", "comparison", "With --models: the output folder.")
flags.DEFINE_boolean("true_gray", False, "With --models: photos without a colour original (colourfulness only).")
flags.DEFINE_integer("count", None, "Colorization: only the first N test images. Generation: samples (2000).")
flags.DEFINE_string("inception_weights", "imagenet", "With --models: the InceptionV3 weights of FID, 'imagenet' "
                    "(downloaded once into ~/.keras/models) or the path of Keras' notop weights file; when they "
                    "cannot be loaded FID is left out with one message and the other metrics are written.")
flags.DEFINE_integer("batch_size", 4, "Colorization: images per batch through the generator (batch statistics).")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if [FLAGS.run_dir, FLAGS.generator, FLAGS.models].count(None) != 2:
        raise app.UsageError("Pass exactly one of --run_dir (a colorization run), --models (colorization runs to "
                             "compare) and --generator (an image-generation export).")
    if FLAGS.models:
        try:
            results = evaluation.compare(FLAGS.models, FLAGS.dataset, FLAGS.out, FLAGS.count, true_gray=FLAGS.true_gray,
                                         inception_weights=FLAGS.inception_weights)
        except (ConfigError, FileNotFoundError) as error:
            raise app.UsageError(str(error)) from None
        for label, result in results["models"].items():
            print(label, {name: round(stats["mean"], 4) for name, stats in result["summary"].items()},
                  *([f"FID {result['fid']:.2f}"] if "fid" in result else []))
        return
    run_dir = pathlib.Path(FLAGS.run_dir) if FLAGS.run_dir else pathlib.Path(FLAGS.generator).parent
    expected = "colorize" if FLAGS.run_dir else "generate"
    try:
        config = rundir.read_config(run_dir)
    except FileNotFoundError:
        raise app.UsageError(f"No run at '{run_dir}': expected the config.json written by train.py.") from None
    except ConfigError as error:
        raise app.UsageError(str(error)) from None
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
