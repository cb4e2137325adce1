"""Where a training iteration's time goes: a `tf.profiler` trace of one objective's iterations, its op time summed
by kind, and each convolution kernel's speed against the measured convolution peak.

    python -m tf_colorgan.benchmarking.benchmark --profile=2 --variants=lsgan --batch_sizes=4 --precisions=float32 \\
        --out=results/benchmark/avx2_profile_float32.json

The iteration is the benchmark's (`benchmark.profile_training`: a fixed batch of real photos; WGAN past its warm-up,
5 critic updates + 1). One iteration runs untraced, then `iterations` under the profiler, with one inter-op thread
(ops one at a time, each using every core: 6% slower than two in an earlier measurement, but no op's time is shared
with another's). An op's time is its self time: its span on its thread less the spans of the ops nested in it.
Kinds:
* the three convolution kernels by op type: Conv2D (a convolution's forward and a transposed convolution's input
  gradient), Conv2DBackpropInput (the reverse) and Conv2DBackpropFilter (the weight gradient of either);
* "BatchNorm": the ops of the `*_bn` layers (Keras computes the batch's mean and variance and applies them as
  separate ops, forward and backward);
* "activations, concatenation, padding": the ops of the layers with those roles;
* anything else by its op type (optimizer updates are `ResourceApply*`).
Each (layer, kernel) row counts its calls per iteration and its GFLOP/s: a call does the layer's forward FLOPs
(`benchmark.layer_flops`, x batch), as each of the three kernels of a layer does the same multiply-adds. The FLOPs of
all rows add up to `benchmark.iteration_flops` (tested), so no convolution of the iteration is missing or counted
twice.
"""

import collections
import pathlib
import re

CONV_KERNELS = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")
FOLDED = {"PadWithConv2D": "Conv2D", "FusedConv2D": "Conv2D", "Conv2DBackpropFilterWithBias": "Conv2DBackpropFilter"}
ELEMENTWISE = "activations, concatenation, padding"
ROLE_SUFFIXES = {"_bn": "BatchNorm", "_relu": ELEMENTWISE, "_lrelu": ELEMENTWISE, "_in": ELEMENTWISE,
                 "_pad": ELEMENTWISE}


def op_self_times(xspace_path):
    """[(op name, op type (`op_type_of`), self seconds)] of every TensorFlow op event on the host plane of an
    XSpace file."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(pathlib.Path(xspace_path).read_bytes())
    ops = []
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            events = sorted(line.events, key=lambda event: (event.offset_ps, -event.duration_ps))
            stack = []  # [end ps, index in ops or None] of the enclosing events
            for event in events:
                while stack and stack[-1][0] <= event.offset_ps:
                    stack.pop()
                metadata = plane.event_metadata[event.metadata_id]
                is_op = bool(metadata.display_name) and ":" in metadata.name  # "scope/name:OpType"
                if is_op:
                    parent = next((index for _, index in reversed(stack) if index is not None), None)
                    if parent is not None:
                        name, kind, seconds = ops[parent]
                        ops[parent] = (name, kind, seconds - event.duration_ps * 1e-12)
                    ops.append((metadata.name.rsplit(":", 1)[0], op_type_of(metadata.display_name),
                                event.duration_ps * 1e-12))
                stack.append((event.offset_ps + event.duration_ps, len(ops) - 1 if is_op else None))
    return ops


def op_type_of(display_name):
    """TensorFlow's op type of a traced op, oneDNN's rewrites named by the op they replace: `_MklNativeConv2D` is
    Conv2D, and so are `_MklNativePadWithConv2D` and `_MklNativeFusedConv2D` (a convolution with its padding or
    its bias and activation folded in); `_MklNativeConv2DBackpropFilterWithBias` is Conv2DBackpropFilter (with
    the bias gradient folded in)."""
    op_type = re.sub("^_Mkl(Native)?", "", display_name)
    return FOLDED.get(op_type, op_type)


def layer_of(op_name, layer_names):
    """The model layer whose scope an op name is in (the last path component that names one, as it is or with
    the `_N` TensorFlow appends to a scope entered again), or None."""
    for part in reversed(op_name.split("/")):
        for name in (part, re.sub(r"_\d+$", "", part)):
            if name in layer_names:
                return name
    return None


def kind_of(op_type, layer):
    """An op's kind (see the module docstring) from its op type and its layer's name."""
    if op_type in CONV_KERNELS:
        return op_type
    role = next((kind for suffix, kind in ROLE_SUFFIXES.items() if layer and layer.endswith(suffix)), None)
    return role or op_type


def summarize(ops, iterations, layer_names, layer_flops, batch_size, peak):
    """Per-iteration op time by kind and per (layer, convolution kernel), from `op_self_times`' list.

    Args:
        ops: [(op name, op type, self seconds)] of `iterations` iterations.
        layer_names: the names of the layers of both networks.
        layer_flops: {layer name: forward FLOPs per example} of the convolutions of both networks.
        batch_size: examples per call.
        peak: the convolution peak GFLOP/s to compare each kernel with.
    """
    kinds, convolutions = collections.Counter(), {}
    for name, op_type, seconds in ops:
        layer = layer_of(name, layer_names)
        kinds[kind_of(op_type, layer)] += seconds / iterations
        if op_type in CONV_KERNELS and layer in layer_flops:
            row = convolutions.setdefault((layer, op_type), {"layer": layer, "kernel": op_type, "calls": 0,
                                                              "seconds": 0.0})
            row["calls"] += 1 / iterations
            row["seconds"] += seconds / iterations
    total = sum(kinds.values())
    for row in convolutions.values():
        row["gflop"] = row["calls"] * layer_flops[row["layer"]] * batch_size / 1e9
        row["gflops"] = row["gflop"] / row["seconds"]
        row["of_peak"] = row["gflops"] / peak
    return {"op_seconds": total,
            "kinds": [{"kind": kind, "seconds": seconds, "share": seconds / total}
                      for kind, seconds in kinds.most_common()],
            "convolutions": sorted(convolutions.values(), key=lambda row: -row["seconds"])}


def format_profile(result, rows=12):
    lines = [f"{result['variant']}, batch {result['batch']}, {result['precision']}: op time "
             f"{result['op_seconds']:.3f} s per iteration (wall time under the tracer, which adds its own pauses: "
             f"{result['seconds_per_iteration_traced']:.3f} s), conv peak {result['conv_peak_gflops']:.0f} GFLOP/s",
             "",
             "| kind | s/iter | share |", "|---|---|---|"]
    lines += [f"| {k['kind']} | {k['seconds']:.3f} | {k['share']:.1%} |" for k in result["kinds"][:rows]]
    lines += ["", "| layer | kernel | calls/iter | s/iter | GFLOP/s | of peak |", "|---|---|---|---|---|---|"]
    lines += [f"| {c['layer']} | {c['kernel']} | {c['calls']:g} | {c['seconds']:.3f} | {c['gflops']:.0f} | "
              f"{c['of_peak']:.0%} |" for c in result["convolutions"]]
    return "\n".join(lines)
