"""The console scripts (setup.cfg): `tf-colorgan-train` (train.py), `tf-colorgan-eval` (eval.py) and `tf-colorgan`
(colorize photos, serve an export). Each applies the process settings (`tf_colorgan.runtime.apply`) before it
imports TensorFlow, then runs its command; `python -m tf_colorgan.training` is train.py as well.
"""

from tf_colorgan import runtime


def train():
    runtime.apply()
    from tf_colorgan.training import cli

    cli.run()


def evaluate():
    runtime.apply()
    from tf_colorgan.evaluation import cli

    cli.run()


def colorgan():
    runtime.apply()
    from tf_colorgan.serving import cli

    return cli.main()
