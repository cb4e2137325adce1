"""The serving SavedModel, loaded the way a server does: a fresh process that imports only TensorFlow."""

import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import color
from tf_colorgan.data import sources
from tf_colorgan.networks import pix2pix, train_mode
from tf_colorgan.tasks.colorize import export, lab_stream
from tf_colorgan.training import rundir

FRESH_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf
    model = tf.saved_model.load(sys.argv[1])
    signature = model.signatures["serving_default"]
    print(sorted(signature.structured_input_signature[1]), sorted(signature.structured_outputs))
    for path, out in zip(sys.argv[2::2], sys.argv[3::2]):
        contents = tf.io.read_file(path)
        images = tf.io.decode_image(contents, channels=3)[tf.newaxis]
        np.save(out, signature(images=images)["colorized"].numpy())
        png = model.signatures["encoded"](images=contents[tf.newaxis])["colorized"][0]
        np.save(out + ".encoded.npy", tf.io.decode_png(png).numpy())
    print("tf_colorgan" in sys.modules)
""")

# TensorFlow's saved_model_cli, installed beside this interpreter (a venv's python run without activating the venv
# has no such script on PATH)
SAVED_MODEL_CLI = str(pathlib.Path(sys.executable).parent / "saved_model_cli")
PHOTOS = ["coffee.jpg", "grace_hopper.jpg"]  # 512 x 341 and 437 x 512: neither square nor 256


def serve(export_dir, tmp_path):
    """Colorizes PHOTOS with the export in a fresh Python process, through `serving_default` and through `encoded`
    (the file's bytes in, a PNG out); returns ({name: uint8 array}, stdout), having checked that both agree."""
    args = []
    for name in PHOTOS:
        args += [str(sources.SAMPLE_DIR / name), str(tmp_path / f"{name}.npy")]
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(export_dir), *args],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in PHOTOS:
        assert np.array_equal(np.load(tmp_path / f"{name}.npy")[0], np.load(tmp_path / f"{name}.npy.encoded.npy"))
    return {name: np.load(tmp_path / f"{name}.npy") for name in PHOTOS}, result.stdout


def read_photo(name):
    return tf.io.decode_jpeg(tf.io.read_file(str(sources.SAMPLE_DIR / name)))[tf.newaxis]


@pytest.fixture(scope="module")
def deterministic_export(module_tmp_path):
    """An export of a (randomly initialised) generator with moving-average BatchNorm and no dropout."""
    generator = pix2pix.unet_generator(train_mode_inference=False)
    l_channel, _ = lab_stream.eval_pairs(sources.make_split("sample", 0), 256, 4)
    generator(l_channel, training=True)  # move the BatchNorm statistics away from their initial values
    path = module_tmp_path / "export"
    export.export_colorizer(generator, 256, path)
    return generator, path


@pytest.fixture(scope="module")
def fresh_process_output(deterministic_export, module_tmp_path):
    """`serve` of the deterministic export: PHOTOS colorized in one fresh process, and its stdout."""
    folder = module_tmp_path / "served"
    folder.mkdir()
    return serve(deterministic_export[1], folder)


@pytest.mark.slow
def test_fresh_process_output_matches_the_in_memory_generator(deterministic_export, fresh_process_output):
    generator, _ = deterministic_export
    served, stdout = fresh_process_output
    assert stdout.split("\n")[0] == "['images'] ['colorized']"
    assert stdout.split("\n")[1] == "False"  # tf_colorgan was never imported
    for name in PHOTOS:
        images = read_photo(name)
        assert served[name].shape == tuple(images.shape) and served[name].dtype == np.uint8
        in_memory = export.colorize(generator, images, 256).numpy()
        assert np.abs(served[name].astype(int) - in_memory.astype(int)).max() <= 1


@pytest.mark.slow
def test_every_weight_is_stored_once(deterministic_export):
    """keras-team/keras#23553: ExportArchive.track(model) would store each of the 51 M values twice."""
    generator, path = deterministic_export
    reader = tf.train.load_checkpoint(str(path / "variables" / "variables"))
    stored = [shape for name, shape in reader.get_variable_to_shape_map().items() if name.endswith("VARIABLE_VALUE")]
    assert sum(int(np.prod(shape)) for shape in stored) == generator.count_params() == 51_014_144


@pytest.mark.slow
def test_output_keeps_the_full_resolution_lightness_of_the_input(fresh_process_output):
    served, _ = fresh_process_output
    for name in PHOTOS:
        l_in = color.rgb_to_lab(tf.cast(read_photo(name), tf.float32) / 255.0)[..., 0]
        l_out = color.rgb_to_lab(tf.cast(served[name], tf.float32) / 255.0)[..., 0]
        # Only gamut clipping and uint8 rounding move L; no resize blur reaches it.
        assert float(tf.reduce_mean(tf.abs(l_in - l_out))) < 1.0


def test_serving_gives_each_photo_one_answer_alone_in_any_batch_and_on_every_call(tmp_path):
    """A default run's generator (batch statistics and dropout at inference, as the original) is served on its
    moving averages, without dropout, one photo at a time: bit-identical answers. The export has no
    batch-dependent signature; in the report's protocol (the generator as it trained) the answers move with the
    batch."""
    generator = pix2pix.unet_generator(width=8)  # train_mode_inference=True, the default
    l_channel, _ = lab_stream.eval_pairs(sources.make_split("sample", 0), 256, 4)
    generator(l_channel, training=True)  # move the BatchNorm statistics away from their initial values
    export.export_colorizer(generator, 256, tmp_path / "export")
    signatures = tf.saved_model.load(str(tmp_path / "export")).signatures
    assert sorted(signatures) == ["encoded", "serving_default"]  # no batch-dependent one
    names = ("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "grace_hopper.jpg")
    photos = tf.concat([tf.cast(tf.image.resize(read_photo(name), [240, 320]), tf.uint8) for name in names], 0)

    serve = lambda images: signatures["serving_default"](images=images)["colorized"].numpy()  # noqa: E731
    together = serve(photos)
    for index in range(len(names)):
        assert np.array_equal(serve(photos[index:index + 1])[0], together[index])
    assert np.array_equal(serve(photos[::-1]), together[::-1]) and np.array_equal(serve(photos), together)
    twin = train_mode.inference_twin(generator)  # what the signature runs, in memory (eager: 1 level of rounding)
    assert np.abs(export.colorize(twin, photos[:1], 256).numpy().astype(int) - together[:1].astype(int)).max() <= 1
    assert all(layer.train_mode_inference for layer in generator.layers if hasattr(layer, "train_mode_inference"))

    report = lambda images: export.colorize(generator, images, 256).numpy()  # noqa: E731
    assert not np.array_equal(report(photos)[0], report(photos[:1])[0])


def test_the_encoded_signature_answers_each_photo_at_its_size_and_refuses_a_non_image_clearly(tmp_path):
    export.export_colorizer(pix2pix.unet_generator(width=8), 256, tmp_path / "export")
    signatures = tf.saved_model.load(str(tmp_path / "export")).signatures
    photo = tf.cast(tf.image.resize(read_photo("chelsea.jpg"), [123, 77]), tf.uint8)[0]
    contents = tf.stack([tf.io.encode_png(photo), tf.io.read_file(str(sources.SAMPLE_DIR / "coffee.jpg"))])
    pngs = signatures["encoded"](images=contents)["colorized"]
    assert pngs.shape == (2,) and pngs.dtype == tf.string
    first = tf.io.decode_png(pngs[0]).numpy()
    assert np.array_equal(first, signatures["serving_default"](images=photo[tf.newaxis])["colorized"][0].numpy())
    assert tf.io.decode_png(pngs[1]).shape == (341, 512, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        signatures["encoded"](images=tf.constant([b"not an image"]))
    assert np.array_equal(tf.io.decode_png(signatures["encoded"](images=contents[:1])["colorized"][0]).numpy(), first)


def test_colorize_of_a_gray_ab_prediction_returns_the_gray_photo():
    """A generator that predicts ab' = 0 must give back the grayscale version of the input, at any size."""
    zero_ab = lambda l_channel, training: tf.zeros(tf.concat([tf.shape(l_channel)[:3], [2]], 0))  # noqa: E731
    images = read_photo("chelsea.jpg")
    gray = export.colorize(zero_ab, images, 256).numpy().astype(int)
    assert gray.shape == tuple(images.shape)
    assert np.abs(gray[..., 0] - gray[..., 1]).max() <= 1 and np.abs(gray[..., 1] - gray[..., 2]).max() <= 1
    l_in = color.rgb_to_lab(tf.cast(images, tf.float32) / 255.0)[..., 0]
    l_out = color.rgb_to_lab(tf.cast(gray, tf.float32) / 255.0)[..., 0]
    assert float(tf.reduce_max(tf.abs(l_in - l_out))) < 0.5


@pytest.mark.slow
def test_tensorflow_serving_tools_read_and_run_the_export(deterministic_export, tmp_path):
    """`saved_model_cli show` and `saved_model_cli run` (TensorFlow Serving's own checks) on a real photo."""
    _, path = deterministic_export
    shown = subprocess.run([SAVED_MODEL_CLI, "show", "--dir", str(path), "--all"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr[-2000:]
    listing = shown.stdout.split("The MetaGraph with tag set")[0]  # the signatures, before the ops and functions
    signatures = {block.split("']", 1)[0]: block for block in listing.split("signature_def['")[1:]}
    assert {"serving_default", "encoded"} <= signatures.keys()
    served, encoded = signatures["serving_default"], signatures["encoded"]
    assert "inputs['images']" in served and "outputs['colorized']" in served
    assert served.count("DT_UINT8") == 2 and served.count("shape: (-1, -1, -1, 3)") == 2
    assert encoded.count("DT_STRING") == 2 and encoded.count("shape: (-1)") == 2
    photo = read_photo("chelsea.jpg").numpy()
    np.save(tmp_path / "photo.npy", photo)
    ran = subprocess.run([SAVED_MODEL_CLI, "run", "--dir", str(path), "--tag_set", "serve", "--signature_def",
                          "serving_default", "--inputs", f"images={tmp_path / 'photo.npy'}", "--outdir",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr[-2000:]
    output = np.load(tmp_path / "out" / "colorized.npy")
    assert output.shape == photo.shape and output.dtype == np.uint8


def test_large_photos_take_the_xla_path_with_the_same_colours():
    """Above `XLA_MIN_PIXELS` the per-pixel maths is compiled; both paths give what the plain float conversion
    gives (1 level of uint8 rounding at most), on a real photo upscaled to 1.2 megapixels and on a crop of it."""
    photo = tf.cast(tf.image.resize(read_photo("astronaut.jpg"), [1024, 1200]), tf.uint8)
    assert 1024 * 1200 >= export.XLA_MIN_PIXELS > 512 * 600
    ab_of = lambda l_channel, training: tf.concat([0.3 * l_channel, -0.2 * l_channel], -1)  # noqa: E731
    for images in (photo, photo[:, :512, :600]):
        lightness, _ = color.normalize_lab(color.rgb_to_lab(tf.cast(images, tf.float32) / 255.0))
        ab = ab_of(tf.image.resize(lightness, [256, 256], method="area"), False)
        ab = tf.image.resize(ab, images.shape[1:3])
        expected = (color.lab_to_rgb(color.denormalize_lab(lightness, ab)).numpy() * 255).round().astype(int)
        colorized = export.colorize(ab_of, images, 256).numpy().astype(int)
        assert np.abs(colorized - expected).max() <= 1
        assert np.abs(colorized - images.numpy()).max() > 20  # the colours did change


@pytest.mark.slow
def test_the_onnx_export_colours_real_photos_as_the_saved_model_does(tmp_path):
    # A width-8 run (config.json and a checkpoint, its moving averages moved by real photos), exported by the
    # command line to ONNX and run by onnxruntime on two real photos of their own sizes.
    import onnxruntime

    from tf_colorgan.config import make_config

    run = tmp_path / "run"
    config = make_config(width=8)
    run.mkdir()
    rundir.config_path(run).write_text(config.to_json())
    generator = pix2pix.unet_generator(width=8)
    generator(lab_stream.eval_pairs(sources.make_split("sample", 0), 256, 4)[0], training=True)
    tf.train.Checkpoint(generator=generator).save(str(rundir.checkpoints(run) / "ckpt"))
    onnx_path = tmp_path / "colorizer.onnx"
    result = subprocess.run([sys.executable, "-m", "tf_colorgan.serving", "export", "--model", str(run),
                             "--format=onnx",
                             "-o", str(onnx_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    export.export_colorizer(generator, 256, tmp_path / "export")
    serving = tf.saved_model.load(str(tmp_path / "export")).signatures["serving_default"]
    session = onnxruntime.InferenceSession(str(onnx_path))
    assert [(i.name, i.type) for i in session.get_inputs()] == [("images", "tensor(uint8)")]
    for name in ("chelsea.jpg", "coffee.jpg"):
        photo = tf.io.decode_jpeg((sources.SAMPLE_DIR / name).read_bytes())[tf.newaxis].numpy()
        (ours,) = session.run(None, {"images": photo})
        expected = serving(images=tf.constant(photo))["colorized"].numpy()
        assert ours.dtype == np.uint8 and ours.shape == expected.shape == photo.shape
        # One uint8 level: ONNX Runtime's kernels round float32 differently, and the output is rounded to uint8.
        assert np.abs(ours.astype(int) - expected.astype(int)).max() <= 1, name
    missing = subprocess.run([sys.executable, "-m", "tf_colorgan.serving", "export", "--model", str(tmp_path / "none"),
                              "-o", str(tmp_path / "x.onnx")], capture_output=True, text=True)
    assert missing.returncode == 2 and "config.json" in missing.stderr and not (tmp_path / "x.onnx").exists()
