"""tf_colorgan: colorization GANs in TensorFlow 2 / Keras 3, faithful to the code of Fabbri's 2017 report.

Importing the package turns TensorFlow's oneDNN kernels on (`TF_ENABLE_ONEDNN_OPTS=1`) unless the environment
already sets the variable. TensorFlow enables them by default only on CPUs with AVX-512 VNNI, AVX512-BF16 or AMX;
elsewhere (an AVX2-only CPU) its convolutions run through Eigen, and the float32 training step of the U-Net was
measured 1.33x slower there (an AVX2-only AMD EPYC: 10.1 s against 7.5 s per LSGAN iteration at batch 4, both with a
second training process beside them). TensorFlow reads the variable once, when it is imported: import tf_colorgan
first (train.py, eval.py, `tf-colorgan` and `python -m tf_colorgan.*` do), or set it yourself.
"""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
