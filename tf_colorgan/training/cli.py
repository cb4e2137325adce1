"""train.py's command (`tf-colorgan-train`, `python -m tf_colorgan.training`): flags in, a trained and exported run out.

Exit status: 0 trained (and exported, by the chief), 1 stopped by a non-finite loss or a full file system (what could
not be written, and the checkpoint a rerun resumes from), 2 a bad flag or dataset (one line on stderr; nothing
written). Run it through an entry point (`tf_colorgan.scripts.train`), which applies the process settings first.
"""
import sys

from absl import app, logging

from tf_colorgan import storage
from tf_colorgan.config import ConfigError
from tf_colorgan.training import callbacks, flags, trainer


def main(argv):
    if len(argv) > 1:
        flags.usage_error(f"unexpected arguments: {' '.join(argv[1:])} (every setting is a --flag)")
    try:
        trainer.run(flags.config_from_flags())
    except ConfigError as error:
        flags.usage_error(str(error))
    except (callbacks.NonFiniteLossError, storage.DiskFullError) as error:
        logging.error("%s", error)
        sys.exit(1)


def run():
    """Declares the flags and runs `main` under absl (the help text is the calling script's docstring)."""
    flags.define_flags()
    app.run(main, flags_parser=flags.parse_flags)
