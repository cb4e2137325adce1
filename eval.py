"""Colorize a training run's held-out test images with its exported model and score them (PSNR, SSIM).

Example:
    python eval.py --run_dir=models/sample_lsgan_l1-100_l2-0
writes models/.../eval/<step>_<i>_col.png, <step>_<i>_true.png and metrics.json.
"""

from absl import app, flags, logging

from tf_colorgan import evaluation

flags.DEFINE_string("run_dir", None, "A run directory written by train.py.")
flags.DEFINE_integer("count", None, "Evaluate only the first N test images.")
flags.DEFINE_integer("batch_size", 4, "Images per batch through the export (BatchNorm uses batch statistics).")
flags.mark_flag_as_required("run_dir")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    logging.info("%s", evaluation.evaluate(FLAGS.run_dir, FLAGS.count, FLAGS.batch_size))


if __name__ == "__main__":
    app.run(main)
