"""train.py as a user runs it (a real subprocess on the built-in photos): run directory, resume, bad input."""

import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import plugin_event_accumulator

from tf_colorgan.config import Config, ConfigError, make_config
from tf_colorgan.networks import train_mode
from tf_colorgan.training import callbacks, rundir, trainer

ROOT = pathlib.Path(__file__).resolve().parents[1]
FAST = ["--steps=2", "--batch_size=2", "--image_every=1", "--width=8"]  # 1/64 of the work


def train(*flags, check=True):
    """Runs `python train.py FLAGS` from an unrelated working directory; returns the CompletedProcess."""
    result = subprocess.run([sys.executable, str(ROOT / "train.py"), *flags], capture_output=True, text=True,
                            cwd=pathlib.Path(flags[0].split("=", 1)[1]).parent if flags else None,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def scalar_steps(log_dir, tag):
    """The steps at which `tag` was written in the TensorBoard event files under `log_dir`."""
    steps = []
    for path in sorted(pathlib.Path(log_dir).glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            steps += [event.step for value in event.summary.value if value.tag == tag]
    return steps


def tensorboard_curve(log_dir, tag):
    """(steps, values) of the scalar `tag` under `log_dir` as TensorBoard shows it: read by TensorBoard's own
    accumulator, which drops the points orphaned by a restart."""
    accumulator = plugin_event_accumulator.EventAccumulator(str(log_dir), size_guidance={"tensors": 0})
    accumulator.Reload()
    events = accumulator.Tensors(tag)
    return [event.step for event in events], [float(tf.make_ndarray(event.tensor_proto)) for event in events]


@pytest.fixture(scope="module")
def lsgan_run(module_tmp_path):
    """A 2-step LSGAN run on the sample photos, scored every step on two held-out photos (scikit-learn's)."""
    from sklearn.datasets import load_sample_image

    heldout = module_tmp_path / "heldout"
    heldout.mkdir()
    for name in ("china.jpg", "flower.jpg"):
        tf.io.write_file(str(heldout / name), tf.io.encode_jpeg(load_sample_image(name)))
    run_dir = module_tmp_path / "lsgan"
    train(f"--run_dir={run_dir}", "--gan=lsgan", "--l1=100", f"--heldout={heldout}", "--heldout_every=1", *FAST)
    return run_dir


@pytest.mark.slow
def test_run_directory_holds_everything_a_user_looks_at(lsgan_run):
    config = json.loads((lsgan_run / "config.json").read_text())
    assert config["gan"] == "lsgan" and config["l1"] == 100.0 and config["lr"] == 1e-4 and config["size"] == 256
    assert len(json.loads((lsgan_run / "split.json").read_text())["train"]) == 5
    assert (lsgan_run / "checkpoints" / "ckpt-2.index").exists()
    assert sorted(p.name for p in (lsgan_run / "samples").glob("*.png")) == ["step_00000001.png", "step_00000002.png"]
    grid = tf.io.decode_png(tf.io.read_file(str(lsgan_run / "samples" / "step_00000002.png")))
    assert grid.shape == (4 * 256, 3 * 256, 3)  # 4 photos x (input L, prediction, truth)
    assert (lsgan_run / "export" / "saved_model.pb").exists()
    for tag in ("d_loss", "g_loss", "g_adversarial", "g_l1", "g_l2", "learning_rate/generator"):
        assert scalar_steps(lsgan_run / "logs" / "steps", tag) == [1, 2]
    assert scalar_steps(lsgan_run / "logs" / "steps", "samples") == [1, 2]
    steps, seconds = tensorboard_curve(lsgan_run / "logs" / "steps", "seconds_per_step")
    assert steps == [1, 2] and all(value > 0 for value in seconds)
    # held-out scores at the start and after each step, in the metrics' own ranges
    for name in ("ab_l1", "psnr", "ssim", "auc", "pixel_accuracy", "colourfulness", "dcf"):
        steps, values = tensorboard_curve(lsgan_run / "logs" / "steps", f"heldout/{name}")
        assert steps == [0, 1, 2] and all(np.isfinite(values)), name
    assert all(0 <= v <= 100 for v in tensorboard_curve(lsgan_run / "logs" / "steps", "heldout/auc")[1])


@pytest.mark.slow
def test_the_checkpoint_holds_the_step_the_optimizer_state_and_the_dropout_seeds(lsgan_run):
    # A rerun resuming from it: test_distribute's two-worker test (colorization, one worker and two) and the
    # kill test below.
    config = Config.from_json((lsgan_run / "config.json").read_text())
    saved = trainer.build_model(config)
    assert train_mode.dropout_seeds(saved.generator)[0].numpy()[1] == 0
    trainer.restore_latest(saved, lsgan_run)
    assert int(saved.step) == 2 and int(saved.d_optimizer.iterations) == 2
    # The dropout seed went on from the checkpoint: one draw per generator call, one call in each of the 2 steps'
    # discriminator and generator updates; the two sample grids and the three held-out scores drew none.
    assert train_mode.dropout_seeds(saved.generator)[0].numpy()[1] == 4
    adam_moments = sum(float(tf.reduce_sum(tf.abs(v))) for v in saved.g_optimizer.variables[2:])
    assert adam_moments > 0


@pytest.mark.slow
def test_eval_scores_the_test_split_with_the_runs_generator(lsgan_run):
    """`eval.py --run_dir`, the original's evaluation: the test photos through the generator as it trained (the
    report's protocol, from the checkpoint), PNGs and PSNR/SSIM written under eval/."""
    result = subprocess.run([sys.executable, str(ROOT / "eval.py"), f"--run_dir={lsgan_run}"], capture_output=True,
                            text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((lsgan_run / "eval" / "metrics.json").read_text())
    test_photos = json.loads((lsgan_run / "split.json").read_text())["test"]
    assert (metrics["step"], metrics["images"], metrics["split"], metrics["size"]) == (2, len(test_photos), "test", 256)
    assert 0 < metrics["psnr"] < 100 and -1 <= metrics["ssim"] <= 1
    for index in range(len(test_photos)):
        for kind in ("col", "true"):
            image = tf.io.decode_png(tf.io.read_file(str(lsgan_run / "eval" / f"2_{index}_{kind}.png")))
            assert image.shape == (256, 256, 3)


@pytest.mark.slow
def test_rerun_with_other_settings_is_refused_and_changes_nothing(lsgan_run):
    before = (lsgan_run / "config.json").read_text()
    result = train(f"--run_dir={lsgan_run}", "--gan=gan", *FAST, check=False)
    assert result.returncode == 2
    assert "holds a run with other settings: gan='gan' (run: 'lsgan')" in result.stderr
    assert "Traceback" not in result.stderr
    assert (lsgan_run / "config.json").read_text() == before


def test_a_config_json_with_unknown_settings_is_one_clear_error(tmp_path):
    values = json.loads(Config().to_json())
    values["checkpoint_every"] = 500  # --save_every's name before
    (tmp_path / "config.json").write_text(json.dumps(values))
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) \['checkpoint_every'\].*checkpoint_every=500"):
        rundir.check_settings(Config(run_dir=str(tmp_path)), tmp_path)


BAD_FLAGS = {
    "--size=300": "Invalid value for argument `size`. Expected a positive multiple of 256",
    "--textbook=l3": "Invalid value for argument `textbook`",
    "--dataset=/no/such/folder": "Received: dataset='/no/such/folder'",
    "--gan=began": "flag --gan=began: value should be one of <ebgan|gan|lsgan|wgan|wgan_gp>",
    "--l1=-1": "Invalid value for argument `l1`. Expected a number >= 0. Received: l1=-1.0",
    "--strategy=tpu": "Invalid `strategy`: tpu needs a TPU (this TPU VM's, or one named by TPU_NAME). Received: ",
}


@pytest.mark.slow
def test_bad_input_gets_one_clear_message_and_writes_nothing(tmp_path, train_concurrently):
    run_dirs = [tmp_path / f"run_{index}" for index in range(len(BAD_FLAGS))]
    results = train_concurrently([[f"--run_dir={path}", flag] for path, flag in zip(run_dirs, BAD_FLAGS)])
    for (status, stderr), message, run_dir in zip(results, BAD_FLAGS.values(), run_dirs):
        assert status == 2 and message in stderr and "Traceback" not in stderr, stderr[-2000:]
        assert stderr.strip().splitlines()[-1].startswith("train.py: error: ")  # one line, last
        assert not run_dir.exists()


@pytest.mark.slow
def test_deterministic_runs_of_the_same_command_give_bit_identical_weights(tmp_path, train_concurrently):
    """Two runs of `train.py --deterministic` (jitter, dropout, BatchNorm, both optimizers, 2 steps) end with the
    same bits in every checkpointed variable: weights, moving statistics, optimizer slots, the step. They train
    EBGAN (its auto-encoder critic on ab' alone) from the command line; lsgan runs in the fixture above, wgan in
    test_distribute, and every objective trains in process (test_gans)."""
    names = ("first", "second")
    for status, stderr in train_concurrently([[f"--run_dir={tmp_path / name}", "--gan=ebgan", "--l1=0", "--l2=1",
                                               "--deterministic", "--jitter", "--steps=2", "--batch_size=2",
                                               "--image_every=100", "--width=8"] for name in names]):
        assert status == 0, stderr[-3000:]
    assert json.loads((tmp_path / "first" / "config.json").read_text())["gan"] == "ebgan"
    assert scalar_steps(tmp_path / "first" / "logs" / "steps", "d_loss") == [1, 2]
    checkpoints = [tf.train.load_checkpoint(str(tmp_path / name / "checkpoints" / "ckpt-2")) for name in names]
    names = [name for name, _ in tf.train.list_variables(str(tmp_path / "first" / "checkpoints" / "ckpt-2"))]
    assert len(names) > 100 and json.loads((tmp_path / "first" / "config.json").read_text())["deterministic"]
    for name in names:
        first, second = (checkpoint.get_tensor(name) for checkpoint in checkpoints)
        assert np.asarray(first).tobytes() == np.asarray(second).tobytes(), name


class CountingModel(keras.Model):
    """A real Keras model whose training step t (1, 2, ...) reports d_loss = t through a Mean tracker."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential()  # no layers, no dropout seeds (the test's sample grids are blank)
        self.global_step = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False)
        self.tracker = keras.metrics.Mean(name="d_loss")
        self.g_optimizer = self.d_optimizer = keras.optimizers.SGD(0.5)

    @property
    def metrics(self):
        return [self.tracker]

    @property
    def step(self):
        return int(self.global_step)

    def train_step(self, data):
        self.global_step.assign_add(1)
        self.tracker.update_state(tf.cast(self.global_step, tf.float32))
        return {"d_loss": self.tracker.result()}


def test_step_scalars_are_interval_means_across_keras_epoch_resets(tmp_path):
    """One step per Keras epoch (the sample set at batch 4): Keras resets its trackers every step."""
    model = CountingModel()
    model.compile(optimizer=None)
    blank = lambda generator: tf.zeros([2, 2, 1], tf.uint8)  # noqa: E731 (no images in this test)
    logger = callbacks.StepLogger(tmp_path / "logs", tmp_path / "samples", blank, log_every=2, image_every=1000)
    model.fit(tf.data.Dataset.from_tensors(0.0).repeat(), steps_per_epoch=1, epochs=6, verbose=0, callbacks=[logger])
    values = {}
    for path in (tmp_path / "logs").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.tag == "d_loss":
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    assert values == {2: 1.5, 4: 3.5, 6: 5.5}  # means of steps (1, 2), (3, 4), (5, 6)
    seconds = tensorboard_curve(tmp_path / "logs", "seconds_per_step")
    assert seconds[0] == [2, 4, 6] and all(value > 0 for value in seconds[1])


def test_tensorboard_shows_each_step_of_a_resumed_run_once(tmp_path):
    # A first process logs steps 1-6 and is killed after its checkpoint at step 3; the resumed process marks
    # step 4 and logs steps 4-6 again, with other values. Without the marks TensorBoard shows 4-6 twice.
    def process(first_step, values):
        callbacks.mark_start(tmp_path, first_step)
        writer = tf.summary.create_file_writer(str(tmp_path))
        with writer.as_default():
            for step, value in enumerate(values, first_step):
                tf.summary.scalar("g_loss", value, step=step)
        writer.close()

    process(1, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    time.sleep(1.1)  # the resumed process starts in a later second
    process(4, [40.0, 50.0, 60.0])
    assert tensorboard_curve(tmp_path, "g_loss") == ([1, 2, 3, 4, 5, 6], [1.0, 2.0, 3.0, 40.0, 50.0, 60.0])


def test_a_non_finite_loss_stops_training_with_a_clear_error():
    model = CountingModel()
    model.compile(optimizer=None)
    model.train_step = lambda data: {"d_loss": tf.constant(float("nan")), "g_loss": tf.constant(1.0)}
    with pytest.raises(callbacks.NonFiniteLossError, match="Non-finite loss at step 0"):
        model.fit(tf.data.Dataset.from_tensors(0.0).repeat(), steps_per_epoch=3, epochs=1, verbose=0,
                  callbacks=[callbacks.StopOnNonFiniteLoss()])


@pytest.mark.slow
@pytest.mark.fashion_mnist
def test_a_run_killed_at_random_moments_resumes_and_reaches_its_last_step(tmp_path):
    # SIGKILL (as a power cut) at random moments while a real run trains and checkpoints every step; the same
    # command then resumes each time from a readable checkpoint, and the run ends at its step with exactly one
    # discriminator update per step (the MLP GAN's), so no step was lost or counted twice.
    run_dir = tmp_path / "run"
    command = [sys.executable, str(ROOT / "train.py"), f"--run_dir={run_dir}", "--task=generate",
               "--experiment=mlp_gan_mnist", "--dataset=fashion_mnist", "--steps=100", "--save_every=1",
               "--image_every=1000", "--batch_size=16"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    rng = np.random.default_rng(0)
    resumed_at = []
    for _ in range(3):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        state = run_dir / "checkpoints" / "checkpoint"
        before = state.stat().st_mtime_ns if state.exists() else 0
        while (not state.exists() or state.stat().st_mtime_ns == before) and process.poll() is None:
            time.sleep(0.05)  # until this process has saved a checkpoint: it is training
        time.sleep(rng.uniform(0.0, 1.5))
        process.kill()
        assert process.wait() != 0, "the run ended before it was killed"
        latest = tf.train.latest_checkpoint(str(run_dir / "checkpoints"))
        step = int(tf.train.load_checkpoint(latest).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"))
        assert latest.endswith(f"ckpt-{step}") and step > (resumed_at[-1] if resumed_at else 0)
        resumed_at.append(step)
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"at step {resumed_at[-1]}" in result.stderr  # "Resumed .../ckpt-N at step N"
    reader = tf.train.load_checkpoint(str(run_dir / "checkpoints"))
    assert reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == 100
    assert reader.get_tensor("d_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE") == 100
    assert (run_dir / "export" / "saved_model.pb").exists() and resumed_at[-1] < 100
    # TensorBoard shows every step once: no gap (each step's points are flushed before its checkpoint), and the
    # points a killed process logged after its checkpoint give way to the resumed run's.
    assert tensorboard_curve(run_dir / "logs" / "steps", "d_loss")[0] == list(range(1, 101))


@pytest.mark.slow
@pytest.mark.fashion_mnist
def test_a_second_trainer_on_a_run_directory_in_use_is_refused_and_a_killed_ones_lock_is_gone(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, str(ROOT / "train.py"), f"--run_dir={run_dir}", "--task=generate",
               "--experiment=mlp_gan_mnist", "--dataset=fashion_mnist", "--image_every=1000", "--batch_size=16"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    first = subprocess.Popen([*command, "--steps=1000000"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        while not (run_dir / "config.json").exists() and first.poll() is None:
            time.sleep(0.05)  # config.json is written once the run directory is held
        second = subprocess.run([*command, "--steps=1000000"], env=env, capture_output=True, text=True,
                                timeout=300)  # unrefused, it would train on: the timeout fails the test
        assert first.poll() is None, "the first trainer ended early"
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert f"is in use by another trainer (pid {first.pid} on host {socket.gethostname()})" in second.stderr
    resumed = subprocess.run([*command, "--steps=1"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]  # the killed trainer's lock went with it


def test_a_config_json_from_before_objectives_had_settings_of_their_own_resumes(tmp_path):
    """Before, config.json held every task's and every objective's settings: a run written then resumes."""
    config = make_config(gan="lsgan", run_dir=str(tmp_path))
    legacy = {**json.loads(config.to_json()), "margin": 80.0, "clip": 0.005, "n_critic": 5, "gp_weight": 10.0,
              "gan_epsilon": 1e-12, "z_dim": 100, "experiment": "", "central_crop": 1.0}
    (tmp_path / "config.json").write_text(json.dumps(legacy))
    rundir.check_settings(config, tmp_path)  # refuses nothing
    assert rundir.read_config(tmp_path).size == 256
    changed = make_config(gan="lsgan", l1=10.0, run_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"other settings: l1=10.0 \(run: 100.0\)\. Expected"):
        rundir.check_settings(changed, tmp_path)
