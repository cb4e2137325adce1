"""The training tasks, one plug-in module each: "colorize" (`tf_colorgan.colorize`, the report's study: L' -> ab')
and "generate" (`tf_colorgan.generate`, its image-generation experiments: z -> images).

Every task module defines the same functions, which `tf_colorgan.config` and `tf_colorgan.training` call without
knowing the task:

    preset(given) -> given          the settings given to `make_config`, over the task's defaults
    check(config)                   raises `ConfigError` for settings the task does not allow
    COLOUR_ONLY                     whether the split keeps colour photos only
    build_networks(config)          (generator, discriminator) under the caller's dtype policy
    make_task(config)               the `gans` task of the objective (`gans.Colorization`, `gans.Generation`)
    objective_options(config)       the task's options of the objective's model class (`gans.VARIANTS`)
    training_stream(config, split, batches_per_step, step, on_skip, batch_size)   the batches of every step
                                    from `step` on, `batch_size` images each, from `split` (this worker's share,
                                    `data.share`); a folder's unusable files are given to `on_skip` (`data.decoded`)
    sample_renderer(config, split)  function generator -> uint8 grid of fixed inputs
    metric_callbacks(config, log_dir)   the periodic quality metrics the config asks for
    export(config, generator, path) writes the serving SavedModel

A task module is imported when first asked for: it imports `config` (for `ConfigError`) and `Config` asks it
for its checks, so importing it with `config` would be a cycle.
"""

import importlib

MODULES = {"colorize": "tf_colorgan.colorize", "generate": "tf_colorgan.generate"}


def of(name):
    """The plug-in module of task `name` (one of `MODULES`)."""
    return importlib.import_module(MODULES[name])
