"""Train a colorization GAN of the 2017 study (L -> ab in Lab space, pix2pix U-Net + PatchGAN).

Examples:
    python train.py --gan=lsgan --l1=100                      # built-in sample photos, a few minutes on a CPU
    python train.py --gan=wgan --l1=0 --l2=1 --dataset=celeb_a --epochs=8
    python train.py --gan=gan --dataset=/path/to/photos --precision=mixed_bfloat16

Running the same command again resumes the run from its last checkpoint. See README.md for every flag.
Exit status: 0 trained (and exported, by the chief), 1 stopped by a non-finite loss or a full file system (what
could not be written, and the checkpoint a rerun resumes from), 2 a bad flag or dataset (one line on stderr;
nothing written).
"""

import sys

from absl import app, logging

from tf_colorgan import callbacks, flags, storage, training
from tf_colorgan.config import ConfigError


def main(argv):
    if len(argv) > 1:
        flags.usage_error(f"unexpected arguments: {' '.join(argv[1:])} (every setting is a --flag)")
    try:
        training.run(flags.config_from_flags())
    except ConfigError as error:
        flags.usage_error(str(error))
    except (callbacks.NonFiniteLossError, storage.DiskFullError) as error:
        logging.error("%s", error)
        sys.exit(1)


if __name__ == "__main__":
    flags.define_flags()
    app.run(main, flags_parser=flags.parse_flags)
