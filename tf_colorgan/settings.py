"""Settings declared once: a frozen dataclass whose fields carry their help text and their allowed values.

The shared settings of a run (`tf_colorgan.config.Config`), each task's (`tf_colorgan.tasks.<task>.Settings`) and
each objective's (`tf_colorgan.objectives.<objective>.<Class>.Settings`) are declared this way, so that one field is
one knob: train.py's flag (`tf_colorgan.flags`), its validation and its place in `config.json` all come from it.
No TensorFlow is imported here.

Example:
    >>> @dataclasses.dataclass(frozen=True)
    ... class Settings(settings.Settings):
    ...     margin: float = settings.setting(80.0, "EBGAN margin m.", settings.AT_LEAST_ZERO)
    >>> Settings(margin=-1.0)
    ConfigError: Invalid value for argument `margin`. Expected a number >= 0. Received: margin=-1.0
"""

import dataclasses


class ConfigError(ValueError):
    """A setting given by the user is invalid; the message says what was wrong, what is allowed and what was
    received. train.py reports it as a usage error, without a traceback."""


def invalid(name, expected, value):
    """The `ConfigError` of setting `name`: `expected` says what is allowed, `value` was received."""
    return ConfigError(f"Invalid value for argument `{name}`. Expected {expected}. Received: {name}={value!r}")


@dataclasses.dataclass(frozen=True)
class Allowed:
    """The values a setting allows: `test(value)` is true for them, `expected` says so in words."""

    test: object
    expected: str
    values: tuple = ()  # the allowed values, where they can be listed (an enum flag)


AT_LEAST_ZERO = Allowed(lambda value: value >= 0, "a number >= 0")
POSITIVE = Allowed(lambda value: value > 0, "a number > 0")
AT_LEAST_ONE = Allowed(lambda value: value >= 1, "an integer >= 1")


def one_of(*values):
    return Allowed(lambda value: value in values, f"one of {values}", values)


def setting(default, help, allowed=None, flag=True):
    """A dataclass field with its flag's `help` text and its `allowed` values (an `Allowed`, or None for any value
    of the field's type); `flag=False` for a setting that train.py declares itself (`tf_colorgan.flags`)."""
    return dataclasses.field(default=default, metadata={"help": help, "allowed": allowed, "flag": flag})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Base of every settings dataclass: `check()` refuses a value its field does not allow (`ConfigError`)."""

    def __post_init__(self):
        self.check()

    def check(self):
        for field in dataclasses.fields(self):
            allowed, value = field.metadata.get("allowed"), getattr(self, field.name)
            if allowed is not None and value is not None and not allowed.test(value):
                raise invalid(field.name, allowed.expected, value)

    @classmethod
    def names(cls):
        return tuple(field.name for field in dataclasses.fields(cls))

    @classmethod
    def of(cls, values, owner):
        """The settings of the mapping `values`; a name that is not one of `cls`'s is refused, naming `owner`
        (e.g. "--gan=lsgan") and the names it has."""
        unknown = sorted(set(values) - set(cls.names()))
        if unknown:
            raise ConfigError(f"Invalid setting(s) {unknown} for {owner}. Expected its settings: "
                              f"{list(cls.names()) or 'none'}. Received: "
                              f"{', '.join(f'{name}={values[name]!r}' for name in unknown)}")
        return cls(**values)
