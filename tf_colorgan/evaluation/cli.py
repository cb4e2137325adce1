"""eval.py's command (`tf-colorgan-eval`): evaluate a colorization run, compare colorization runs on one image set,
or score an image-generation export (the usage: eval.py's docstring). Run it through an entry point
(`tf_colorgan.scripts.evaluate`), which applies the process settings first.
"""

import json
import pathlib

import tensorflow as tf
from absl import app, flags, logging

from tf_colorgan.config import ConfigError
from tf_colorgan.evaluation import trained_runs
from tf_colorgan.tasks.generate import classifier_distance
from tf_colorgan.training import rundir

FLAGS = flags.FLAGS


def define_flags():
    """Declares eval.py's flags (when it runs, not when it is imported)."""
    flags.DEFINE_string("run_dir", None, "A colorization run directory written by train.py.")
    flags.DEFINE_string("generator", None, "The export/ folder of an image-generation run.")
    flags.DEFINE_list("models", None, "Colorization run directories to compare on --dataset.")
    flags.DEFINE_string("dataset", "sample", "With --models: 'sample', a folder of images or a TFDS name.")
    flags.DEFINE_string("out", "comparison", "With --models: the output folder.")
    flags.DEFINE_boolean("true_gray", False, "With --models: photos without a colour original (colourfulness only).")
    flags.DEFINE_integer("count", None, "Colorization: only the first N test images. Generation: samples (2000).",
                         lower_bound=1)
    flags.DEFINE_string("inception_weights", "imagenet", "With --models: the InceptionV3 weights of FID, 'imagenet' "
                        "(downloaded once into ~/.keras/models) or the path of Keras' notop weights file; when they "
                        "cannot be loaded FID is left out with one message and the other metrics are written.")
    flags.DEFINE_integer("batch_size", 4, "Colorization: images per batch through the generator (batch statistics).",
                         lower_bound=1)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if [FLAGS.run_dir, FLAGS.generator, FLAGS.models].count(None) != 2:
        raise app.UsageError("Pass exactly one of --run_dir (a colorization run), --models (colorization runs to "
                             "compare) and --generator (an image-generation export).")
    if FLAGS.models:
        try:
            results = trained_runs.compare(FLAGS.models, FLAGS.dataset, FLAGS.out, FLAGS.count,
                                           true_gray=FLAGS.true_gray, batch_size=FLAGS.batch_size,
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
        try:
            logging.info("%s", trained_runs.evaluate(run_dir, FLAGS.count, FLAGS.batch_size))
        except FileNotFoundError as error:  # a run without a checkpoint yet
            raise app.UsageError(str(error)) from None
        return
    signature = tf.saved_model.load(FLAGS.generator).signatures["serving_default"]
    try:
        metrics = classifier_distance.generator_metrics(lambda z: signature(z=z)["images"], config, FLAGS.count or 2000)
    except ConfigError as error:
        raise app.UsageError(str(error)) from None
    (run_dir / "generator_metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))


def run():
    """Declares the flags and runs `main` under absl (the help text is the calling script's docstring)."""
    define_flags()
    app.run(main)
