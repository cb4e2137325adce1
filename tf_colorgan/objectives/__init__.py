"""The objectives, one module each: gan, lsgan, ebgan, wgan, wgan_gp (`--gan=<name>`).

Each module defines its losses and one subclass of `base.AdversarialModel` (its Keras model, with its settings,
optimizer and the original code's defaults) and registers it with `@register`. A module of this package named
after an objective is found by its name (`get`); an objective defined elsewhere (a test, a user's file) is
registered by importing it. Importing this package imports no TensorFlow: an objective's module is imported when
it is first asked for.

Example (an objective in one file; nothing else changes):
    >>> @objectives.register
    ... class Hinge(base.AdversarialModel):
    ...     name = "hinge"
    ...     def objective_discriminator_loss(self, real, fake): ...
    ...     def objective_generator_loss(self, fake): ...
    >>> train.py --gan=hinge
"""

import importlib
import pkgutil

DEFAULT = "gan"  # --gan's default: the report's first objective
_REGISTERED = {}
_OWN = "base"  # the one module of the package that is not an objective


def register(model_class):
    """Registers an `AdversarialModel` subclass under its `name` (a class decorator); returns it unchanged."""
    if not model_class.name:
        raise ValueError(f"{model_class.__qualname__} has no `name`: set it to the value of --gan that selects it")
    _REGISTERED[model_class.name] = model_class
    return model_class


def names():
    """Every objective's name: this package's modules, then the ones registered from elsewhere."""
    own = [module.name for module in pkgutil.iter_modules(__path__) if module.name != _OWN]
    return tuple(own + [name for name in _REGISTERED if name not in own])


def get(name):
    """The model class of objective `name` (one of `names()`), importing its module on first use."""
    if name not in _REGISTERED and name in names():
        importlib.import_module(f"{__name__}.{name}")
    return _REGISTERED[name]


def settings_for(name, settings):
    """`settings` without the settings of objectives other than `name` (for settings given to several runs, e.g.
    WGAN's warm-up for every configuration of a study)."""
    own = set(get(name).Settings.names())
    others = {setting for other in names() for setting in get(other).Settings.names()} - own
    return {setting: value for setting, value in settings.items() if setting not in others}
