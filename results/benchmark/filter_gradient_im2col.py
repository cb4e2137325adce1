"""Tried for issue 12: the weight gradient of a convolution as one matmul of image patches (im2col) instead of
TensorFlow's Conv2DBackpropFilter (oneDNN's kernel), on the U-Net's and the PatchGAN's shapes at batch 4.

    python results/benchmark/filter_gradient_im2col.py > results/benchmark/avx2_filter_gradient_im2col.md

dW[kh, kw, c_in, c_out] = sum over (b, i, j) of x_pad[b, s i + kh, s j + kw, c_in] dY[b, i, j, c_out]: the patches
of x ([B H_out W_out, k k C_in], `tf.image.extract_patches`, same padding as the convolution) transposed times dY
([B H_out W_out, C_out]). A transposed convolution's weight gradient is the same computation with the roles of its
input and output gradient exchanged (the rows marked "as conv of dY"). Prints ms per call, GFLOP/s and the
largest difference relative to the largest weight-gradient entry (float32 sums in another order: ~1e-6).
"""

from tf_colorgan import runtime

runtime.apply()  # oneDNN on and large buffers kept, as in training, before TensorFlow starts

import tensorflow as tf  # noqa: E402

import kernel_timing  # noqa: E402  (this folder's: the script runs as python results/benchmark/NAME.py)


CASES = {  # layer: (input [B, H, W, C_in], k, C_out, stride, padding), batch 4 at 256 x 256
    "d_conv2": ([4, 128, 128, 64], 4, 128, 2, "SAME"),
    "d_conv4": ([4, 34, 34, 256], 4, 512, 1, "VALID"),  # after its 1-pixel zero padding
    "g_enc2": ([4, 128, 128, 64], 4, 128, 2, "SAME"),
    "g_dec7_deconv (as conv of dY)": ([4, 128, 128, 128], 4, 256, 2, "SAME"),
    "g_dec2_deconv (as conv of dY)": ([4, 4, 4, 512], 4, 1024, 2, "SAME"),
    "g_enc8": ([4, 2, 2, 512], 4, 512, 2, "SAME"),
}



def main():
    print(kernel_timing.header("filter_gradient_im2col.py"))
    print("| layer | Conv2DBackpropFilter ms | GFLOP/s | im2col + matmul ms | GFLOP/s | relative difference |")
    print("|---|---|---|---|---|---|")
    for name, (shape, k, c_out, stride, padding) in CASES.items():
        x = tf.random.normal(shape, seed=1)
        c_in = shape[-1]
        dy = tf.random.normal(tf.nn.conv2d(x, tf.zeros([k, k, c_in, c_out]), stride, padding).shape, seed=2)
        flops = 2 * dy.shape[0] * dy.shape[1] * dy.shape[2] * c_out * k * k * c_in
        onednn = tf.function(lambda: tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=[k, k, c_in, c_out], out_backprop=dy, strides=[1, stride, stride, 1],
            padding=padding))

        @tf.function
        def im2col():
            patches = tf.image.extract_patches(x, [1, k, k, 1], [1, stride, stride, 1], [1, 1, 1, 1], padding)
            product = tf.matmul(tf.reshape(patches, [-1, k * k * c_in]), tf.reshape(dy, [-1, c_out]), transpose_a=True)
            return tf.reshape(product, [k, k, c_in, c_out])

        reference = onednn()
        difference = float(tf.reduce_max(tf.abs(reference - im2col())) / tf.reduce_max(tf.abs(reference)))
        theirs, ours = kernel_timing.seconds_per_call(onednn), kernel_timing.seconds_per_call(im2col)
        print(f"| {name} | {theirs * 1e3:.1f} | {flops / theirs / 1e9:.0f} | {ours * 1e3:.1f} | "
              f"{flops / ours / 1e9:.0f} | {difference:.1e} |")


if __name__ == "__main__":
    main()
