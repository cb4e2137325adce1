"""Training a run: `trainer.run(config)` builds, fits, checkpoints and exports; `rundir` owns the run directory,
`callbacks` the logging, checkpoints and periodic metrics, `flags` train.py's command line.
"""
