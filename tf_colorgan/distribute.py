"""Training on several devices and machines with tf.distribute (`--strategy`).

* default: TensorFlow's default strategy (one device: the GPU if there is one, else the CPU).
* mirrored: `MirroredStrategy`, one replica per GPU of this machine (the CPU when there is none).
* multi_worker: `MultiWorkerMirroredStrategy` across the machines listed in the `TF_CONFIG` environment variable
  (one replica per GPU of each worker); every worker runs the same command.
* tpu: `TPUStrategy` on the TPU named by `TPU_NAME`, else this TPU VM's.

`--batch_size` is the global batch B, split evenly into B / R per replica for R replicas. Each replica's losses
are means over its B / R examples, scaled by 1 / R before the gradients, which the optimizers sum over the
replicas, so the update is that of the mean over the global batch (as on one device). BatchNorm normalises with
the statistics of the global batch (`TrainModeBatchNorm` is synchronised under R > 1), and each replica's z,
dropout mask and WGAN-GP interpolation weights are its slice of a draw for the global batch (`global_draw`), so a
step on R replicas computes what one device computes on the whole batch, up to the order of floating-point sums.
Terms over the whole batch are summed over the replicas first (`global_sum`: the original's L2 half-sum and
EBGAN's Frobenius energy). The exceptions: EBGAN's pull-away term and LSGAN's batch-mean form (LSUN) are
computed per replica and averaged.

Every worker reads the whole input stream and keeps its replicas' slices of each global batch, so all replicas
see exactly the batches a one-device run sees. Every worker writes its checkpoints, logs and samples: the chief
(the "chief" task, else worker 0) into the run directory, the others into `run_dir/workers/<task>_<id>/`. Only
the chief exports. Every worker resumes from the chief's latest checkpoint, so the run directory must be on
storage that all workers read.
"""

import os

import tensorflow as tf

from tf_colorgan.settings import ConfigError


def make_strategy(name):
    """The `tf.distribute.Strategy` of `--strategy` (see the module docstring). Create it before other TF work."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ConfigError("Invalid `strategy`: multi_worker needs the TF_CONFIG environment variable "
                              '({"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
                              '"index": 0}}; see docs/training.md, "Several GPUs and machines"). '
                              "Received: TF_CONFIG unset.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:  # "local": the TPU of this TPU VM
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", "local"))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise ConfigError(f"Invalid `strategy`: tpu needs a TPU (this TPU VM's, or one named by TPU_NAME). Received: "
                          f"{str(error).splitlines()[0]}") from None
    return tf.distribute.TPUStrategy(resolver)


def check_batch_size(batch_size, strategy):
    """Refuses a global batch that does not split evenly among the replicas (`ConfigError`)."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ConfigError(f"Invalid value for argument `batch_size`. Expected a multiple of the {replicas} replicas "
                          f"of --strategy (the global batch is split evenly among them). Received: "
                          f"batch_size={batch_size}")


def worker(strategy):
    """(task type, task index) of this process in a multi-worker cluster, or None outside one."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type or isinstance(strategy, tf.distribute.TPUStrategy):
        return None
    return resolver.task_type, resolver.task_id


def is_chief(strategy):
    """Whether this process is the chief: the only one, the "chief" task, or worker 0 of a cluster without one."""
    task = worker(strategy)
    if task is None or task[0] == "chief":
        return True
    return task == ("worker", 0) and "chief" not in strategy.cluster_resolver.cluster_spec().jobs


def check_same_step(strategy, step):
    """Refuses (`ConfigError`, on every worker) a multi-worker start where the workers restored different steps:
    each restores the chief's latest checkpoint, so they differ only when the run directory is not on storage
    that every worker reads."""
    if worker(strategy) is None:
        return
    steps = strategy.gather(strategy.experimental_distribute_values_from_function(
        lambda context: tf.constant([step], tf.int64)), axis=0).numpy().tolist()
    if len(set(steps)) > 1:
        raise ConfigError(f"Invalid `run_dir`: the replicas restored different steps {steps} (in worker order). "
                          "Expected one run directory on storage every worker reads (all restore the chief's "
                          "checkpoint), e.g. a network file system mounted at the same path on every machine.")


def value_of(variable):
    """The NumPy value of a (Keras) variable, also of a tf.distribute one, which `float()` and `int()` refuse."""
    return tf.convert_to_tensor(variable).numpy()


def _multi_replica_context():
    """The replica context of a step on several replicas, or None (one replica, or cross-replica code)."""
    context = tf.distribute.get_replica_context()
    return context if context is not None and context.num_replicas_in_sync > 1 else None


def global_draw(draw, shape):
    """`draw(shape)` for a local batch of `shape` [b, ...] (a list: b and the other sizes, ints or scalar tensors).
    In a step on R replicas the draw covers the global batch [b R, ...] and replica r keeps its rows r b .. (r + 1) b,
    so R replicas draw what one device draws for the whole batch (random z, dropout masks)."""
    context = _multi_replica_context()
    if context is None:
        return draw(shape)
    rows = shape[0]
    drawn = draw([rows * context.num_replicas_in_sync, *shape[1:]])
    return drawn[context.replica_id_in_sync_group * rows:][:rows]


def global_sum(value):
    """The sum of `value` over the replicas (differentiable), for losses that sum over the whole batch; `value`
    itself outside a multi-replica step."""
    context = _multi_replica_context()
    return value if context is None else context.all_reduce(tf.distribute.ReduceOp.SUM, value)


def replicas():
    """R in a step on R replicas, else 1. Each replica holds B / R examples of the global batch B (`check_batch_size`),
    so a global count is the local count times R, with no all-reduce."""
    context = _multi_replica_context()
    return 1 if context is None else context.num_replicas_in_sync


def per_replica_loss(loss):
    """`loss` / R: the replicas' gradients are summed, so the update follows the mean over the global batch."""
    count = replicas()
    return loss if count == 1 else loss / count


def distribute_steps(strategy, make_dataset):
    """The training stream for `strategy`.

    `make_dataset(index, count)` is input pipeline `index` of `count` (one per worker, `tf.distribute`'s input
    context): elements [k, B / count, ...], the k batches of one step drawn from that worker's share of the data.
    On one replica the stream is `make_dataset(0, 1)`; else a distributed dataset whose replica r gets
    [k, B / R, ...], its slice of its worker's batches.
    """
    replicas = strategy.num_replicas_in_sync
    if replicas == 1:
        return make_dataset(0, 1)

    def dataset_fn(context):
        local = replicas // context.num_input_pipelines

        def local_slices(*tensors):  # [k, B / W, ...] -> `local` elements [k, B / R, ...]
            parts = [tf.stack(tf.split(t, local, axis=1)) for t in tensors]
            return tf.data.Dataset.from_tensor_slices(parts[0] if len(parts) == 1 else tuple(parts))

        stream = make_dataset(context.input_pipeline_id, context.num_input_pipelines)
        return stream.flat_map(local_slices).prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)
