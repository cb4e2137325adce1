"""`tf-colorgan colorize` and `tf-colorgan serve`: colorize photographs with a trained run, from the command line
or over HTTP (TensorFlow Serving's REST API, `tf_colorgan.serving.server`); `tf-colorgan prepare`: decode a dataset once
for every colorization run at a size (`tf_colorgan.data.prepared`); `tf-colorgan export --format=onnx`: the colorizer
as an ONNX model (`tf_colorgan.tasks.colorize.export.export_onnx`).

    tf-colorgan colorize --model models/sample_lsgan_l1-100_l2-0 old_photo.jpg scans/ -o coloured/
    tf-colorgan serve --model models/sample_lsgan_l1-100_l2-0 --port 8501 --name colorgan
    tf-colorgan prepare --dataset=data/photos/train --size=256
    tf-colorgan export --model models/sample_lsgan_l1-100_l2-0 --format=onnx -o colorizer.onnx

`--model` takes a run directory or its `export/` folder; inputs are image files or folders (searched
recursively; JPEG, PNG, BMP, GIF, WebP) of any size. Each output is a PNG at the input's own resolution (the
colour is predicted at the training size and recombined with the photo's full-resolution lightness), written
to the output folder under the input's name (with its sub-folder, for inputs found in a folder). A file that
cannot be read or decoded is reported and skipped; the others go on, and the exit status is 1 if any failed.
Bad arguments get one message and exit status 2, without a traceback.
"""

import argparse
import pathlib
import sys

from tf_colorgan import storage
from tf_colorgan.serving import server
from tf_colorgan.training import rundir


def expand_inputs(inputs):
    """[(path, output name)] for files and the images found under folders (keeping their sub-folders)."""
    from tf_colorgan.data import sources

    found = []
    for item in map(pathlib.Path, inputs):
        if item.is_dir():
            found += [(pathlib.Path(p), pathlib.Path(p).relative_to(item)) for p in sources.list_images(item)]
        else:
            found.append((item, pathlib.Path(item.name)))
    return found


def colorize_files(export_dir, inputs, out_dir):
    """Colorizes every input into `out_dir`; returns {input path: error message} of the files it skipped."""
    import keras
    import tensorflow as tf
    colorize = tf.saved_model.load(str(export_dir)).signatures["serving_default"]
    takes = sorted(colorize.structured_input_signature[1])
    if takes != ["images"]:  # e.g. an image generator's export (z -> images)
        raise ValueError(f"Invalid --model '{export_dir}'. Expected a colorization export (its signature takes "
                         f"images). Received: an export whose signature takes {takes}")
    out_dir = pathlib.Path(out_dir)
    files = expand_inputs(inputs)
    progress = keras.utils.Progbar(len(files), unit_name="photo")
    failed = {}
    for path, name in files:
        try:
            image = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
            colorized = colorize(images=image[tf.newaxis])["colorized"][0]
        except (tf.errors.OpError, OSError) as error:
            failed[str(path)] = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"\nskipped {path}: {failed[str(path)]}", file=sys.stderr)
        else:
            target = (out_dir / name).with_suffix(".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            tf.io.write_file(str(target), tf.io.encode_png(colorized))
        progress.add(1)
    return failed


def serve_export(export_dir, args):
    """Runs `tf_colorgan.serving.server` on the export until interrupted."""
    server.serve(export_dir, args.host, args.port, args.name, args.max_request_bytes, args.max_pixels)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tf-colorgan", description="Colorize photographs with tf_colorgan.")
    commands = parser.add_subparsers(dest="command", required=True)
    colorize = commands.add_parser("colorize", help="colorize image files or folders with a trained run")
    colorize.add_argument("--model", required=True, help="run directory (models/RUN) or its export/ folder")
    colorize.add_argument("inputs", nargs="+", help="image files or folders")
    colorize.add_argument("-o", "--out", required=True, help="output folder (created if missing)")
    serve = commands.add_parser("serve", help="serve a trained run over HTTP (TensorFlow Serving's REST API)")
    serve.add_argument("--model", required=True, help="run directory (models/RUN) or its export/ folder")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    serve.add_argument("--port", type=int, default=8501, help="port (TensorFlow Serving's REST default, 8501)")
    serve.add_argument("--name", default="colorgan", help="the model's name in /v1/models/NAME")
    serve.add_argument("--max_request_bytes", type=int, default=server.MAX_REQUEST_BYTES,
                       help="larger bodies get 413")
    serve.add_argument("--max_pixels", type=int, default=server.MAX_PIXELS, help="larger photos get 413")
    prepare = commands.add_parser("prepare", help="decode a dataset once into resized Lab images that every "
                                  "colorization run at that size reads (tf_colorgan.data.prepared)")
    prepare.add_argument("--dataset", required=True, help="folder of photos, 'sample' or a TFDS dataset name")
    prepare.add_argument("--size", type=int, default=256, help="training size (default 256)")
    prepare.add_argument("--jitter", action="store_true", help="for runs with --jitter (stored at size + 20)")
    prepare.add_argument("--data_dir", default=None, help="TFDS data directory")
    onnx = commands.add_parser("export", help="export a trained run's colorizer to ONNX (train.py writes the "
                               "SavedModel, export/)")
    onnx.add_argument("--model", required=True, help="run directory (models/RUN): its latest checkpoint")
    onnx.add_argument("--format", choices=["onnx"], default="onnx", help="onnx (tf2onnx; the onnx extra)")
    onnx.add_argument("-o", "--out", required=True, help="the .onnx file to write")
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            from tf_colorgan.evaluation import trained_runs
            from tf_colorgan.tasks.colorize import export

            config, generator = trained_runs.trained_generator(args.model)
            export.export_onnx(generator, config.size, args.out)
            print(args.out)
            return 0
        if args.command == "prepare":
            from tf_colorgan.data import lab, prepared, sources
            from tf_colorgan.tasks import colorize as colorization

            colorization.Settings(size=args.size)  # refuses a size no colorization run trains at (ConfigError)
            split = sources.make_split(args.dataset, seed=0, data_dir=args.data_dir, colour_only=True)
            print(prepared.prepare(split, args.size + (lab.JITTER_MARGIN if args.jitter else 0)))
            return 0
        export_dir = rundir.find_export(args.model)
        if args.command == "serve":
            return serve_export(export_dir, args)
        missing = [item for item in args.inputs if not pathlib.Path(item).exists()]
        if missing:
            raise ValueError(f"Invalid inputs: expected image files or folders. Received missing path(s): {missing}")
        failed = colorize_files(export_dir, args.inputs, args.out)
    except (ValueError, FileNotFoundError) as error:  # ValueError includes ConfigError (a folder without images)
        parser.error(str(error))
    except storage.DiskFullError as error:
        print(f"tf-colorgan: error: {error}", file=sys.stderr)
        return 1
    return 1 if failed else 0
