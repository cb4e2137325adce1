"""The three networks against their specification (docs/original-code.md 2.2-2.4): shapes and parameter counts."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan.networks import pix2pix, train_mode


def conv(k, c_in, c_out, bias=False):
    return k * k * c_in * c_out + (c_out if bias else 0)


def unet_trainable_count(upconvs, width=64):
    k = width / 64  # every hidden width scales with --width; L' in (1 channel) and ab' out (2) do not
    encoder = [(1, 64 * k), (64 * k, 128 * k), (128 * k, 256 * k)] + [(256 * k, 512 * k)] + [(512 * k, 512 * k)] * 4
    # dec_k input widths: dec1 enc8; dec2 concat(dec1, enc7); dec3..5 concat(enc, dec); dec6 enc3 256 + dec5 256;
    # dec7 enc2 128 + dec6 128; dec8 dec7 alone (no enc1 skip).
    decoder = [(512 * k, 512 * k)] + [(1024 * k, 512 * k)] * 3 + [(1024 * k, 256 * k), (512 * k, 128 * k),
                                                                   (256 * k, 128 * k), (128 * k, 2)]
    total = sum(conv(4, c_in, c_out) for c_in, c_out in encoder)
    for i, (c_in, c_out) in enumerate(decoder, start=1):
        total += conv(3 if upconvs or i == 3 else 4, c_in, c_out)  # dec3 is always a resize-conv (C2)
    batch_norm_widths = [c for _, c in encoder[1:]] + [c for _, c in decoder[:7]]
    return total + sum(2 * c for c in batch_norm_widths)  # scale and offset


@pytest.mark.parametrize("upconvs", [False, True])
def test_unet_parameter_count_and_shapes(upconvs):
    generator = pix2pix.unet_generator(upconvs=upconvs)
    assert sum(int(np.prod(w.shape)) for w in generator.trainable_weights) == unet_trainable_count(upconvs)
    moving_statistics = 2 * (128 + 256 + 512 * 5 + 512 * 4 + 256 + 128 + 128)  # mean and variance per BN channel
    assert generator.count_params() == unet_trainable_count(upconvs) + moving_statistics
    assert generator.output_shape == (None, 256, 256, 2)
    widths = {layer.name: layer.output.shape[-1] for layer in generator.layers}
    assert widths["g_dec7_relu"] == 128 and widths["g_enc8_lrelu"] == 512
    assert "g_dec3_resize" in widths  # resize-conv whatever upconvs says
    assert ("g_dec4_resize" in widths) == upconvs


@pytest.mark.parametrize("width", [8, 1])
def test_a_narrower_unet_scales_every_hidden_width(width):
    generator = pix2pix.unet_generator(width=width)
    assert sum(int(np.prod(w.shape)) for w in generator.trainable_weights) == unet_trainable_count(False, width)
    assert generator.output_shape == (None, 256, 256, 2)
    assert generator.get_layer("g_dec7_relu").output.shape[-1] == 128 * width // 64


@pytest.mark.parametrize("builder, first", [(pix2pix.patch_discriminator, "d_conv1"),
                                            (pix2pix.energy_discriminator, "d_enc1")])
def test_narrower_discriminators_keep_their_inputs_and_outputs(builder, first):
    original, narrow = builder(), builder(width=8)
    assert narrow.get_layer(first).filters == 8 and narrow.output_shape == original.output_shape
    assert [layer.name for layer in narrow.layers] == [layer.name for layer in original.layers]
    for layer in original.layers:  # every convolution 1/8 as wide, but the single logit or the two ab channels
        if hasattr(layer, "filters"):
            expected = layer.filters // 8 if layer.filters > 2 else layer.filters
            assert narrow.get_layer(layer.name).filters == expected, layer.name


def test_unet_has_no_enc1_skip_and_dropout_only_in_dec1():
    generator = pix2pix.unet_generator()
    dec8 = generator.get_layer("g_dec8_deconv")
    assert dec8.input.shape[-1] == 128  # dec7 alone, not concat(enc1, dec7)
    dropouts = [layer.name for layer in generator.layers if isinstance(layer, train_mode.TrainModeDropout)]
    assert dropouts == ["g_dec1_dropout"]


def test_patch_discriminator_parameter_count_and_70x70_output():
    discriminator = pix2pix.patch_discriminator()
    expected = (conv(4, 3, 64) + conv(4, 64, 128) + conv(4, 128, 256) + conv(4, 256, 512) + conv(4, 512, 1)
                + 2 * (128 + 256 + 512))
    assert sum(int(np.prod(w.shape)) for w in discriminator.trainable_weights) == expected
    assert discriminator.output_shape == (None, 30, 30, 1)
    assert discriminator.output.dtype == "float32"


def test_patch_discriminator_layer_norm_variant_has_no_batch_statistics():
    discriminator = pix2pix.patch_discriminator(norm="layer")
    assert discriminator.non_trainable_weights == []
    assert discriminator.output_shape == (None, 30, 30, 1)


def test_energy_discriminator_parameter_count_and_shapes():
    discriminator = pix2pix.energy_discriminator()
    encoder = conv(4, 2, 64, bias=True) + conv(4, 64, 128) + conv(4, 128, 256) + conv(4, 256, 512)
    decoder = conv(4, 512, 256) + conv(4, 256, 128) + conv(4, 128, 64) + conv(4, 64, 2, bias=True)
    offsets = 128 + 256 + 512 + 256 + 128 + 64  # contrib batch_norm: center only, no scale
    assert sum(int(np.prod(w.shape)) for w in discriminator.trainable_weights) == encoder + decoder + offsets
    assert discriminator.output_shape == (None, 256, 256, 2)
    assert discriminator.get_layer("d_enc4").output.shape[1:] == (16, 16, 512)


def test_train_mode_inference_uses_batch_statistics_and_textbook_mode_does_not():
    l_channel = tf.random.uniform([2, 256, 256, 1], -1.0, 1.0, seed=0)
    faithful = pix2pix.unet_generator(train_mode_inference=True)
    alone = faithful(l_channel[:1], training=False)
    together = faithful(l_channel, training=False)[:1]
    assert float(tf.reduce_max(tf.abs(alone - together))) > 1e-3  # the output depends on the batch (C12)

    textbook = pix2pix.unet_generator(train_mode_inference=False)
    first = textbook(l_channel, training=False)
    np.testing.assert_allclose(textbook(l_channel[:1], training=False), first[:1], atol=1e-5)
    np.testing.assert_allclose(textbook(l_channel, training=False), first, atol=1e-6)  # no dropout


def test_inference_inside_dropout_seeds_kept_leaves_the_next_mask_unchanged():
    generator = pix2pix.unet_generator()
    l_channel = tf.random.uniform([2, 256, 256, 1], -1.0, 1.0, seed=0)  # 2: BatchNorm of one value at 1 x 1 is 0
    (seed,) = train_mode.dropout_seeds(generator)
    before = seed.numpy()
    with train_mode.dropout_seeds_kept(generator):
        first = generator(l_channel, training=False)  # a sample grid, with the faithful dropout at inference
        assert seed.numpy()[1] == before[1] + 1  # each call advances the seed generator's counter
    np.testing.assert_array_equal(seed.numpy(), before)
    np.testing.assert_array_equal(generator(l_channel, training=True), first)  # the same mask again
    assert not np.array_equal(generator(l_channel, training=True), first)  # and a new one after it


@pytest.mark.parametrize("builder, size", [(pix2pix.unet_generator, 128), (pix2pix.unet_generator, 300),
                                           (pix2pix.patch_discriminator, 20), (pix2pix.energy_discriminator, 40)])
def test_bad_sizes_are_refused_with_one_clear_message(builder, size):
    with pytest.raises(ValueError, match=f"Invalid `size`.*Received: size={size}"):
        builder(size=size)


def test_bad_norm_is_refused():
    with pytest.raises(ValueError, match="Expected one of \\('batch', 'layer'\\). Received: norm='instance'"):
        pix2pix.patch_discriminator(norm="instance")


def _forward_backward(layer, x, dy):
    """[y, dx, d gamma, d beta] of a training call, for the upstream gradient dy."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
    return [y, *tape.gradient(y, [x, *layer.trainable_weights], output_gradients=dy)]


@pytest.mark.parametrize("shape, scale", [([4, 8, 8, 16], True), ([4, 8, 8, 16], False), ([1, 1, 1, 8], True)])
def test_fused_batch_norm_computes_what_keras_batch_norm_computes(shape, scale):
    # The fused kernel against Keras' own layer with the same weights: outputs, the three gradients and the moving
    # statistics after one training call. [1, 1, 1, C] is the U-Net's bottleneck at batch 1 (n = 1: y = beta, a
    # zero variance). Both sum n = N H W float32 values in different orders: relative error up to ~n x 2^-24
    # (1.5e-5 at n = 256) on unit-sized normalised values, hence rtol 2e-5. And Keras computes y as
    # x inv + (beta - mean inv), inv = gamma / sqrt(variance + epsilon): two roundings of terms of size
    # |x| inv, which cancel to (x - mean) inv; at n = 1, inv = gamma / sqrt(epsilon) makes them ~10^3 (atol below).
    x = tf.random.normal(shape, mean=3.0, stddev=2.0, seed=1)
    dy = tf.random.normal(shape, seed=2)
    fused = train_mode.TrainModeBatchNorm(epsilon=1e-5, momentum=0.9, scale=scale)
    keras_norm = keras.layers.BatchNormalization(epsilon=1e-5, momentum=0.9, scale=scale)
    for layer in (fused, keras_norm):
        layer.build(shape)
        layer.set_weights([np.linspace(0.5, 1.5, w.shape[0], dtype=np.float32) for w in layer.get_weights()])

    traced = tf.function(_forward_backward).get_concrete_function(fused, x, dy).graph.get_operations()
    assert "FusedBatchNormV3" in {op.type for op in traced}  # the fused path is the one compared
    variance = tf.nn.moments(x, [0, 1, 2])[1]
    terms = float(tf.reduce_max(tf.abs(x)) * 1.5 / tf.sqrt(tf.reduce_min(variance) + 1e-5))  # max |x| inv
    for ours, theirs in zip(_forward_backward(fused, x, dy) + fused.non_trainable_weights,
                            _forward_backward(keras_norm, x, dy) + keras_norm.non_trainable_weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-5 + terms * 2**-22)


@pytest.mark.bfloat16
def test_fused_batch_norm_in_bfloat16_computes_what_keras_batch_norm_computes():
    # Under mixed_bfloat16 both compute in float32 from the same bfloat16 x (Keras casts x up; the kernel
    # converts each element) and round y and dx to bfloat16 once: float32 values that agree to ~1e-5 round to
    # bfloat16 values at most one unit in the last place apart, 2^-7 of the largest entry at most (8 significant
    # bits). The float32 gradients of gamma and beta and the moving statistics: as in the float32 test above.
    shape = [4, 8, 8, 16]
    x = tf.cast(tf.random.normal(shape, mean=3.0, stddev=2.0, seed=1), tf.bfloat16)
    dy = tf.cast(tf.random.normal(shape, seed=2), tf.bfloat16)
    layers = [train_mode.TrainModeBatchNorm(epsilon=1e-5, momentum=0.9, dtype="mixed_bfloat16"),
              keras.layers.BatchNormalization(epsilon=1e-5, momentum=0.9, dtype="mixed_bfloat16")]
    results = []
    for layer in layers:
        layer.build(shape)
        layer.set_weights([np.linspace(0.5, 1.5, w.shape[0], dtype=np.float32) for w in layer.get_weights()])
        step = tf.function(lambda layer=layer: _forward_backward(layer, x, dy))
        assert ("FusedBatchNormV3" in {op.type for op in step.get_concrete_function().graph.get_operations()}) == (
            layer is layers[0])
        results.append([tf.cast(value, tf.float32) for value in step() + layer.non_trainable_weights])
    (y, dx, *float32_values), (keras_y, keras_dx, *keras_float32_values) = results
    assert layers[0](x, training=True).dtype == tf.bfloat16
    for ours, theirs in ((y, keras_y), (dx, keras_dx)):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=float(tf.reduce_max(tf.abs(theirs))) * 2**-7)
    for ours, theirs in zip(float32_values, keras_float32_values, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("dtype, synchronized", [("float32", False),  # the fused kernel
                                                 pytest.param("mixed_bfloat16", False, marks=pytest.mark.bfloat16),
                                                 ("float32", True), ("mixed_bfloat16", True)])  # Keras' ops
def test_inference_on_batch_statistics_leaves_the_moving_averages(dtype, synchronized):
    # A sample grid or a held-out score (training=False with the original's train-mode inference) normalises
    # with the batch's moments exactly as a training call does, and only the training call moves the averages.
    x = tf.random.normal([4, 8, 8, 16], mean=3.0, stddev=2.0, seed=1)
    norm = train_mode.TrainModeBatchNorm(epsilon=1e-5, momentum=0.9, dtype=dtype, synchronized=synchronized)
    norm.build(x.shape)
    start = [w.numpy() for w in norm.non_trainable_weights]
    inference = norm(x, training=False)
    for weight, value in zip(norm.non_trainable_weights, start, strict=True):
        np.testing.assert_array_equal(weight, value)
    np.testing.assert_array_equal(norm(x, training=True), inference)  # the same ops on the same batch
    mean, variance = tf.nn.moments(tf.cast(tf.cast(x, norm.compute_dtype), tf.float32), [0, 1, 2])  # as it sees x
    np.testing.assert_allclose(norm.moving_mean, 0.1 * mean, rtol=1e-5)  # momentum 0.9 from 0
    np.testing.assert_allclose(norm.moving_variance, 0.9 + 0.1 * variance, rtol=1e-5)
