"""Command-line flags of train.py; the only module that reads `absl.flags.FLAGS`.

`define_flags()` declares one flag per setting: the shared settings of `tf_colorgan.config.Config`, every task's and
every objective's (`tf_colorgan.settings.setting` fields: their type, default and help text), plus the flags whose
values come from the registries or need a form of their own (--task, --gan, --textbook, --precision).
`config_from_flags()` turns the flags the user gave into the frozen `Config` (`make_config`: over the task's preset
and the objective's defaults).
"""

import dataclasses
import sys
import typing

from absl import flags

from tf_colorgan import objectives, tasks
from tf_colorgan.config import PRECISIONS, Config, make_config, textbook_forms

FLAGS = flags.FLAGS
OWN_FORM = ("task", "gan", "textbook", "precision")  # declared by `define_flags` itself


def declarations():
    """{setting name: [the dataclass fields declaring it]} of every setting with a flag: the shared ones, every
    task's and every objective's (a name several declare is one flag)."""
    owners = [Config, *(tasks.get(name).Settings for name in tasks.names()),
              *(objectives.get(name).Settings for name in objectives.names())]
    found = {}
    for owner in owners:
        for field in dataclasses.fields(owner):
            if field.metadata.get("flag", False):
                found.setdefault(field.name, []).append(field)
    return found


def define_setting(name, fields):
    """One absl flag for setting `name`: type, default and help text of its first declaration; an enum of every
    declaration's allowed values where they are listed (`settings.one_of`)."""
    field = fields[0]
    kind = next(arg for arg in typing.get_args(field.type) or (field.type,) if arg is not type(None))
    values = tuple(dict.fromkeys(value for each in fields for value in getattr(each.metadata["allowed"], "values", ())))
    define = {bool: flags.DEFINE_boolean, int: flags.DEFINE_integer, float: flags.DEFINE_float}.get(kind,
                                                                                                 flags.DEFINE_string)
    if values:
        flags.DEFINE_enum(name, field.default if field.default in values else None, values, field.metadata["help"])
    else:
        define(name, field.default, field.metadata["help"])


def define_flags():
    """Declares train.py's flags (see the module docstring). Per-objective defaults (lr, beta1) and the run
    directory are resolved by `make_config`."""
    objective_names = objectives.names()
    flags.DEFINE_enum("task", tasks.DEFAULT, tasks.names(), "; ".join(
        f"{name}: {tasks.get(name).SUMMARY}" for name in tasks.names()) + ".")
    flags.DEFINE_enum("gan", Config.gan, objective_names, "Objective: " + ", ".join(
        f"{name} ({objectives.get(name).summary})" for name in objective_names) + ".")
    forms = {**{name: objectives.get(name).textbook_form for name in objective_names},
             **{form: meaning for name in tasks.names() for form, meaning in tasks.get(name).TEXTBOOK_FORMS.items()}}
    flags.DEFINE_list("textbook", [], "Textbook forms instead of the original's, any of "
                      f"{', '.join(textbook_forms(('all',)))} or 'all': "
                      + "; ".join(f"{form} = {meaning}" for form, meaning in forms.items() if meaning) + ".")
    flags.DEFINE_enum("precision", Config.precision, ("auto", *PRECISIONS), "Keras dtype policy: float32, "
                      "mixed_bfloat16 (CPUs with AVX512-BF16 or AMX, TPUs, recent GPUs), mixed_float16 (GPUs, with "
                      "loss scaling), or auto: the fastest of them on this machine (see tf_colorgan.machine). A "
                      "resumed run may change it.")
    for name, fields in declarations().items():
        define_setting(name, fields)


def config_from_flags():
    """The `Config` of the flags the user gave (raises `ConfigError`, one clear message, on a bad value)."""
    names = (*OWN_FORM, *declarations())
    given = {name: FLAGS[name].value for name in names if FLAGS[name].present}
    if "textbook" in given:
        given["textbook"] = tuple(given["textbook"])
    return make_config(**given)


def parse_flags(argv):
    """absl's flag parsing (`app.run(..., flags_parser=parse_flags)`), with a bad flag reported in one line and
    exit status 2, the status of a usage error."""
    try:
        return FLAGS(argv)
    except flags.Error as error:
        usage_error(str(error))


def usage_error(message):
    """Prints `train.py: error: <message>` and exits with status 2 (nothing else is printed or written)."""
    sys.stderr.write(f"train.py: error: {message}\n")
    sys.exit(2)
