"""Tried for issue 12: every stride-2 4x4 layer as a stride-1 2x2 convolution on a space-to-depth view, on the
U-Net's and the PatchGAN's shapes at batch 4, forward and forward + backward (input and weight gradients).

    python results/benchmark/space_to_depth.py > results/benchmark/avx2_space_to_depth.md

A 4x4 stride-2 "same" convolution of x [B, H, W, C] (H, W even) pads one pixel each side and reads x_pad at
2 i + k, k = 2 a + b (a, b in {0, 1}): that is x_s2d[i + a] at phase b, where x_s2d = space_to_depth(x_pad, 2)
[B, H/2 + 1, W/2 + 1, 4 C]. So it equals a 2x2 stride-1 VALID convolution of x_s2d with the kernel
w2[a1, a2, (b1, b2, c)] = w[2 a1 + b1, 2 a2 + b2, c]: the same multiply-adds (to the border), in another kernel of
oneDNN. A 4x4 stride-2 transposed convolution is that map's adjoint: pad x by one pixel, a 2x2 VALID convolution
with w2 mirrored and its channel axes exchanged, depth_to_space, and one pixel cropped from each side.

Prints ms per call and GFLOP/s (the layer's own multiply-adds, x2) for both forms, and the largest difference of
the forward outputs and of the weight gradients relative to their largest entry (float32 sums in another order:
~1e-6).
"""

from tf_colorgan import runtime

runtime.apply()  # oneDNN on and large buffers kept, as in training, before TensorFlow starts

import tensorflow as tf  # noqa: E402

import kernel_timing  # noqa: E402  (this folder's: the script runs as python results/benchmark/NAME.py)


CONVS = {  # layer: (input [B, H, W, C_in], C_out), 4x4 stride 2 "same", batch 4 at 256 x 256
    "g_enc1": ([4, 256, 256, 1], 64),
    "d_conv1": ([4, 256, 256, 3], 64),
    "g_enc2 / d_conv2": ([4, 128, 128, 64], 128),
    "g_enc3 / d_conv3": ([4, 64, 64, 128], 256),
    "g_enc4": ([4, 32, 32, 256], 512),
    "g_enc5": ([4, 16, 16, 512], 512),
    "g_enc8": ([4, 2, 2, 512], 512),
}
DECONVS = {  # layer: (input [B, H, W, C_in], C_out), 4x4 stride 2 "same" transposed
    "g_dec2_deconv": ([4, 2, 2, 1024], 512),
    "g_dec5_deconv": ([4, 16, 16, 1024], 256),
    "g_dec6_deconv": ([4, 32, 32, 512], 128),
    "g_dec7_deconv": ([4, 64, 64, 256], 128),
    "g_dec8_deconv": ([4, 128, 128, 128], 2),
}
PAD = [[0, 0], [1, 1], [1, 1], [0, 0]]


def phase_kernel(kernel):
    """[4, 4, C, D] -> [2, 2, 4 C, D]: w2[a1, a2, (b1, b2, c), d] = w[2 a1 + b1, 2 a2 + b2, c, d]."""
    c, d = kernel.shape[2], kernel.shape[3]
    kernel = tf.reshape(kernel, [2, 2, 2, 2, c, d])  # [a1, b1, a2, b2, c, d]
    return tf.reshape(tf.transpose(kernel, [0, 2, 1, 3, 4, 5]), [2, 2, 4 * c, d])


def conv_s2d(x, kernel):
    return tf.nn.conv2d(tf.nn.space_to_depth(tf.pad(x, PAD), 2), phase_kernel(kernel), 1, "VALID")


def deconv_s2d(x, kernel):
    """kernel [4, 4, C_out, C_in] (Keras' Conv2DTranspose layout)."""
    adjoint = tf.transpose(tf.reverse(phase_kernel(kernel), [0, 1]), [0, 1, 3, 2])  # [2, 2, C_in, 4 C_out]
    y = tf.nn.depth_to_space(tf.nn.conv2d(tf.pad(x, PAD), adjoint, 1, "VALID"), 2)
    return y[:, 1:-1, 1:-1, :]


def deconv(x, kernel):
    b, h, w, _ = x.shape
    return tf.nn.conv2d_transpose(x, kernel, [b, 2 * h, 2 * w, kernel.shape[2]], 2, "SAME")



def compare(name, layer, reference_layer, shape, kernel_shape, flops):
    x = tf.random.normal(shape, seed=1)
    kernel = tf.Variable(tf.random.normal(kernel_shape, stddev=0.02, seed=2))
    dy = tf.random.normal(reference_layer(x, kernel).shape, seed=3)

    def forward_backward(function):
        @tf.function
        def run():
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = function(x, kernel)
            return (y, *tape.gradient(y, [x, kernel], output_gradients=dy))
        return run

    ours, theirs = forward_backward(layer), forward_backward(reference_layer)
    (y_ours, _, dw_ours), (y_theirs, _, dw_theirs) = ours(), theirs()

    def relative(a, b):
        return float(tf.reduce_max(tf.abs(a - b)) / tf.reduce_max(tf.abs(b)))

    forward_ours = tf.function(lambda: layer(x, kernel))
    forward_theirs = tf.function(lambda: reference_layer(x, kernel))
    times = [kernel_timing.seconds_per_call(f) for f in (forward_theirs, forward_ours, theirs, ours)]
    rates = [flops * n / t / 1e9 for n, t in zip((1, 1, 3, 3), times)]
    print(f"| {name} | {times[0] * 1e3:.1f} / {times[1] * 1e3:.1f} | {rates[0]:.0f} / {rates[1]:.0f} | "
          f"{times[2] * 1e3:.1f} / {times[3] * 1e3:.1f} | {rates[2]:.0f} / {rates[3]:.0f} | "
          f"{times[2] / times[3]:.2f} | {relative(y_ours, y_theirs):.1e} | {relative(dw_ours, dw_theirs):.1e} |")
    return times[2], times[3]


def main():
    print(kernel_timing.header("space_to_depth.py"))
    print("| layer | forward ms, 4x4 s2 / s2d | GFLOP/s | forward + backward ms | GFLOP/s | speed-up | "
          "output difference | weight-gradient difference |")
    print("|---|---|---|---|---|---|---|---|")
    totals = [0.0, 0.0]
    for name, (shape, c_out) in CONVS.items():
        flops = 2 * shape[0] * shape[1] * shape[2] // 4 * 16 * shape[3] * c_out
        times = compare(name, conv_s2d, lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"), shape,
                        [4, 4, shape[3], c_out], flops)
        totals = [total + t for total, t in zip(totals, times)]
    for name, (shape, c_out) in DECONVS.items():
        flops = 2 * shape[0] * shape[1] * shape[2] * 16 * shape[3] * c_out
        times = compare(name, deconv_s2d, deconv, shape, [4, 4, c_out, shape[3]], flops)
        totals = [total + t for total, t in zip(totals, times)]
    print(f"\nAll rows, forward + backward: {totals[0] * 1e3:.0f} ms as 4x4 stride 2, {totals[1] * 1e3:.0f} ms "
          f"as space-to-depth ({totals[0] / totals[1]:.2f}x).")


if __name__ == "__main__":
    main()
