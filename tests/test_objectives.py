"""An objective is one module: a toy objective defined in this file alone is registered and trained."""

import dataclasses
import json

import tensorflow as tf

from tf_colorgan import objectives, settings
from tf_colorgan.config import make_config
from tf_colorgan.objectives import base
from tf_colorgan.training import trainer


class Hinge(base.AdversarialModel):
    """The hinge loss of SAGAN/BigGAN: L_D = mean(relu(m - D(real))) + mean(relu(m + D(fake))), L_G = -mean(D(fake))."""

    name = "hinge"
    summary = "hinge loss"
    learning_rate = 2e-4
    beta1 = 0.0

    @dataclasses.dataclass(frozen=True)
    class Settings(settings.Settings):
        hinge_margin: float = settings.setting(1.0, "Hinge: the margin m.", settings.POSITIVE)

    def objective_discriminator_loss(self, real, fake):
        m = self.settings.hinge_margin
        return (tf.reduce_mean(tf.nn.relu(m - base.f32(real))) + tf.reduce_mean(tf.nn.relu(m + base.f32(fake))))

    def objective_generator_loss(self, fake):
        return -tf.reduce_mean(base.f32(fake))


def test_a_toy_objective_in_a_test_file_alone_trains_through_the_package(tmp_path):
    objectives.register(Hinge)
    assert "hinge" in objectives.names() and objectives.get("hinge") is Hinge
    config = make_config(gan="hinge", hinge_margin=0.5, width=8, steps=2, run_dir=str(tmp_path / "run"),
                         image_every=100, sample_count=1)
    assert (config.lr, config.beta1, config.hinge_margin) == (2e-4, 0.0, 0.5)  # its defaults and its setting
    model = trainer.run(config)
    assert isinstance(model, Hinge) and model.step == 2 and int(model.d_optimizer.iterations) == 2
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (recorded["gan"], recorded["hinge_margin"]) == ("hinge", 0.5)
    assert (tmp_path / "run" / "export" / "saved_model.pb").exists()
