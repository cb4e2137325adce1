"""Tried for issue 12: the U-Net's transposed convolutions on small inputs as one matmul and a col2im of shifts.

    python results/benchmark/small_transposed_conv.py > results/benchmark/avx512_zen5_small_transposed_conv.md

A 4x4 stride-2 "same" transposed convolution of x [B, h, w, C_in] with kernel [4, 4, C_out, C_in] adds
x[i] @ kernel[k] into output pixel 2 i + k - 1. So it is one matmul P = x [B h w, C_in] @ kernel as [C_in,
16 C_out], and a col2im: with k = 2 a + r (a, r in {0, 1}), P's slice (a_y, a_x) lands on the padded output at
2 (i + a) + r, i.e. four shifted [B, h + 1, w + 1, 2, 2, C_out] tensors summed, depth_to_space, one pixel cropped
from each side. The profile of the Zen 5 kind put g_dec2 (2 x 2 input) at 3-8 GFLOP/s and g_dec4 (8 x 8) at
54-175 in float32: oneDNN's kernels for these shapes, not the multiply-adds.

Prints ms per call and GFLOP/s (the layer's own multiply-adds, x2) of Keras' layer and of the matmul form,
forward and forward + backward (input and weight gradients), per precision, and the largest difference of the
outputs and of the weight gradients relative to their largest entry.
"""

from tf_colorgan import runtime

runtime.apply()  # oneDNN on and large buffers kept, as in training, before TensorFlow starts

import tensorflow as tf  # noqa: E402

import kernel_timing  # noqa: E402  (this folder's: the script runs as python results/benchmark/NAME.py)

DECONVS = {  # layer: (input [B, h, w, C_in], C_out), batch 4 at 256 x 256
    "g_dec1_deconv": ([4, 1, 1, 512], 512),
    "g_dec2_deconv": ([4, 2, 2, 1024], 512),
    "g_dec4_deconv": ([4, 8, 8, 1024], 512),
    "g_dec5_deconv": ([4, 16, 16, 1024], 256),
}


def transposed_by_matmul(x, kernel):
    """The 4x4 stride-2 "same" transposed convolution of x [B, h, w, C_in] by kernel [4, 4, C_out, C_in]."""
    batch, h, w, c_in = x.shape
    c_out = kernel.shape[2]
    columns = tf.reshape(tf.transpose(kernel, [3, 0, 1, 2]), [c_in, 16 * c_out])
    p = tf.reshape(tf.matmul(tf.reshape(x, [-1, c_in]), columns), [batch, h, w, 2, 2, 2, 2, c_out])
    total = tf.add_n([tf.pad(p[:, :, :, a_y, :, a_x], [[0, 0], [a_y, 1 - a_y], [a_x, 1 - a_x], [0, 0], [0, 0], [0, 0]])
                      for a_y in (0, 1) for a_x in (0, 1)])  # [B, h + 1, w + 1, r_y, r_x, C_out]
    y = tf.reshape(tf.transpose(total, [0, 1, 3, 2, 4, 5]), [batch, 2 * h + 2, 2 * w + 2, c_out])
    return y[:, 1:-1, 1:-1]


def by_keras(x, kernel):
    batch, h, w, _ = x.shape
    return tf.nn.conv2d_transpose(x, kernel, [batch, 2 * h, 2 * w, kernel.shape[2]], 2, "SAME")


def main():
    print(kernel_timing.header("small_transposed_conv.py"))
    print("| layer | precision | Keras fwd ms | matmul fwd ms | Keras fwd+bwd ms | matmul fwd+bwd ms | speed-up "
          "fwd+bwd | GFLOP/s Keras / matmul (fwd+bwd) | max rel. diff out / weight grad |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (shape, c_out) in DECONVS.items():
        for dtype in (tf.float32, tf.bfloat16):
            x = tf.cast(tf.random.stateless_normal(shape, [0, 1]), dtype)
            kernel = tf.Variable(tf.cast(tf.random.stateless_normal([4, 4, c_out, shape[-1]], [0, 2]) * 0.02, dtype))
            flop = 2 * shape[0] * shape[1] * shape[2] * shape[3] * 16 * c_out
            results = {}
            for form, function in (("keras", by_keras), ("matmul", transposed_by_matmul)):
                forward = tf.function(lambda: function(x, kernel))

                @tf.function
                def both(function=function):
                    with tf.GradientTape() as tape:
                        tape.watch(x)
                        y = function(x, kernel)
                        loss = tf.reduce_sum(tf.cast(y, tf.float32) * tf.cast(tf.sin(y), tf.float32))
                    return (y, *tape.gradient(loss, [x, kernel]))

                results[form] = (kernel_timing.seconds_per_call(forward, 10), kernel_timing.seconds_per_call(both, 10),
                                 both())
            (k_fwd, k_both, (k_y, _, k_dw)), (m_fwd, m_both, (m_y, _, m_dw)) = results["keras"], results["matmul"]

            def relative(a, b):
                a, b = tf.cast(a, tf.float32), tf.cast(b, tf.float32)
                return float(tf.reduce_max(tf.abs(a - b)) / tf.reduce_max(tf.abs(a)))

            print(f"| {name} | {dtype.name} | {k_fwd * 1e3:.2f} | {m_fwd * 1e3:.2f} | {k_both * 1e3:.2f} | "
                  f"{m_both * 1e3:.2f} | {k_both / m_both:.2f}x | {3 * flop / k_both / 1e9:.0f} / "
                  f"{3 * flop / m_both / 1e9:.0f} | {relative(k_y, m_y):.1e} / {relative(k_dw, m_dw):.1e} |")


if __name__ == "__main__":
    main()
