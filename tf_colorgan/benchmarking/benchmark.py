"""Speed benchmark of training, the input pipeline and the export, on the machine at hand.

    python -m tf_colorgan.benchmarking.benchmark                       # docs/performance.md's table (~12 min, 2 cores)
    python -m tf_colorgan.benchmarking.benchmark --variants=lsgan --batch_sizes=4 --precisions=mixed_bfloat16 --jit=on
    python -m tf_colorgan.benchmarking.benchmark --agreement_steps=200  # bfloat16 vs float32 losses after 200 steps
    python -m tf_colorgan.benchmarking.benchmark --profile=2 --variants=lsgan --batch_sizes=4 \\
        --precisions=float32                                           # op times

Prints a table and the same numbers as JSON (also written to --out):
* peak: GFLOP/s of a large convolution ([8, 64, 64, 256] * [3, 3, 256, 256]) and a 2048^2 matmul per precision,
  the ceiling each training row is compared to;
* training, one fresh process per row (variant, batch, precision, XLA): seconds per iteration inside
  `Model.fit` on a fixed batch of real photos (256 x 256 by default) after one warm-up iteration, images/s
  (batches drawn per iteration x batch / seconds; WGAN measured after its warm-up, 5 critic updates + 1),
  GFLOP per iteration counted from the built networks (`iteration_flops`), the achieved GFLOP/s and its fraction
  of the same precision's convolution peak, the time to the first finished iteration and the tracing time (that
  minus a steady iteration), the process' peak resident memory and its malloc settings (`runtime.MALLOC`);
* input pipeline: images/s from the sample JPEG files to batched (L', ab'), decoding every pass, from the
  in-memory cache and reading their prepared form (`tf_colorgan.data.prepared`) every pass, on 1 core and on all;
* export: ms per photo through the loaded SavedModel at 256 x 256 and 4000 x 3000 (first call apart: it
  traces, and above 1 MP compiles the per-pixel maths);
* agreement (with --agreement_steps): the default LSGAN run trained that many steps on the sample photos with the
  same seed in float32 and mixed_bfloat16, the mean losses of the last quarter of the steps side by side.
"""

import datetime
import itertools
import json
import math
import multiprocessing
import os
import pathlib
import resource
import statistics
import tempfile
import time

from absl import app, flags

from tf_colorgan import objectives, runtime

TUTORIAL = "pix2pix_tutorial"  # the TensorFlow pix2pix tutorial's step (`pix2pix_tutorial`), a yardstick
AGREEMENT_LOSSES = ("d_loss", "g_adversarial", "g_l1")
MEASURED_STEP = 11  # past WGAN's 10 warm-up iterations, not a multiple of 500: 5 critic updates + 1

FLAGS = flags.FLAGS


def define_flags():
    """Declares this script's flags (when it runs, not when it is imported)."""
    flags.DEFINE_list("variants", [*objectives.names(), TUTORIAL], "Colorization objectives to time, and the TF "
                      "tutorial's "
                      "pix2pix step as a yardstick of FLOP efficiency.")
    flags.DEFINE_list("batch_sizes", None, "Batch sizes (default 1,4; 1,4,16 on a GPU).")
    flags.DEFINE_list("precisions", None, "Dtype policies (default float32,mixed_bfloat16; + mixed_float16 on a GPU).")
    flags.DEFINE_enum("jit", "auto", ["auto", "off", "on", "both"],
                      "--jit_compile rows: auto = both on a GPU, off on a CPU (XLA's CPU convolutions were measured "
                      "about 10x slower than oneDNN's: 7.9 s vs 0.8 s per GAN iteration at batch 1).")
    flags.DEFINE_integer("size", 256, "Training image size.")
    flags.DEFINE_integer("width", 64, "Filters of the first layer of the package's networks (64, the original's; the "
                         "tests time narrow ones). The tutorial's networks keep their own.")
    flags.DEFINE_integer("steps", 4, "Timed iterations per training row (after one warm-up iteration).")
    flags.DEFINE_integer("pipeline_images", 400, "Images drawn per input-pipeline measurement.")
    flags.DEFINE_list("export_sizes", ["256x256", "4000x3000"], "WIDTHxHEIGHT photos timed through the export.")
    flags.DEFINE_integer("agreement_steps", 0, "Train float32 and mixed_bfloat16 this many steps and compare "
                         "(0: skip).")
    flags.DEFINE_integer("profile", 0, "Instead of timing, trace this many iterations of each training row with "
                         "tf.profiler and print where their time goes (`step_profile`; 0: time).")
    flags.DEFINE_string("out", None, "Write the JSON here too.")


def layer_flops(model):
    """[(layer name, forward FLOPs per example)] of the convolutions and dense layers of a built Keras model
    (a multiply-add counts 2): Conv2D 2 H_out W_out C_out k_h k_w C_in, Conv2DTranspose 2 H_in W_in C_in k_h k_w
    C_out, Dense 2 C_in C_out. Everything else (normalisation, activations) is not counted."""
    import keras

    counted = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            height, width, channels = layer.input.shape[1:]
            flops = 2 * height * width * channels * layer.kernel_size[0] * layer.kernel_size[1] * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            height, width, filters = layer.output.shape[1:]
            flops = 2 * height * width * filters * layer.kernel_size[0] * layer.kernel_size[1] * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            flops = 2 * layer.input.shape[-1] * layer.units
        else:
            continue
        counted.append((layer.name, int(flops)))
    return counted


def iteration_flops(model, batch_size, step=MEASURED_STEP):
    """FLOPs of one training iteration of a colorization model (`objectives.base.AdversarialModel`) at `step` or of
    the tutorial's
    `pix2pix_tutorial.Pix2Pix`, or None for WGAN-GP (its second-order penalty is not counted).

    With F the forward FLOPs of a network per example and F_1 those of its first layer (whose input needs no
    gradient): a backward pass costs F for the weight gradients and F - F_1 for the input gradients.
    Discriminator update: G forward + D forward and backward on the real and the fake batch = F_G + 2 (3 F_D -
    F_D1). Generator update: G forward and backward + D forward and input gradients on the fake batch
    = 3 F_G - F_G1 + 2 F_D. Iteration: d discriminator updates + `generator_steps` generator updates, x batch.
    The tutorial's iteration, from one forward pass: G forward and backward, D forward on the real and the fake
    pair, D's weight gradients on both and its input gradients on the fake one for G = 3 F_G - F_G1 + 7 F_D -
    2 F_D1, x batch.
    """
    import tensorflow as tf

    from tf_colorgan.benchmarking import pix2pix_tutorial
    from tf_colorgan.objectives.base import AdversarialModel

    if (isinstance(model, AdversarialModel)
            and type(model).discriminator_loss is not AdversarialModel.discriminator_loss):
        return None  # an objective adding terms to D's loss (WGAN-GP's gradient penalty): not in the count
    g_layers, d_layers = layer_flops(model.generator), layer_flops(model.discriminator)
    g_total, d_total = sum(f for _, f in g_layers), sum(f for _, f in d_layers)
    if isinstance(model, pix2pix_tutorial.Pix2Pix):
        return batch_size * (3 * g_total - g_layers[0][1] + 7 * d_total - 2 * d_layers[0][1])
    d_update = g_total + 2 * (3 * d_total - d_layers[0][1])
    g_update = 3 * g_total - g_layers[0][1] + 2 * d_total
    d_updates = int(model.discriminator_steps(tf.constant(step, tf.int64)))
    return batch_size * (d_updates * d_update + model.generator_steps * g_update)


def peak_gflops(dtype_name, repeats=5, rounds=3):
    """Measured GFLOP/s of a large convolution and a large matmul in `dtype_name` (float32, bfloat16, float16):
    the best of `rounds` rounds of `repeats` calls (single rounds of bfloat16 varied from 264 to 443 here)."""
    import tensorflow as tf

    dtype = tf.as_dtype(dtype_name)
    images, kernel = tf.random.normal([8, 64, 64, 256], dtype=dtype), tf.random.normal([3, 3, 256, 256], dtype=dtype)
    matrix = tf.random.normal([2048, 2048], dtype=dtype)
    conv = tf.function(lambda: tf.reduce_sum(tf.cast(tf.nn.conv2d(images, kernel, 1, "SAME")[0, 0, 0], tf.float32)))
    matmul = tf.function(lambda: tf.reduce_sum(tf.cast(tf.matmul(matrix, matrix)[0], tf.float32)))
    result = {}
    for name, function, flops in (("conv", conv, 2 * 8 * 64 * 64 * 256 * 256 * 9), ("matmul", matmul, 2 * 2048**3)):
        function().numpy()
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(repeats):
                function().numpy()
            best = min(best, time.perf_counter() - start)
        result[name] = flops * repeats / best / 1e9
    return result


def training_setup(variant, batch_size, precision, jit, size, width=64):
    """(compiled model, endless dataset of one fixed iteration's batches of real photos, batches per iteration)
    of one training row, at `MEASURED_STEP` for the package's objectives."""
    import keras
    import tensorflow as tf

    from tf_colorgan.benchmarking import pix2pix_tutorial
    from tf_colorgan.config import make_config
    from tf_colorgan.data import sources
    from tf_colorgan.tasks.colorize import lab_stream
    from tf_colorgan.training import trainer

    l_channel, ab = lab_stream.eval_pairs(sources.make_split("sample", 0), size, batch_size)
    repeat = -(-batch_size // l_channel.shape[0])  # the sample set has 6 photos
    pair = tuple(tf.tile(x, [repeat, 1, 1, 1])[:batch_size] for x in (l_channel, ab))
    if variant == TUTORIAL:
        keras.config.set_dtype_policy(precision)
        model, batches = pix2pix_tutorial.Pix2Pix(size), 1
        model.compile(jit_compile=jit)
    else:
        config = make_config(gan=variant, batch_size=batch_size, precision=precision, jit_compile=jit, size=size,
                             width=width)
        model = trainer.build_model(config)
        model.global_step.assign(MEASURED_STEP)
        batches = int(model.batches_per_step(tf.constant(MEASURED_STEP, tf.int64)))
        pair = tuple(tf.stack([x] * batches) for x in pair)  # the iteration's batches on a leading axis
    return model, tf.data.Dataset.from_tensors(pair).repeat(), batches


def measure_training(variant, batch_size, precision, jit, size, steps, width=64):
    """One training row (run in a fresh process): see the module docstring."""
    import keras
    import tensorflow as tf

    model, dataset, batches = training_setup(variant, batch_size, precision, jit, size, width)
    ends = []  # the end of each iteration, from fit's own callbacks (fit's teardown, once per call, is not timed)
    timer = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: ends.append(time.perf_counter()))
    start = time.perf_counter()
    history = model.fit(dataset, steps_per_epoch=steps + 1, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
    first, seconds = ends[0] - start, (ends[-1] - ends[0]) / steps
    flops = iteration_flops(model, batch_size)
    row = {"variant": variant, "batch": batch_size, "precision": precision, "jit": jit,
           "width": None if variant == TUTORIAL else width,
           "seconds_per_iteration": seconds, "images_per_second": batches * batch_size / seconds,
           "batches_per_iteration": batches, "gflop_per_iteration": flops and flops / 1e9,
           "gflops": flops and flops / seconds / 1e9, "first_iteration_seconds": first,
           "tracing_seconds": first - seconds,
           "finite_losses": all(math.isfinite(v) for values in history.history.values() for v in values),
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
           "malloc": runtime.MALLOC}
    if tf.config.list_physical_devices("GPU"):
        row["peak_gpu_mib"] = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    return row


def profile_training(variant, batch_size, precision, size, width, iterations, peak=None):
    """A training row's profile (run in a fresh process): one iteration untraced, then `iterations` under
    tf.profiler, summarised by `step_profile.summarize` against `peak` GFLOP/s (default: measured here). Ops run
    one at a time (one inter-op thread), so each op's time is its own, not shared with an op beside it."""
    import tensorflow as tf

    from tf_colorgan.benchmarking import step_profile

    tf.config.threading.set_inter_op_parallelism_threads(1)
    peak = peak or peak_gflops(precision.removeprefix("mixed_"))["conv"]
    model, dataset, _ = training_setup(variant, batch_size, precision, False, size, width)
    model.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        model.fit(dataset, steps_per_epoch=iterations, epochs=1, verbose=0)
        seconds = (time.perf_counter() - start) / iterations
        tf.profiler.experimental.stop()
        (trace,) = pathlib.Path(logdir).rglob("*.xplane.pb")
        ops = step_profile.op_self_times(trace)
    flops = dict(layer_flops(model.generator) + layer_flops(model.discriminator))
    names = {layer.name for network in (model.generator, model.discriminator) for layer in network.layers}
    total = iteration_flops(model, batch_size)  # None for WGAN-GP (its penalty is not counted)
    return {"variant": variant, "batch": batch_size, "precision": precision, "size": size, "width": width,
            "iterations": iterations, "inter_op_threads": 1, "conv_peak_gflops": peak,
            "seconds_per_iteration_traced": seconds,
            "gflop_per_iteration": total and total / 1e9,
            **step_profile.summarize(ops, iterations, names, flops, batch_size, peak)}


def measure_pipeline(count, size=256, batch_size=4):
    """Input pipeline images/s from the sample JPEGs to batched (L', ab'): decoding every pass, from the in-memory
    cache, and reading their prepared form every pass (`tf_colorgan.data.prepared`, written to a temporary folder),
    on 1 core and on all (tf.data's private thread pool)."""
    from tf_colorgan.data import prepared, sources

    split = sources.make_split("sample", 0, colour_only=True)
    rows = [{"threads": threads} for threads in sorted({1, os.cpu_count()})]
    with tempfile.TemporaryDirectory() as root:
        prepared.ROOT = pathlib.Path(root)  # this process' forms: none until the last measurement
        for name, cache_bytes in (("decoding", 0), ("cached", sources.CACHE_BYTES), ("prepared", 0)):
            if name == "prepared":
                prepared.prepare(split, size)
            for row in rows:
                row[f"{name}_images_per_second"] = time_stream(split, size, batch_size, cache_bytes, row["threads"],
                                                               count)
    return rows


def time_stream(split, size, batch_size, cache_bytes, threads, count):
    """Images/s of `lab_stream.training_batches` on `threads` threads, after a full pass (the cache is filled)."""
    import tensorflow as tf

    from tf_colorgan.tasks.colorize import lab_stream

    options = tf.data.Options()
    options.threading.private_threadpool_size = threads
    stream = lab_stream.training_batches(split, size, batch_size, lambda step: tf.constant(1, tf.int64),
                                   cache_bytes=cache_bytes).with_options(options)
    iterator = iter(stream)
    for _ in range(-(-len(split["train"]) // batch_size) + 1):  # a full pass: the cache is filled
        next(iterator)
    batches = max(1, count // batch_size)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def measure_export(sizes, size=256, repeats=3, width=64):
    """ms per photo through a loaded colorization SavedModel (a randomly initialised U-Net) at each WxH."""
    import numpy as np
    import tensorflow as tf

    from tf_colorgan.networks import pix2pix
    from tf_colorgan.tasks.colorize import export

    with tempfile.TemporaryDirectory() as root:  # loading reads the weights into memory: the files can go
        path = pathlib.Path(root) / "export"
        export.export_colorizer(pix2pix.unet_generator(size, width=width), size, path)
        colorize = tf.saved_model.load(str(path)).signatures["serving_default"]
    rows = []
    for spec in sizes:
        width, height = (int(v) for v in spec.split("x"))
        photo = tf.constant(np.random.default_rng(0).integers(0, 256, (1, height, width, 3), np.uint8))
        start = time.perf_counter()
        colorize(images=photo)["colorized"].numpy()
        first = time.perf_counter() - start
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            colorize(images=photo)["colorized"].numpy()
            times.append(time.perf_counter() - start)
        rows.append({"photo": spec, "ms": 1000 * statistics.median(times), "first_call_ms": 1000 * first})
    return rows


def measure_agreement(steps, root):
    """Mean losses over the last quarter of `steps` of the default LSGAN run, float32 vs mixed_bfloat16."""
    from tf_colorgan.config import make_config
    from tf_colorgan.study import figure5
    from tf_colorgan.training import trainer

    result = {"steps": steps}
    for precision in ("float32", "mixed_bfloat16"):
        run_dir = pathlib.Path(root) / precision
        trainer.run(make_config(gan="lsgan", l1=100.0, steps=steps, precision=precision, run_dir=str(run_dir),
                                 image_every=steps))
        scalars = figure5.read_scalars(run_dir, AGREEMENT_LOSSES)
        result[precision] = {name: float(values[at > steps * 3 // 4].mean()) for name, (at, values) in scalars.items()}
    return result


def in_fresh_process(function, *args):
    """`function(*args)` in a new interpreter (spawned), so each measurement has its own tracing, threads and
    memory peak, under the process settings train.py runs with (`runtime.apply`: oneDNN, malloc, Keras' import)."""
    with multiprocessing.get_context("spawn").Pool(1, initializer=runtime.apply) as pool:
        return pool.apply(function, args)


def this_machine():
    """`machine.describe()` with the date: the header of every result."""
    from tf_colorgan import machine  # imports TensorFlow: in the parent process only once it measures

    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), **machine.describe()}


def run(variants, batch_sizes, precisions, jit_settings, size, steps, pipeline_images, export_sizes,
        agreement_steps=0, width=64):
    """All measurements; returns the JSON-serialisable result (see the module docstring)."""
    result = {"machine": this_machine()}
    dtypes = sorted({"float32", *(p.removeprefix("mixed_") for p in precisions)})
    result["peak_gflops"] = {dtype: peak_gflops(dtype) for dtype in dtypes}
    result["training"] = []
    for variant, batch_size, precision, jit in itertools.product(variants, batch_sizes, precisions, jit_settings):
        row = in_fresh_process(measure_training, variant, batch_size, precision, jit, size, steps, width)
        peak = result["peak_gflops"][precision.removeprefix("mixed_")]["conv"]
        row["fraction_of_conv_peak"] = row["gflops"] and row["gflops"] / peak
        result["training"].append(row)
        print(format_training([row], header=not result["training"][:-1]), flush=True)
    result["pipeline"] = in_fresh_process(measure_pipeline, pipeline_images)
    result["export"] = in_fresh_process(measure_export, export_sizes, size, 3, width) if export_sizes else []
    if agreement_steps:
        with tempfile.TemporaryDirectory() as root:
            result["agreement"] = in_fresh_process(measure_agreement, agreement_steps, root)
    return result


def profiles(variants, batch_sizes, precisions, size, width, iterations):
    """`profile_training` of each training row, each in a fresh process, printed as it comes."""
    from tf_colorgan.benchmarking import step_profile

    result = {"machine": this_machine(), "profiles": []}
    for variant, batch_size, precision in itertools.product(variants, batch_sizes, precisions):
        row = in_fresh_process(profile_training, variant, batch_size, precision, size, width, iterations)
        result["profiles"].append(row)
        print(step_profile.format_profile(row), "", sep="\n", flush=True)
    return result


def format_training(rows, header=True):
    columns = ("variant", "batch", "precision", "jit", "s/iter", "images/s", "GFLOP/iter", "GFLOP/s",
               "of peak", "first iter s", "tracing s", "peak RSS MiB")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)] if header else []
    for row in rows:
        fraction = row.get("fraction_of_conv_peak")
        values = (row["variant"], row["batch"], row["precision"], "on" if row["jit"] else "off",
                  f"{row['seconds_per_iteration']:.3f}", f"{row['images_per_second']:.2f}",
                  "-" if row["gflop_per_iteration"] is None else f"{row['gflop_per_iteration']:.0f}",
                  "-" if row["gflops"] is None else f"{row['gflops']:.0f}",
                  "-" if fraction is None else f"{fraction:.0%}", f"{row['first_iteration_seconds']:.1f}",
                  f"{row['tracing_seconds']:.1f}", f"{row['peak_rss_mib']:.0f}")
        lines.append("| " + " | ".join(map(str, values)) + " |")
    return "\n".join(lines)


def format_result(result):
    """The whole result as Markdown tables (docs/performance.md)."""
    m = result["machine"]
    lines = [f"{m['date']}, {m['cpu']} ({' '.join(m['isa'])}; native bfloat16: {m['native_bf16']}), "
             f"{m['cores']} cores, GPUs: {', '.join(m['gpus']) or 'none'}, TensorFlow {m['tensorflow']}, oneDNN "
             + (", ".join(f"{k}={v}" for k, v in m["onednn"].items() if v) or "defaults"), "",
             "| peak | conv GFLOP/s | matmul GFLOP/s |", "|---|---|---|"]
    lines += [f"| {dtype} | {p['conv']:.0f} | {p['matmul']:.0f} |" for dtype, p in result["peak_gflops"].items()]
    lines += ["", format_training(result["training"]), "",
              "| input pipeline | cores | decoding images/s | cached images/s | prepared images/s |",
              "|---|---|---|---|---|"]
    lines += [f"| sample JPEGs -> (L', ab') batches | {p['threads']} | {p['decoding_images_per_second']:.0f} | "
              f"{p['cached_images_per_second']:.0f} | {p['prepared_images_per_second']:.0f} |"
              for p in result["pipeline"]]
    if result["export"]:
        lines += ["", "| export: photo | ms | first call ms |", "|---|---|---|"]
        lines += [f"| {e['photo']} | {e['ms']:.0f} | {e['first_call_ms']:.0f} |" for e in result["export"]]
    if "agreement" in result:
        agreement = result["agreement"]
        lines += ["", f"| mean of the last quarter of {agreement['steps']} steps | float32 | mixed_bfloat16 |",
                  "|---|---|---|"]
        lines += [f"| {name} | {agreement['float32'][name]:.4f} | {agreement['mixed_bfloat16'][name]:.4f} |"
                  for name in agreement["float32"]]
    return "\n".join(lines)


def main(argv):
    del argv
    import tensorflow as tf

    gpu = bool(tf.config.list_physical_devices("GPU"))
    batch_sizes = [int(b) for b in FLAGS.batch_sizes or (["1", "4", "16"] if gpu else ["1", "4"])]
    precisions = FLAGS.precisions or ["float32", "mixed_bfloat16"] + (["mixed_float16"] if gpu else [])
    unknown = sorted(set(FLAGS.variants) - {*objectives.names(), TUTORIAL})
    if unknown:
        raise app.UsageError(f"Invalid `variants`: {unknown}. Expected some of {[*objectives.names(), TUTORIAL]}.")
    jit = {"auto": [False, True] if gpu else [False], "off": [False], "on": [True], "both": [False, True]}[FLAGS.jit]
    if FLAGS.profile:
        result = profiles(FLAGS.variants, batch_sizes, precisions, FLAGS.size, FLAGS.width, FLAGS.profile)
    else:
        result = run(FLAGS.variants, batch_sizes, precisions, jit, FLAGS.size, FLAGS.steps, FLAGS.pipeline_images,
                     FLAGS.export_sizes, FLAGS.agreement_steps, FLAGS.width)
        print(format_result(result))
    print(json.dumps(result, indent=1))
    if FLAGS.out:
        pathlib.Path(FLAGS.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    runtime.apply()  # before TensorFlow starts: every import of it here is deferred
    define_flags()
    app.run(main)
