"""Time to the first training step on a folder at the report's scale (CelebA: 202,599 photos).

    python -m tf_colorgan.benchmarking.folder_scale --photos=data/photos/train --folder=/tmp/tiles_200k --count=200000

Builds --folder once, when it holds fewer than --count files: 178 x 218 JPEG tiles (CelebA's aligned size,
quality 90) cut from the photos of --photos (the study's real photos, `data/build_photos.py`) on a grid of
offsets, in one flat folder as CelebA's `img_align_celeba/`. Then runs `train.py --dataset=FOLDER --steps=1`
in a fresh process (in a fresh run directory) and prints, as JSON: the number of files, the seconds from the
process' start to its split.json (the split made), to its first checkpoint (the first step done: model built,
step traced and run) and to its exit (the export included), with the machine (`machine.describe`) and the date.
"""

import datetime
import json
import pathlib
import subprocess
import sys
import tempfile
import time

from absl import app, flags

from tf_colorgan import runtime

TILE_WIDTH, TILE_HEIGHT = 178, 218  # CelebA's img_align_celeba

FLAGS = flags.FLAGS


def define_flags():
    """Declares this script's flags (when it runs, not when it is imported)."""
    flags.DEFINE_string("photos", "data/photos/train", "Folder of real photos the tiles are cut from.")
    flags.DEFINE_string("folder", "/tmp/tf_colorgan_tiles", "Where the tiles are (built when short of --count).")
    flags.DEFINE_integer("count", 200_000, "Tiles in the folder.")
    flags.DEFINE_list("train_flags", ["--image_every=1000", "--sample_count=1"], "Extra flags of the timed train.py.")
    flags.DEFINE_string("out", None, "Write the JSON here too.")


def build_tiles(photos, folder, count):
    """Writes `count` JPEG tiles `000000.jpg`.. into `folder`: for each offset of a grid (as many as needed),
    the tile at that offset of every photo of `photos` (sorted; photos smaller than a tile are skipped)."""
    import tensorflow as tf

    from tf_colorgan.data import sources

    sources = [tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
               for path in sources.list_images(photos)]
    sources = [image for image in sources if image.shape[0] >= TILE_HEIGHT and image.shape[1] >= TILE_WIDTH]
    height, width = min(image.shape[0] for image in sources), min(image.shape[1] for image in sources)
    per_photo = -(-count // len(sources))
    columns = max(1, int((per_photo * (width - TILE_WIDTH + 1) / (height - TILE_HEIGHT + 1)) ** 0.5))
    rows = -(-per_photo // columns)
    offsets = [(y * (height - TILE_HEIGHT) // max(1, rows - 1), x * (width - TILE_WIDTH) // max(1, columns - 1))
               for y in range(rows) for x in range(columns)]
    folder.mkdir(parents=True, exist_ok=True)
    stack = tf.stack([image[:height, :width] for image in sources])

    def write(index):
        photo, offset = index % len(sources), tf.gather(offsets, index // len(sources))
        tile = tf.image.crop_to_bounding_box(stack[photo], offset[0], offset[1], TILE_HEIGHT, TILE_WIDTH)
        tf.io.write_file(tf.strings.join([str(folder) + "/", tf.strings.as_string(index, width=6, fill="0"),
                                          ".jpg"]), tf.io.encode_jpeg(tile, quality=90))
        return index

    for _ in tf.data.Dataset.range(count).map(write, num_parallel_calls=tf.data.AUTOTUNE).batch(10_000):
        pass


def time_first_step(folder, train_flags):
    """Seconds from starting `train.py --dataset=folder --steps=1` to its split.json, its first checkpoint and
    its exit (polled every 50 ms)."""
    with tempfile.TemporaryDirectory() as run_dir, tempfile.TemporaryFile("w+") as log:  # a pipe could fill
        split, checkpoint = pathlib.Path(run_dir, "split.json"), pathlib.Path(run_dir, "checkpoints", "checkpoint")
        seen = {}
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "tf_colorgan.training",  # train.py, installed or not
                                    f"--dataset={folder}", "--steps=1", f"--run_dir={run_dir}", *train_flags],
                                   stdout=subprocess.DEVNULL, stderr=log, text=True)
        while process.poll() is None:
            for name, path in (("split_s", split), ("first_step_s", checkpoint)):
                if name not in seen and path.exists():
                    seen[name] = round(time.perf_counter() - start, 1)
            time.sleep(0.05)
        if process.returncode:
            log.seek(0)
            raise RuntimeError(f"train.py failed ({process.returncode}):\n{log.read()[-3000:]}")
        return {**seen, "exit_s": round(time.perf_counter() - start, 1)}


def main(argv):
    del argv
    folder = pathlib.Path(FLAGS.folder)
    if not folder.is_dir() or sum(1 for _ in folder.iterdir()) < FLAGS.count:
        start = time.perf_counter()
        build_tiles(FLAGS.photos, folder, FLAGS.count)
        print(f"Built {FLAGS.count} tiles in {folder} in {time.perf_counter() - start:.0f} s", flush=True)
    from tf_colorgan import machine

    result = {"files": sum(1 for _ in folder.iterdir()), "folder": str(folder),
              **time_first_step(folder, FLAGS.train_flags), "machine": machine.describe(),
              "date": datetime.date.today().isoformat(), "command": " ".join(sys.argv)}
    print(json.dumps(result, indent=2))
    if FLAGS.out:
        pathlib.Path(FLAGS.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    runtime.apply()  # before TensorFlow starts: every import of it here is deferred
    define_flags()
    app.run(main)
