"""Issue 12: BatchNorm in training, forward and backward, as Keras' BatchNormalization computes it (separate mean,
variance and scale ops) and as `networks.TrainModeBatchNorm` does (one FusedBatchNormV3), on the U-Net's shapes
at batch 4.

    python results/benchmark/fused_batch_norm.py > results/benchmark/avx2_fused_batch_norm.md
    python results/benchmark/fused_batch_norm.py --dtypes=float32,mixed_bfloat16 > results/benchmark/...

Prints ms per call (outputs, and gradients of x, gamma and beta for a fixed upstream gradient) and the largest
difference of all four relative to each one's largest entry (float32 sums in another order: ~1e-6; under
mixed_bfloat16 the bfloat16 outputs and input gradients may differ by one unit in the last place, up to 2^-7).
"""

import sys

from tf_colorgan import runtime

runtime.apply()  # oneDNN on and large buffers kept, as in training, before TensorFlow starts

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import kernel_timing  # noqa: E402  (this folder's: the script runs as python results/benchmark/NAME.py)
from tf_colorgan import networks  # noqa: E402

SHAPES = {  # layers: the BatchNorm input [B, H, W, C], batch 4 at 256 x 256
    "g_dec6_bn": [4, 128, 128, 128],
    "g_enc2_bn, d_conv2_bn": [4, 64, 64, 128],
    "g_enc3_bn, g_dec5_bn, d_conv3_bn": [4, 32, 32, 256],
    "d_conv4_bn": [4, 31, 31, 512],
    "g_enc4_bn, g_dec4_bn": [4, 16, 16, 512],
    "g_enc7_bn, g_dec1_bn": [4, 2, 2, 512],
}



def main(dtypes):
    print(kernel_timing.header("fused_batch_norm.py " + " ".join(sys.argv[1:])))
    print("| layers | input | dtype policy | Keras ms | fused ms | speed-up | largest relative difference |")
    print("|---|---|---|---|---|---|---|")
    for policy in dtypes:
        totals = [0.0, 0.0]
        dtype = keras.DTypePolicy(policy).compute_dtype
        for names, shape in SHAPES.items():
            x = tf.cast(tf.random.normal(shape, mean=0.5, seed=1), dtype)
            dy = tf.cast(tf.random.normal(shape, seed=2), dtype)

            def forward_backward(layer):
                layer.build(shape)

                @tf.function
                def run():
                    with tf.GradientTape() as tape:
                        tape.watch(x)
                        y = layer(x, training=True)
                    return [tf.cast(value, tf.float32)
                            for value in [y, *tape.gradient(y, [x, *layer.trainable_weights], output_gradients=dy)]]
                return run

            keras_run = forward_backward(keras.layers.BatchNormalization(epsilon=1e-5, dtype=policy))
            fused_run = forward_backward(networks.TrainModeBatchNorm(epsilon=1e-5, dtype=policy))
            difference = max(float(tf.reduce_max(tf.abs(a - b)) / tf.reduce_max(tf.abs(a)))
                             for a, b in zip(keras_run(), fused_run()))
            theirs, ours = (kernel_timing.seconds_per_call(run, 10) for run in (keras_run, fused_run))
            totals = [totals[0] + theirs, totals[1] + ours]
            print(f"| {names} | {shape} | {policy} | {theirs * 1e3:.1f} | {ours * 1e3:.1f} | {theirs / ours:.2f} | "
                  f"{difference:.1e} |")
        print(f"| all rows | | {policy} | {totals[0] * 1e3:.0f} | {totals[1] * 1e3:.0f} | "
              f"{totals[0] / totals[1]:.2f} | |")


if __name__ == "__main__":
    arguments = dict(argument.removeprefix("--").split("=", 1) for argument in sys.argv[1:])
    main(arguments.get("dtypes", "float32").split(","))
