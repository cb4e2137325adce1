"""tf_colorgan: colorization GANs in TensorFlow 2 / Keras 3, faithful to the code of Fabbri's 2017 report.

Importing the package makes two process-wide settings before TensorFlow starts (`tf_colorgan.runtime`): TensorFlow's
oneDNN kernels on (`TF_ENABLE_ONEDNN_OPTS=1`, unless the environment sets the variable) and glibc's malloc keeping
large freed blocks for reuse (unless the environment sets its own malloc variables). Import tf_colorgan before
tensorflow in your own scripts (train.py, eval.py, `tf-colorgan` and `python -m tf_colorgan.*` do).
"""

from tf_colorgan import runtime  # noqa: F401  (its settings are made on import)
