"""`python -m tf_colorgan.study`: reproduce the report's colorization study (`tf_colorgan.study.reproduce`)."""

from tf_colorgan import runtime

runtime.apply()  # before TensorFlow starts: this module only ever runs as a command

from tf_colorgan.study import reproduce  # noqa: E402

reproduce.run()
