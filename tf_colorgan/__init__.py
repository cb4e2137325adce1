"""tf_colorgan: colorization GANs in TensorFlow 2 / Keras 3, faithful to the code of Fabbri's 2017 report.

Importing it changes nothing in the process: the entry points (train.py, eval.py, the console scripts of
`tf_colorgan.scripts`, `python -m tf_colorgan.study`) apply the process settings of `tf_colorgan.runtime` (oneDNN on,
glibc's malloc keeping large freed blocks) before TensorFlow starts, then import Keras without its unused extras and
make Python's garbage collector run less often; call
`tf_colorgan.runtime.apply()` first in a program of your own to get the same. docs/architecture.md describes the
layout.
"""
