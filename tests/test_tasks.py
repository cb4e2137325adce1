"""The task plug-ins (`tf_colorgan.tasks`) and the one list of objectives."""

import pytest

from tf_colorgan import config, gans, tasks, training
from tf_colorgan.config import make_config

INTERFACE = ("preset", "check", "COLOUR_ONLY", "build_networks", "make_task", "objective_options", "training_stream",
             "sample_renderer", "metric_callbacks", "export")


@pytest.mark.parametrize("name", tuple(tasks.MODULES))
def test_every_task_module_provides_the_whole_interface(name):
    module = tasks.of(name)
    missing = [attribute for attribute in INTERFACE if not hasattr(module, attribute)]
    assert not missing, f"{module.__name__} lacks {missing}"
    assert config.TASKS == tuple(tasks.MODULES)


def test_the_objectives_are_listed_once():
    assert tuple(gans.VARIANTS) == config.OBJECTIVES


@pytest.mark.parametrize("given, expected", [
    # colorization: the original's explicit sigmoid before the squares (C6), the textbook form without it
    ({"gan": "lsgan"}, {"sigmoid": True}),
    ({"gan": "lsgan", "textbook": ("lsgan",)}, {"sigmoid": False}),
    # generation: the LSUN networks score the batch mean of D's features (G4); the others do not
    ({"task": "generate", "experiment": "lsgan_lsun", "gan": "lsgan"}, {"batch_mean": True}),
    ({"task": "generate", "experiment": "dcgan_mnist", "gan": "lsgan"}, {"batch_mean": False}),
])
def test_the_task_sets_its_part_of_the_objective_options(given, expected):
    assert training.objective_options(make_config(**given)) == expected
