"""`python -m tf_colorgan.training`: train.py, with the process settings applied first
(`tf_colorgan.scripts.train`)."""

from tf_colorgan import scripts

scripts.train()
