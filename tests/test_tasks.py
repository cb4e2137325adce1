"""The task and objective registries (`tf_colorgan.tasks`, `tf_colorgan.objectives`)."""

import subprocess
import sys

import pytest

from tf_colorgan import objectives, tasks
from tf_colorgan.config import make_config
from tf_colorgan.training import trainer

SETTINGS_INTERFACE = ("Settings", "TEXTBOOK_FORMS", "COLOUR_ONLY", "preset", "check", "run_name", "default_steps")
PLUGIN_INTERFACE = ("problem", "build_networks", "training_stream", "sample_renderer", "periodic_metrics", "export")


@pytest.mark.parametrize("name", tasks.names())
def test_every_task_package_provides_the_whole_interface(name):
    for module, interface in ((tasks.get(name), SETTINGS_INTERFACE), (tasks.plugin(name), PLUGIN_INTERFACE)):
        missing = [attribute for attribute in interface if not hasattr(module, attribute)]
        assert not missing, f"{module.__name__} lacks {missing}"


def test_the_registries_find_every_task_and_objective_by_its_module():
    assert tasks.names() == ("colorize", "generate")
    assert set(objectives.names()) >= {"gan", "lsgan", "ebgan", "wgan", "wgan_gp"}
    assert all(objectives.get(name).name == name for name in objectives.names())


@pytest.mark.parametrize("given, expected", [
    # colorization: the original's explicit sigmoid before the squares (C6), the textbook form without it
    ({"gan": "lsgan"}, {"sigmoid": True}),
    ({"gan": "lsgan", "textbook": ("lsgan",)}, {"sigmoid": False}),
    # generation: the LSUN networks score the batch mean of D's features (G4); the others do not
    ({"task": "generate", "experiment": "lsgan_lsun", "gan": "lsgan"}, {"batch_mean": True}),
    ({"task": "generate", "experiment": "dcgan_mnist", "gan": "lsgan"}, {"batch_mean": False}),
])
def test_the_task_sets_its_part_of_the_objective_options(given, expected):
    model = trainer.build_model(make_config(**given))
    assert {name: getattr(model, name) for name in expected} == expected


def test_reading_the_config_imports_no_tensorflow(tmp_path):
    """`tf_colorgan.config` and a run's config.json are read without TensorFlow (a second's import, and the
    tooling that lists runs needs none)."""
    path = tmp_path / "config.json"
    path.write_text(make_config(gan="ebgan", margin=20.0, l2=1.0).to_json())
    code = ("import sys, pathlib; from tf_colorgan import config; "
            f"c = config.Config.from_json(pathlib.Path({str(path)!r}).read_text()); "
            "print(c.margin, c.l2, c.size, c.run_name, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["20.0", "1.0", "256", "sample_ebgan_l1-100_l2-1", "False", "False"]
