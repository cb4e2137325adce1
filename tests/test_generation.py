"""The report's image-generation experiments: presets, one training step each on real images, z, export."""

import json
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import color
from tf_colorgan.config import ConfigError, make_config
from tf_colorgan.data import sources
from tf_colorgan.study import figure5
from tf_colorgan.tasks.generate import IMAGE_SHAPES, UNIT_RANGE, image_stream
from tf_colorgan.tasks.generate.presets import EXPERIMENTS
from tf_colorgan.tasks.generate.problem import Generation
from tf_colorgan.training import trainer

ROOT = pathlib.Path(__file__).resolve().parents[1]


def real_batches(config, k, batch_size=4):
    """k stacked batches of real images for `config`'s networks: sklearn digits for the 28 x 28 MNIST networks,
    the built-in photos for the others. Shape [k, B, H, W, C]."""
    split = sources.make_split("digits" if config.size == 28 else "sample", seed=0)
    channels = IMAGE_SHAPES[config.arch][-1]
    images = image_stream.generation_images(split, "train", config.size, channels, config.arch in UNIT_RANGE,
                                    config.central_crop)
    return next(iter(images.repeat().batch(batch_size).batch(k)))


@pytest.mark.parametrize("experiment", sorted(EXPERIMENTS))
def test_each_preset_trains_one_iteration_on_real_images(experiment):
    warm_up = {"n_critic_warmup": 2} if EXPERIMENTS[experiment]["gan"] == "wgan" else {}  # not 100 critic updates
    config = make_config(task="generate", experiment=experiment, batch_size=4, **warm_up)
    model = trainer.build_model(config)
    assert model.generator.output_shape[1:] == IMAGE_SHAPES[config.arch]
    d_steps = int(model.batches_per_step(tf.constant(0, tf.int64)))
    assert d_steps == (2 if config.gan == "wgan" else 1)  # no extra batch: the generator needs no real images
    before = [w.numpy().copy() for w in model.generator.trainable_weights + model.discriminator.trainable_weights]
    model.fit(tf.data.Dataset.from_tensors(real_batches(config, d_steps)), epochs=1, verbose=0)
    assert int(model.step) == 1
    assert int(model.d_optimizer.iterations) == d_steps
    extra = 1 if config.extra_generator_step_below else 0  # the MLP GAN adds one when D's loss is tiny
    assert config.generator_steps <= int(model.g_optimizer.iterations) <= config.generator_steps + extra
    after = model.generator.trainable_weights + model.discriminator.trainable_weights
    assert sum(not np.array_equal(b, w.numpy()) for b, w in zip(before, after)) >= len(after) - 2
    if config.gan == "wgan":
        assert max(float(tf.reduce_max(tf.abs(w))) for w in model.discriminator.trainable_weights) <= 0.005 + 1e-9


def test_presets_follow_the_original_code():
    dcgan = make_config(task="generate", experiment="dcgan_mnist")
    assert (dcgan.lr, dcgan.beta1, dcgan.batch_size, dcgan.generator_steps) == (2e-4, 0.5, 128, 2)
    lsgan = make_config(task="generate", experiment="lsgan_lsun")
    assert (lsgan.size, lsgan.z_dim, lsgan.z_discriminator, lsgan.z_generator) == (112, 1024, "uniform", "normal_m1")
    ebgan = make_config(task="generate", experiment="ebgan_celeba")
    assert (ebgan.margin, ebgan.pullaway, ebgan.central_crop, ebgan.steps) == (20.0, 0.1, 0.6, 40_000)
    wgan = trainer.build_model(make_config(task="generate", experiment="wgan_celeba"))
    steps = tf.constant([0, 24, 25, 500, 501], tf.int64)
    np.testing.assert_array_equal(wgan.discriminator_steps(steps), [100, 100, 5, 100, 5])  # 25 warm-up steps
    mlp = make_config(task="generate", experiment="mlp_gan_mnist")
    assert (mlp.gan_epsilon, mlp.extra_generator_step_below, mlp.shared_z) == (0.0, 1e-4, True)


def test_photos_are_resized_as_tf1_resize_bilinear_did():
    # TF1's resize_bilinear samples output pixel i at input position i * in / out (no half-pixel centres): a row
    # 0, 1, 2, 3 halves to 0, 2 (TF2's default would give 0.5, 2.5), and 0, 1 doubles to 0, 0.5, 1, 1 (the last
    # pixel clamps at the edge). Both axes are resized alike; channels are kept.
    row = np.arange(4, dtype=np.float32)
    image = np.stack([row[np.newaxis, :].repeat(4, 0), row[:, np.newaxis].repeat(4, 1)], axis=-1)  # [4, 4, 2]
    halved = image_stream.tf1_resize_bilinear(tf.constant(image), 2).numpy()
    np.testing.assert_array_equal(halved[..., 0], [[0, 2], [0, 2]])
    np.testing.assert_array_equal(halved[..., 1], [[0, 0], [2, 2]])
    small = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)[..., np.newaxis]
    np.testing.assert_array_equal(image_stream.tf1_resize_bilinear(tf.constant(small), 4).numpy()[0, :, 0],
                                  [0, 0.5, 1, 1])


def test_flags_override_presets_and_objectives_combine_with_any_networks():
    config = make_config(task="generate", experiment="dcgan_mnist", gan="wgan", lr=1e-4)
    assert (config.arch, config.gan, config.lr, config.run_name) == ("dcgan", "wgan", 1e-4, "dcgan_mnist_wgan")
    model = trainer.build_model(config)
    assert type(model).__name__ == "WGAN" and model.discriminator.output_shape == (None, 1)
    assert make_config(task="generate", experiment="dcgan_mnist", arch="wgan", gan="wgan").size == 64
    lsun = trainer.build_model(make_config(task="generate", experiment="lsgan_lsun"))
    assert lsun.discriminator.output_shape == (None, 25088)  # the LSUN code's least squares on its features
    other = trainer.build_model(make_config(task="generate", experiment="lsgan_lsun", gan="gan"))
    assert other.discriminator.output_shape == (None, 1)  # any other objective gets the FC logits


@pytest.mark.parametrize("given, message", [
    ({"task": "generate"}, "Invalid value for argument `experiment`"),
    ({"task": "generate", "experiment": "dcgan"}, "Expected one of \\('mlp_gan_mnist', 'dcgan_mnist'.*Received: "
                                                  "experiment='dcgan'"),
    ({"task": "generate", "experiment": "dcgan_mnist", "gan": "ebgan"}, "ebgan exactly with --arch=ebgan"),
    ({"task": "generate", "experiment": "dcgan_mnist", "size": 64}, "Expected 28, the image size of the dcgan"),
    ({"experiment": "dcgan_mnist"}, "no experiment for --task=colorize"),
    ({"task": "generate", "experiment": "wgan_celeba", "gan": "wgan_gp"}, "have BatchNorm"),
    ({"dataset": "fashion_mnist"}, "colour photos for --task=colorize"),
    ({"task": "generate", "experiment": "wgan_celeba", "fcd_every": 10},
     "Expected 0 unless --task=generate on one of \\('fashion_mnist', 'mnist', 'digits'\\).*Received: fcd_every=10"),
    ({"seed": -1}, "Expected an integer in \\[0, 2\\*\\*31\\)"),
    ({"width": 0}, "Expected an integer >= 1. Received: width=0"),
    ({"task": "generate", "experiment": "dcgan_mnist", "width": 8}, "no width for --task=generate"),
])
def test_inconsistent_settings_get_one_clear_message(given, message):
    with pytest.raises(ConfigError, match=message):
        make_config(**given)


def test_mlp_gan_takes_one_extra_generator_step_when_the_discriminator_loss_is_below_the_threshold():
    config = make_config(task="generate", experiment="mlp_gan_mnist", batch_size=4, extra_generator_step_below=1e9)
    model = trainer.build_model(config)
    model.fit(tf.data.Dataset.from_tensors(real_batches(config, 1)), epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations) == 2 and int(model.d_optimizer.iterations) == 1


def test_z_is_shared_or_fresh_and_follows_its_distribution():
    images = (tf.zeros([512, 28, 28, 1]),)
    shared = Generation(100, "uniform", "normal_m1", shared_z=True)
    z_d, _, _ = shared.inputs(images, "discriminator", tf.constant(7, tf.int64), 0)
    z_g, _, _ = shared.inputs(images, "generator", tf.constant(7, tf.int64), 0)
    np.testing.assert_array_equal(z_d, z_g)  # the MLP GAN's D and G updates see the same z
    fresh = Generation(100, "uniform", "normal_m1", shared_z=False)
    z_d, _, _ = fresh.inputs(images, "discriminator", tf.constant(7, tf.int64), 0)
    z_d1, _, _ = fresh.inputs(images, "discriminator", tf.constant(7, tf.int64), 1)
    z_g, _, _ = fresh.inputs(images, "generator", tf.constant(7, tf.int64), 0)
    assert float(tf.reduce_min(z_d)) >= -1.0 and float(tf.reduce_max(z_d)) <= 1.0  # U(-1, 1)
    assert abs(float(tf.reduce_mean(z_g)) + 1.0) < 0.02  # N(-1, 1), the original's np.random.normal(-1, 1)
    assert abs(float(tf.math.reduce_std(z_g)) - 1.0) < 0.02
    assert not np.array_equal(z_d, z_d1)  # each critic update draws its own z
    z_again, _, _ = fresh.inputs(images, "discriminator", tf.constant(7, tf.int64), 0)
    np.testing.assert_array_equal(z_d, z_again)  # stateless: a resumed run draws the same z


FRESH_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf
    generate = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    np.save(sys.argv[3], generate(z=tf.constant(np.load(sys.argv[2])))["images"].numpy())
    print("tf_colorgan" in sys.modules)
""")


@pytest.mark.slow
def test_command_line_run_exports_a_generator_that_reloads_with_the_same_images(tmp_path, digits_classifiers):
    # The MLP GAN: the command line, the export and Figure 5 are the same for every architecture, and the MLP
    # makes the 1,000-sample classifier distance cheap (the DCGAN generator takes ~9 s per measurement here).
    run_dir = tmp_path / "mlp"
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "classifiers").symlink_to(digits_classifiers[0])  # train.py's cache, relative to its cwd
    result = subprocess.run(
        [sys.executable, str(ROOT / "train.py"), "--task=generate", "--experiment=mlp_gan_mnist", "--dataset=digits",
         "--steps=3", "--batch_size=16", "--image_every=1", "--sample_count=30", "--fcd_every=2",
         f"--run_dir={run_dir}"],
        capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["task"], config["arch"], config["dataset"]) == ("generate", "mlp", "digits")
    grid = tf.io.decode_png(tf.io.read_file(str(run_dir / "samples" / "step_00000003.png")))
    assert grid.shape == (2 * 28, 15 * 28, 1)  # 30 samples, 15 to a row as the report's figures

    z = np.random.default_rng(0).normal(-1.0, 1.0, [6, 100]).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    served = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(run_dir / "export"), str(tmp_path / "z.npy"),
                             str(tmp_path / "images.npy")], capture_output=True, text=True, cwd=tmp_path)
    assert served.returncode == 0, served.stderr[-3000:]
    assert served.stdout.strip() == "False"
    images = np.load(tmp_path / "images.npy")
    assert images.shape == (6, 28, 28, 1) and images.dtype == np.uint8

    model = trainer.build_model(make_config(**{k: (tuple(v) if k == "textbook" else v) for k, v in config.items()}))
    trainer.restore_latest(model, run_dir)
    in_memory = color.to_uint8(model.generator(z, training=False)).numpy()
    assert np.abs(images.astype(int) - in_memory.astype(int)).max() <= 1

    # Figure 5: the losses next to the classifier distance, measured at steps 0, 2 and 3 (the end).
    scalars = figure5.read_scalars(run_dir)
    assert list(scalars["classifier_distance"][0]) == [0, 2, 3]
    assert all(value > 0 for value in scalars["classifier_distance"][1])
    assert list(scalars["d_loss"][0]) == [1, 2, 3]
    table = figure5.plot([run_dir], tmp_path / "figure5.png")
    assert set(table["mlp (gan on mlp, digits)"]) == {"d_loss", "g_loss"}
    assert all(abs(value) <= 1.0 + 1e-9 for value in table["mlp (gan on mlp, digits)"].values())
    assert tf.io.decode_png(tf.io.read_file(str(tmp_path / "figure5.png"))).shape[0] > 200


def test_spearman_rank_correlation():
    assert figure5.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert figure5.spearman([1, 2, 3, 4], [9, 4, 1, 0]) == pytest.approx(-1.0)
    # ranks of (1, 2, 2, 3) are (0, 1.5, 1.5, 3); against (0, 1, 2, 3): r = 4.5 / sqrt(4.5 * 5) = 0.9487
    assert figure5.spearman([1, 2, 2, 3], [0, 1, 2, 3]) == pytest.approx(4.5 / np.sqrt(4.5 * 5.0))
    assert np.isnan(figure5.spearman([1.0], [2.0])) and np.isnan(figure5.spearman([1, 1, 1], [1, 2, 3]))  # undefined
