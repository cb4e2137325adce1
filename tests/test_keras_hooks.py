"""The private Keras hooks tf_colorgan overrides or reads still exist with the signatures it was written against.

Keras may rename or drop a private method in any release, and an override of a method Keras no longer calls is
silently bypassed (the U-Net's synchronised BatchNorm would fall back to one replica's moments, the strategy path
would draw and reshuffle a batch, the optimizers would lose TF1's update rule). setup.cfg pins Keras to the
range this suite was run on; this test says which hook moved when that range is widened.
"""

import inspect

import keras
import pytest

HOOKS = [  # (owner, name, parameters, user in tf_colorgan)
    (keras.Model, "_maybe_symbolic_build", ["self", "iterator", "data_batch"], "objectives.base.AdversarialModel"),
    (keras.layers.BatchNormalization, "_moments", ["self", "inputs", "mask"], "networks.TrainModeBatchNorm"),
    (keras.optimizers.Optimizer, "_get_variable_index", ["self", "variable"], "optimizers.Adam/RMSprop"),
    (keras.optimizers.Optimizer, "add_optimizer_variables", ["self", "trainable_variables", "name", "initializer"],
     "optimizers.RMSprop"),
    (keras.optimizers.RMSprop, "build", ["self", "var_list"], "optimizers.RMSprop"),
    (keras.optimizers.Optimizer, "update_step", ["self", "gradient", "variable", "learning_rate"],
     "optimizers.Adam/RMSprop"),
]


@pytest.mark.parametrize("owner, name, parameters, user", HOOKS, ids=[f"{o.__name__}.{n}" for o, n, _, _ in HOOKS])
def test_overridden_hook_exists_with_its_signature(owner, name, parameters, user):
    method = getattr(owner, name, None)
    assert method is not None, f"keras {keras.__version__}: {owner.__name__}.{name} is gone; {user} overrides it"
    found = list(inspect.signature(method).parameters)
    assert found == parameters, (f"keras {keras.__version__}: {owner.__name__}.{name}{found}, expected {parameters} "
                                 f"by {user}")


def test_private_state_read_by_the_package_exists():
    variable = keras.Variable([1.0, 2.0])
    adam, rmsprop = keras.optimizers.Adam(), keras.optimizers.RMSprop()
    adam.build([variable])
    rmsprop.build([variable])
    assert len(adam._momentums) == len(adam._velocities) == 1, "optimizers.Adam reads Adam's slots"
    assert len(rmsprop._velocities) == 1, "optimizers.RMSprop replaces RMSprop's mean-square slot"
    norm = keras.layers.BatchNormalization()
    norm.build((None, 4, 4, 3))
    assert norm._reduction_axes == [0, 1, 2], "networks.TrainModeBatchNorm reduces over BatchNorm's axes"
    assert keras.Model()._distribute_strategy is None, "AdversarialModel tells the default strategy by it"
