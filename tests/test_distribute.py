"""tf.distribute: two replicas compute what one device computes on the global batch (in process, on the two
logical CPUs of conftest.py), and a real two-worker MultiWorkerMirroredStrategy run of train.py on loopback."""

import functools
import json
import os
import shutil
import socket

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import config, distribute, tasks
from tf_colorgan.data import sources
from tf_colorgan.networks import train_mode
from tf_colorgan.objectives import ebgan, wgan_gp
from tf_colorgan.study import figure5
from tf_colorgan.training import trainer


@functools.cache
def two_replicas():
    """One MirroredStrategy on the two logical CPUs for the whole module: a second one would number its
    collectives from the same keys, and TensorFlow would match them with the first one's."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def halves(strategy, batch):
    """`batch` [4, ...] split between the two replicas of `strategy`: rows 0-1 and 2-3."""
    return strategy.experimental_distribute_values_from_function(
        lambda context: batch[2 * context.replica_id_in_sync_group:][:2])


class StepLosses(keras.callbacks.Callback):
    """Each step's losses (Keras' running means turned back into per-step values)."""

    def on_train_begin(self, logs=None):
        self.steps = []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append({name: float(value) * (batch + 1) - sum(s[name] for s in self.steps)
                           for name, value in logs.items()})


def train_in_process(run_config, strategy, steps):
    keras.utils.set_random_seed(run_config.seed)
    with strategy.scope():
        model = trainer.build_model(run_config)
    split = sources.make_split(run_config.dataset, run_config.seed)
    losses = StepLosses()
    task = tasks.plugin(run_config.task)
    stream = lambda index, count: task.training_stream(  # noqa: E731
        run_config, sources.share(split, index, count), model.batches_per_step, 0, None, run_config.batch_size // count)
    model.fit(distribute.distribute_steps(strategy, stream), steps_per_epoch=steps, verbose=0, callbacks=[losses])
    return model, losses.steps


@pytest.mark.slow
@pytest.mark.fashion_mnist
def test_wgan_on_two_replicas_matches_one_device_step_for_step():
    # DCGAN networks (BatchNorm, synchronised over the replicas) with WGAN's critic loop (3 critic updates in the
    # warm-up step, then 2), clipping and RMSProp, whose update is not invariant to the gradients' scale: a loss
    # summed instead of averaged over the replicas would double it.
    run_config = config.make_config(task="generate", experiment="dcgan_mnist", gan="wgan", dataset="fashion_mnist",
                                    batch_size=4, n_critic_warmup=3, n_critic=2, warmup_steps=1, run_dir="unused")
    one, one_losses = train_in_process(run_config, tf.distribute.get_strategy(), steps=2)
    two, two_losses = train_in_process(run_config, two_replicas(), steps=2)
    assert one.step == two.step == 2 and int(distribute.value_of(two.d_optimizer.iterations)) == 3 + 2
    for expected, found in zip(one_losses, two_losses):
        for name in expected:
            np.testing.assert_allclose(found[name], expected[name], rtol=1e-4, atol=1e-6)
    # Weights: sums in another order agree to 1e-6, except where a gradient element is itself a near-cancelling
    # sum: its rounding is all that is left of it, and RMSProp's normalisation can scale that up to a whole step
    # (lr x sqrt(10)). Seen: 4 of the 204,800 d_conv2 weights 1.66e-6 apart on the AVX2-only kind, oneDNN off.
    # (A loss summed instead of averaged is caught by the losses above, and doubles every update: TF1's RMSProp
    # starts its mean square at 1, so its updates scale with the gradient.)
    gaps = {found.path: np.abs(np.array(found.numpy(), np.float64) - np.array(expected.numpy())).ravel()
            for expected, found in zip(one.weights, two.weights)}
    pooled = np.concatenate(list(gaps.values()))
    assert (pooled > 1e-6).mean() <= 1e-4, {path: int((gap > 1e-6).sum()) for path, gap in gaps.items()}
    assert pooled.max() <= run_config.lr * np.sqrt(10), {path: gap.max() for path, gap in gaps.items()}
    assert max(np.abs(w.numpy()).max() for w in two.discriminator.trainable_weights) <= run_config.clip


def test_a_global_batch_that_does_not_split_among_the_replicas_is_refused():
    distribute.check_batch_size(4, two_replicas())
    with pytest.raises(config.ConfigError, match=r"Expected a multiple of the 2 replicas .* batch_size=3"):
        distribute.check_batch_size(3, two_replicas())


def test_multi_worker_without_a_cluster_says_why():  # --strategy=tpu: test_training's bad flags
    assert "TF_CONFIG" not in os.environ
    with pytest.raises(config.ConfigError, match="multi_worker needs the TF_CONFIG environment variable"):
        distribute.make_strategy("multi_worker")


def test_global_draw_gives_each_replica_its_rows_of_one_draw_for_the_global_batch():
    strategy = two_replicas()
    rows = tf.reshape(tf.range(8.0), [4, 2])
    draw = lambda shape: tf.reshape(tf.range(8.0), [4, 2])[:shape[0]]  # noqa: E731 (rows of a fixed "draw")
    parts = strategy.run(lambda: distribute.global_draw(draw, [2, 2]))
    np.testing.assert_array_equal(np.concatenate([p.numpy() for p in strategy.experimental_local_results(parts)]),
                                  rows.numpy())
    np.testing.assert_array_equal(distribute.global_draw(draw, [4, 2]), rows)  # one replica: the draw itself


def test_dropout_on_two_replicas_drops_what_one_device_drops_on_the_global_batch():
    x = tf.reshape(tf.range(1.0, 4 * 3 * 3 * 2 + 1), [4, 3, 3, 2])
    keras.utils.set_random_seed(1)
    expected = train_mode.TrainModeDropout(0.5)(x, training=True).numpy()
    strategy = two_replicas()
    keras.utils.set_random_seed(1)
    with strategy.scope():
        layer = train_mode.TrainModeDropout(0.5)
    found = strategy.run(tf.function(lambda half: layer(half, training=True)), args=(halves(strategy, x),))
    found = np.concatenate([part.numpy() for part in strategy.experimental_local_results(found)])
    np.testing.assert_array_equal(found, expected)
    assert set(np.unique(expected / x.numpy())) == {0.0, 2.0}  # dropped, or kept and scaled by 1 / (1 - 0.5)


def test_the_gradient_penalty_on_two_replicas_is_one_devices_on_the_global_batch():
    # C(x) = sum(x^2) / 2 has gradient x_hat, so the penalty depends on every interpolation weight e.
    real, fake = tf.random.normal([4, 3, 3, 2], seed=1), tf.random.normal([4, 3, 3, 2], seed=2)
    critic = lambda x: tf.reduce_sum(tf.square(x), axis=[1, 2, 3]) / 2.0  # noqa: E731
    expected = wgan_gp.gradient_penalty(critic, real, fake, [5, 6])
    strategy = two_replicas()
    found = strategy.run(tf.function(lambda r, f: wgan_gp.gradient_penalty(critic, r, f, [5, 6])),
                         args=(halves(strategy, real), halves(strategy, fake)))
    assert strategy.reduce(tf.distribute.ReduceOp.MEAN, found, axis=None).numpy() == pytest.approx(float(expected),
                                                                                                 rel=1e-6)


def test_ebgans_original_energy_on_two_replicas_is_one_devices_on_the_global_batch():
    # ||reconstruction - target||_F / B: one scalar for the global batch, on every replica.
    reconstruction, target = tf.random.normal([4, 3, 3, 2], seed=3), tf.random.normal([4, 3, 3, 2], seed=4)
    expected = float(ebgan.energy(reconstruction, target))
    strategy = two_replicas()
    found = strategy.run(tf.function(ebgan.energy), args=(halves(strategy, reconstruction),
                                                                  halves(strategy, target)))
    assert [float(part) for part in strategy.experimental_local_results(found)] == pytest.approx([expected] * 2,
                                                                                                  rel=1e-6)


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def worker_envs(count):
    """The TF_CONFIG environments of a cluster of `count` workers on free loopback ports."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(count)]}
    return [{"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
            for index in range(count)]


def checkpoint_values(checkpoint_dir):
    reader = tf.train.load_checkpoint(str(checkpoint_dir))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name != "_CHECKPOINTABLE_OBJECT_GRAPH"}


@pytest.mark.slow
def test_two_workers_on_loopback_train_and_resume_colorization_like_one_worker(tmp_path, train_concurrently):
    # WGAN (RMSProp, clipping, a critic loop), L1 and the original's L2 half-sum over the global batch, BatchNorm
    # and dropout: two MultiWorkerMirroredStrategy workers with one CPU replica each, global batch 2, against one
    # worker. The two workers train one step and then resume to step 2; before the resume worker 1 loses its
    # files, so it must restore the chief's checkpoint. The one worker trains its 2 steps without a stop, so a
    # resume that lost any state shows as a gap. Each worker reads its own share of the files (2 of the 4
    # training photos), so its batches differ from one worker's; the folder holds 5 copies of one photo, so that
    # every batch shows the same image (in any order: no jitter) and the comparison isolates the step's arithmetic.
    photos = tmp_path / "photos"
    photos.mkdir()
    for index in range(5):
        shutil.copy(sources.SAMPLE_DIR / "chelsea.jpg", photos / f"copy_{index}.jpg")
    flags = ["--gan=wgan", "--l2=1", "--n_critic_warmup=2", "--n_critic=2", "--batch_size=2", "--image_every=100",
             "--sample_count=1", "--width=8", f"--dataset={photos}"]
    chief, worker, one = tmp_path / "two", tmp_path / "two" / "workers" / "worker_1", tmp_path / "one"
    two_workers = [[f"--run_dir={chief}", "--strategy=multi_worker"]] * 2
    for steps in (1, 2):
        commands = [command + flags + [f"--steps={steps}"] for command in two_workers]
        if steps == 1:
            commands.append([f"--run_dir={one}", *flags, "--steps=2"])
        runs = train_concurrently(commands, [*worker_envs(2), {}][:len(commands)])
        for (status, stderr), share in zip(runs, (2, 2, 4)):
            assert status == 0 and (steps == 1 or "at step 1" in stderr), stderr[-3000:]  # "Resumed ... at step 1"
            assert f"Caching the {share} training images" in stderr  # the worker decoded its share only
        if steps == 1:
            shutil.rmtree(worker)

    chief_values = checkpoint_values(chief / "checkpoints")
    worker_values = checkpoint_values(worker / "checkpoints")
    one_values = checkpoint_values(one / "checkpoints")
    assert chief_values.keys() == worker_values.keys() == one_values.keys() and len(chief_values) > 100
    for name, value in chief_values.items():
        np.testing.assert_array_equal(worker_values[name], value, err_msg=name)  # both workers: identical
    # Against one worker, where float sums run in another order (networks at --width=8: the same layers, 1/8 as
    # wide). The critic's weights agree to 1e-6. The generator's move up to STEP = lr x sqrt(10) ~ 1.6e-4 per
    # RMSProp step here (lr 5e-5, rho 0.9). Its deepest layers get gradients that are float noise at global batch
    # 2, because BatchNorm over two values at 1 x 1 gives +-1 whatever its input: their weights may move apart by
    # up to the two steps, each in its own direction (2 x 2 STEP; a bottleneck BatchNorm offset was seen 0.3e-3
    # apart at full width on the AVX2-only kind, its mean gap 2.4e-5). So the generator is checked pooled over all
    # its weights: a mean gap under 5% of one step (7.9e-6; measured 6.8e-7 at full width there), where training
    # on other batches or with another loss moves most weights apart by a whole step; the per-step losses (below)
    # carry the rest. The optimizer slots are not compared.
    def gaps(prefix):
        return [np.abs(np.float64(chief_values[name]) - one_values[name]) for name in one_values
                if name.startswith(prefix)]

    step = 5e-5 * np.sqrt(10)
    assert max(gap.max() for gap in gaps("d_optimizer/_trainable_variables")) <= 1e-6
    assert np.concatenate([gap.ravel() for gap in gaps("g_optimizer/_trainable_variables")]).mean() <= 0.05 * step
    assert max(gap.max() for gap in gaps("g_optimizer/_trainable_variables")) <= 2 * 2 * step
    # BatchNorm's moving statistics take 1% of each batch's statistics per update (momentum 0.99); behind the noise
    # layers the batch statistics follow weights that are apart (a bottleneck moving variance of ~1 was seen
    # 1.4e-3 apart on the AVX2-only kind). So they are checked against how far they moved from their start (mean
    # 0, variance 1): pooled, the gap is under 1% of the movement (measured 0.04%), where a missed or doubled
    # update is a large fraction of it.
    statistics = [name for name in one_values if name.startswith(("generator/", "discriminator/"))]
    gap = sum(np.abs(np.float64(chief_values[name]) - one_values[name]).sum() for name in statistics)
    moved = sum(np.abs(one_values[name] - float("moving_variance" in name)).sum() for name in statistics)
    assert gap <= 0.01 * moved, (gap, moved)
    assert chief_values["step/.ATTRIBUTES/VARIABLE_VALUE"] == 2
    tags = ("d_loss", "g_adversarial", "g_l1", "g_l2")
    two_scalars, one_scalars = figure5.read_scalars(chief, tags), figure5.read_scalars(one, tags)
    for tag in tags:
        (two_steps, two_losses), (one_steps, one_losses) = two_scalars[tag], one_scalars[tag]
        assert list(two_steps) == list(one_steps) == [1, 2]
        np.testing.assert_allclose(two_losses, one_losses, rtol=1e-4, atol=1e-6, err_msg=tag)
    assert (chief / "export" / "saved_model.pb").exists() and not (worker / "export").exists()
