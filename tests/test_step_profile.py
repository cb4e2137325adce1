"""The profile of a training iteration (`python -m tf_colorgan.benchmarking.benchmark --profile=N`): every
convolution of the iteration is found in the tf.profiler trace, once, under its layer and kernel."""

import pytest

from tf_colorgan.benchmarking import benchmark, step_profile


@pytest.mark.slow
@pytest.mark.parametrize("variant, d_updates, d_layer", [("lsgan", 1, "d_conv2"), ("ebgan", 1, "d_enc2"),
                                                         ("wgan", 5, "d_conv2")])  # WGAN past its warm-up
def test_the_traced_convolutions_add_up_to_the_iterations_counted_flops(variant, d_updates, d_layer):
    # In a fresh process, as the benchmark runs it (it sets TensorFlow's threads); no peak to measure.
    result = benchmark.in_fresh_process(benchmark.profile_training, variant, 1, "float32", 256, 8, 1, 100.0)
    rows = {(row["layer"], row["kernel"]): row for row in result["convolutions"]}
    # Every FLOP the benchmark counts from the networks' shapes is in a traced kernel call, and nothing more
    # (the sums are of whole numbers of FLOPs, below 2^53: the only error is float rounding of the division).
    assert sum(row["gflop"] for row in rows.values()) == pytest.approx(result["gflop_per_iteration"], rel=1e-12)
    # Hand-counted calls: each discriminator update runs D on the real and the fake batch and takes both weight
    # gradients; the generator update needs no weight gradient of D and no input gradient of G's first layer.
    assert rows[d_layer, "Conv2DBackpropFilter"]["calls"] == 2 * d_updates
    assert rows[d_layer, "Conv2D"]["calls"] == 2 * d_updates + 1
    assert rows["g_enc1", "Conv2D"]["calls"] == d_updates + 1  # the fake batch of each D update, then G's own
    assert rows["g_enc1", "Conv2DBackpropFilter"]["calls"] == 1 and ("g_enc1", "Conv2DBackpropInput") not in rows
    # A transposed convolution's forward is Conv2DBackpropInput, its input gradient Conv2D.
    assert rows["g_dec5_deconv", "Conv2DBackpropInput"]["calls"] == d_updates + 1
    assert rows["g_dec5_deconv", "Conv2D"]["calls"] == 1
    kinds = {kind["kind"]: kind for kind in result["kinds"]}
    assert {"Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "BatchNorm"} <= kinds.keys()
    assert 0 < kinds["BatchNorm"]["seconds"] < result["op_seconds"]


def test_an_ops_self_time_leaves_out_the_ops_nested_in_it(tmp_path):
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    plane = space.planes.add(name="/host:CPU")
    for key, name, display in ((1, "ExecutorState::Process", ""), (2, "while/body:While", "While"),
                               (3, "while/g_enc2_1/convolution:_MklNativeConv2D", "_MklNativeConv2D")):
        plane.event_metadata[key].name, plane.event_metadata[key].display_name = name, display
    line = plane.lines.add(name="tf_Compute/1")
    for key, start_us, duration_us in ((1, 0, 100), (2, 10, 80), (3, 20, 30), (3, 60, 10)):  # nested spans
        line.events.add(metadata_id=key, offset_ps=start_us * 10**6, duration_ps=duration_us * 10**6)
    trace = tmp_path / "host.xplane.pb"
    trace.write_bytes(space.SerializeToString())
    ops = [(name, op_type, round(seconds * 1e6, 6)) for name, op_type, seconds in step_profile.op_self_times(trace)]
    # The While op spans 80 us around 30 + 10 us of convolution: 40 us its own; the executor's span is no op.
    assert ops == [("while/body", "While", 40), ("while/g_enc2_1/convolution", "Conv2D", 30),
                   ("while/g_enc2_1/convolution", "Conv2D", 10)]


def test_op_names_map_to_their_layers_and_onednns_ops_to_tensorflows():
    layers = {"g_enc2", "g_enc2_bn"}
    assert step_profile.layer_of("gradient_tape/generator_1/g_enc2_bn_1/moments/mean", layers) == "g_enc2_bn"
    assert step_profile.layer_of("generator/g_enc2/convolution", layers) == "g_enc2"
    assert step_profile.layer_of("Adam/update", layers) is None
    assert step_profile.op_type_of("_MklNativePadWithConv2D") == "Conv2D"
    assert step_profile.op_type_of("_MklNativeConv2DBackpropFilterWithBias") == "Conv2DBackpropFilter"
    assert step_profile.op_type_of("Conv2DBackpropInput") == "Conv2DBackpropInput"
