"""`python -m tf_colorgan.serving`: the `tf-colorgan` command (colorize photos, serve an export, prepare a dataset,
export to ONNX), with the process settings applied first (`tf_colorgan.scripts.colorgan`)."""

import sys

from tf_colorgan import scripts

sys.exit(scripts.colorgan())
