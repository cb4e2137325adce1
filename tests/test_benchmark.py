"""The benchmark's FLOP count by hand, and a tiny real run of `python -m tf_colorgan.benchmarking.benchmark`."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import machine, runtime
from tf_colorgan.benchmarking import benchmark, pix2pix_tutorial
from tf_colorgan.config import make_config
from tf_colorgan.data import sources
from tf_colorgan.networks import pix2pix
from tf_colorgan.tasks.colorize import lab_stream
from tf_colorgan.training import trainer


def test_layer_flops_by_hand():
    generator = dict(benchmark.layer_flops(pix2pix.unet_generator()))
    assert generator["g_enc1"] == 2 * 128 * 128 * 64 * 4 * 4 * 1  # conv: output 128^2 x 64, 4x4 x 1 input channel
    assert generator["g_dec3_conv"] == 2 * 8 * 8 * 512 * 3 * 3 * 1024  # resize-conv: 3x3 at 8x8 on concat(512, 512)
    assert generator["g_dec7_deconv"] == 2 * 64 * 64 * 256 * 4 * 4 * 128  # transposed: input 64^2 x 256 -> 128
    assert len(generator) == 16  # 8 encoder + 8 decoder convolutions, nothing else counted
    discriminator = benchmark.layer_flops(pix2pix.patch_discriminator())
    assert [name for name, _ in discriminator] == [f"d_conv{i}" for i in range(1, 6)]
    assert discriminator[3][1] == 2 * 31 * 31 * 512 * 4 * 4 * 256  # padded 34 -> valid 4x4 s1 -> 31
    assert discriminator[4][1] == 2 * 30 * 30 * 1 * 4 * 4 * 512


@pytest.mark.parametrize("gan, d_updates", [("lsgan", 1), ("wgan", 5)])
def test_iteration_flops_counts_the_forward_and_backward_passes(gan, d_updates):
    model = trainer.build_model(make_config(gan=gan))
    g_layers, d_layers = benchmark.layer_flops(model.generator), benchmark.layer_flops(model.discriminator)
    g, d = sum(f for _, f in g_layers), sum(f for _, f in d_layers)
    d_update = g + 2 * d + 2 * d + 2 * (d - d_layers[0][1])  # G fwd; D fwd, weight grads, input grads (real, fake)
    g_update = g + g + (g - g_layers[0][1]) + d + d  # G fwd, weight and input grads; D fwd and input grads
    assert benchmark.iteration_flops(model, 4) == 4 * (d_updates * d_update + g_update)
    assert 100e9 < benchmark.iteration_flops(trainer.build_model(make_config(gan="gan")), 1) < 120e9
    assert benchmark.iteration_flops(trainer.build_model(make_config(gan="wgan_gp")), 4) is None


def test_the_tutorial_yardstick_has_the_tutorials_networks_set_to_colorization():
    model = pix2pix_tutorial.Pix2Pix()
    # The tutorial's summaries: generator 54,425,859 weights (3 channels in and out), discriminator 2,770,433
    # (3 + 3 channels in). Here 1 in, 2 out: the first kernel loses 4x4x2x64, the last 4x4x1x128 and a bias.
    assert model.generator.count_params() == 54_425_859 - 4 * 4 * 2 * 64 - (4 * 4 * 1 * 128 + 1)
    assert model.discriminator.count_params() == 2_770_433 - 4 * 4 * 3 * 64  # concat(1, 2) instead of (3, 3)
    assert model.discriminator.output_shape == (None, 30, 30, 1)
    g_layers, d_layers = benchmark.layer_flops(model.generator), benchmark.layer_flops(model.discriminator)
    assert g_layers[0][1] == 2 * 128 * 128 * 64 * 4 * 4 * 1 and d_layers[0][1] == 2 * 128 * 128 * 64 * 4 * 4 * 3
    g, d = sum(f for _, f in g_layers), sum(f for _, f in d_layers)
    # one pass: G fwd, weight and input grads; D fwd on both pairs, weight (and inner input) grads on both,
    # input grads on the fake pair for G
    expected = g + g + (g - g_layers[0][1]) + 2 * d + 2 * (d + d - d_layers[0][1]) + d
    assert benchmark.iteration_flops(model, 4) == 4 * expected


def test_the_tutorial_yardstick_builds_under_mixed_precision_with_float32_outputs():
    # Its losses subtract the generator's output from the float32 truth (a bfloat16 output failed the benchmark's
    # mixed_bfloat16 row) and take the discriminator's logits into float32 cross-entropies.
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = pix2pix_tutorial.Pix2Pix()
    finally:
        keras.config.set_dtype_policy("float32")
    assert model.generator.get_layer(index=1).compute_dtype == "bfloat16"
    assert model.generator.outputs[0].dtype == model.discriminator.outputs[0].dtype == "float32"


@pytest.mark.slow  # trains the tutorial's real-size networks (57 M weights) for a step
def test_the_tutorial_step_trains_both_networks_from_one_pass():
    model = pix2pix_tutorial.Pix2Pix()
    model.compile()
    before = [w.numpy() for w in (model.generator.trainable_weights[0], model.discriminator.trainable_weights[0])]
    pair = lab_stream.eval_pairs(sources.make_split("sample", seed=0), 256, 1)  # a real photo's (L', ab')
    history = model.fit(tf.data.Dataset.from_tensors(pair), epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(values[0]) for values in history.history.values())
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 1
    after = (model.generator.trainable_weights[0], model.discriminator.trainable_weights[0])
    assert all(np.any(old != new.numpy()) for old, new in zip(before, after))


@pytest.mark.slow
def test_tiny_benchmark_run_prints_and_writes_every_measurement(tmp_path):
    out = tmp_path / "benchmark.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "tf_colorgan.benchmarking.benchmark", "--variants=lsgan", "--batch_sizes=2",
         "--precisions=float32",
         "--steps=1", "--pipeline_images=8", "--export_sizes=320x240", "--width=8", f"--out={out}"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=1800)  # a hang guard, not a speed check: 114 s on the slowest machine met, 5x that beside a training
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| lsgan | 2 | float32 | off |" in result.stdout
    measured = json.loads(out.read_text())
    assert set(measured["peak_gflops"]) == {"float32"} and measured["peak_gflops"]["float32"]["conv"] > 1
    (row,) = measured["training"]
    assert row["finite_losses"] and row["batches_per_iteration"] == 2 and row["width"] == 8
    assert row["images_per_second"] == pytest.approx(4 / row["seconds_per_iteration"])
    assert row["gflop_per_iteration"] == pytest.approx(
        benchmark.iteration_flops(trainer.build_model(make_config(gan="lsgan", width=8)), 2) / 1e9)
    assert 0 < row["fraction_of_conv_peak"] < 1.5 and row["first_iteration_seconds"] > row["seconds_per_iteration"]
    assert row["peak_rss_mib"] > 100
    assert row["malloc"] == runtime.MALLOC  # the fresh process trained under train.py's settings (conftest's here)
    assert [p["threads"] for p in measured["pipeline"]] == sorted({1, os.cpu_count()})
    assert all(p[f"{source}_images_per_second"] > 0 for p in measured["pipeline"]
               for source in ("decoding", "cached", "prepared"))
    assert [e["photo"] for e in measured["export"]] == ["320x240"] and measured["export"][0]["ms"] > 0
    assert measured["machine"]["tensorflow"] == tf.__version__
    assert measured["machine"]["isa"] == [flag for flag in machine.ISA_FLAGS if flag in machine.cpu_flags()]
    assert f"native bfloat16: {machine.native_bf16()}" in benchmark.format_result(measured)


@pytest.mark.slow
def test_unknown_variant_is_refused_with_the_choices():
    result = subprocess.run([sys.executable, "-m", "tf_colorgan.benchmarking.benchmark", "--variants=lsgan,dcgan"],
                            capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 1 and "Invalid `variants`: ['dcgan']" in result.stderr
    assert "'wgan_gp'" in result.stderr


@pytest.mark.slow
def test_the_folder_benchmark_builds_its_tiles_and_times_a_first_step(tmp_path):
    # 30 tiles of the sample photos (CelebA's 178 x 218), and train.py at --width=8 timed on them.
    folder, out = tmp_path / "tiles", tmp_path / "first_step.json"
    result = subprocess.run(
        [sys.executable, "-m", "tf_colorgan.benchmarking.folder_scale", f"--photos={sources.SAMPLE_DIR}",
         f"--folder={folder}",
         "--count=30", "--train_flags=--width=8,--image_every=1000,--sample_count=1", f"--out={out}"],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    tiles = sorted(folder.iterdir())
    assert [tile.name for tile in tiles] == [f"{index:06d}.jpg" for index in range(30)]
    shapes = {tuple(tf.io.decode_jpeg(tf.io.read_file(str(tile))).shape) for tile in tiles}
    assert shapes == {(218, 178, 3)} and len({tile.read_bytes() for tile in tiles}) == 30  # 30 distinct tiles
    measured = json.loads(out.read_text())
    assert measured["files"] == 30 and 0 < measured["split_s"] <= measured["first_step_s"] <= measured["exit_s"]
    assert measured["machine"]["cores"] == os.cpu_count()
