"""The three networks of the colorization study, layer by layer as the original code built them.

* `unet_generator`: the pix2pix U-Net that maps L' [B, S, S, 1] to ab' [B, S, S, 2] (docs/original-code.md 2.2).
* `patch_discriminator`: the 70x70 PatchGAN on concat(L', ab') -> logits [B, S/8 - 2, S/8 - 2, 1] (2.3).
* `energy_discriminator`: the EBGAN auto-encoder on ab' only -> reconstruction [B, S, S, 2] (2.4).

L' = L/50 - 1 and ab' = ab/110 (see `tf_colorgan.color.normalize_lab`). Conventions of the original that are
kept: 4x4 kernels; no biases in the U-Net and PatchGAN; kernels drawn from N(0, 0.02); BatchNorm with
epsilon 1e-5, scale ~ N(1, 0.02), offset 0. The original's "pad 1 pixel, then VALID" convolution equals Keras
"same" padding for the stride-2 layers and is written out with `ZeroPadding2D` for the stride-1 layers.
Every layer is named after the original's scope (`g_enc1`, `d_conv4`, ...) for readable checkpoints; nothing
selects variables by name.
"""

import keras
from keras import layers

from tf_colorgan.networks import train_mode

LEAK = 0.2  # lrelu(x) = max(0.2 x, x), everywhere in the original.


def _normal_init():
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _pix2pix_batch_norm(name, train_mode_inference):
    return train_mode.TrainModeBatchNorm(
        train_mode_inference=train_mode_inference,
        epsilon=1e-5,
        gamma_initializer=keras.initializers.RandomNormal(mean=1.0, stddev=0.02),
        name=name,
    )


def _conv(filters, name, strides=2, kernel_size=4):
    return layers.Conv2D(
        filters, kernel_size, strides, padding="same", use_bias=False,
        kernel_initializer=_normal_init(), name=name,
    )


def _up(x, filters, name, resize_conv):
    """Doubles H and W: transposed conv k4 s2, or nearest-neighbour resize then conv k3 s1 (`--upconvs`)."""
    if resize_conv:
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
        return _conv(filters, f"{name}_conv", strides=1, kernel_size=3)(x)
    return layers.Conv2DTranspose(
        filters, 4, 2, padding="same", use_bias=False, kernel_initializer=_normal_init(),
        name=f"{name}_deconv",
    )(x)


ENCODER_FILTERS = (64, 128, 256, 512, 512, 512, 512, 512)


DECODER_FILTERS = (512, 512, 512, 512, 256, 128, 128)  # dec1..dec7; dec7 is 128 wide (pix2pix: 64).


def scaled(filters, width):
    """A layer's filters at `width` (the first layer's filters; the original's 64): filters * width / 64, at
    least 1. Every network of this module scales all its hidden layers with it."""
    return max(1, filters * width // 64)


def unet_generator(size=256, upconvs=False, train_mode_inference=True, width=64, name="generator"):
    """The U-Net generator L' -> ab' of the original `pix2pix.netG` (docs/original-code.md 2.2).

    Encoder g_enc1..8: conv k4 s2, BN (not on enc1), lrelu(0.2); 256 -> 1 pixels, widths 64-128-256-512 x5.
    Decoder g_dec1..7: up x2, BN, ReLU; widths 512 x4, 256, 128, 128; dropout 0.5 after dec1 only; the input of
    dec k+1 is concat(enc_{8-k}, dec_k) (dec2: concat(dec1, enc7)); dec8 = up to 2 channels + tanh, fed by dec7
    alone (no enc1 skip). "Up" is a transposed conv k4 s2, except that g_dec3 is always a nearest resize + conv
    k3 s1 (the report-era code, C2); `upconvs=True` makes every up a resize-conv.

    Args:
        size: input height and width, a positive multiple of 256 (eight stride-2 levels).
        upconvs: resize-convolutions instead of transposed convolutions in the decoder.
        train_mode_inference: BatchNorm on batch statistics and dropout also at inference (the original).
        width: g_enc1's filters (the original: 64); every hidden layer's widths scale with it (`scaled`), e.g.
            8 for fast tests of behaviour.
        name: the model's name.

    Returns:
        A `keras.Model`: float [B, size, size, 1] L' in [-1, 1] -> float32 [B, size, size, 2] ab' in (-1, 1).

    Example:
        >>> generator = unet_generator()
        >>> generator.count_params()
        51014144
    """
    if size <= 0 or size % 256:
        raise ValueError("Invalid `size`: expected a positive multiple of 256 (the U-Net halves it 8 times). "
                         f"Received: size={size}")
    l_channel = keras.Input((size, size, 1), name="l")
    x = l_channel
    skips = []
    for i, filters in enumerate(ENCODER_FILTERS, start=1):
        x = _conv(scaled(filters, width), f"g_enc{i}")(x)
        if i > 1:
            x = _pix2pix_batch_norm(f"g_enc{i}_bn", train_mode_inference)(x)
        x = layers.LeakyReLU(LEAK, name=f"g_enc{i}_lrelu")(x)
        skips.append(x)
    for i, filters in enumerate(DECODER_FILTERS, start=1):
        x = _up(x, scaled(filters, width), f"g_dec{i}", resize_conv=upconvs or i == 3)
        x = _pix2pix_batch_norm(f"g_dec{i}_bn", train_mode_inference)(x)
        x = layers.ReLU(name=f"g_dec{i}_relu")(x)
        if i == 1:
            x = train_mode.TrainModeDropout(0.5, train_mode_inference, name="g_dec1_dropout")(x)
            x = layers.Concatenate(name="g_dec2_in")([x, skips[6]])
        elif i < 7:
            x = layers.Concatenate(name=f"g_dec{i + 1}_in")([skips[7 - i], x])
    x = _up(x, 2, "g_dec8", resize_conv=upconvs)
    ab = layers.Activation("tanh", dtype="float32", name="ab")(x)
    return keras.Model(l_channel, ab, name=name)


def patch_discriminator(size=256, norm="batch", width=64, name="discriminator"):
    """The 70x70 PatchGAN of the original `pix2pix.netD` on concat(L', ab') (docs/original-code.md 2.3).

    d_conv1 64 k4 s2 lrelu; d_conv2 128 k4 s2, d_conv3 256 k4 s2, d_conv4 512 k4 s1 (pad 1, VALID), each
    with normalisation and lrelu; d_conv5 1 k4 s1 (pad 1, VALID), no activation. No biases.

    Args:
        size: input height and width, a multiple of 8 and at least 32.
        norm: "batch" (the original: BatchNorm on batch statistics) or "layer" (per-sample normalisation over
            H, W, C with a per-channel scale and offset, for the gradient penalty, which BatchNorm breaks).
        width: d_conv1's filters (the original: 64); the hidden widths scale with it (`scaled`).
        name: the model's name.

    Returns:
        A `keras.Model`: [L' [B, size, size, 1], ab' [B, size, size, 2]] -> float32 logits
        [B, size/8 - 2, size/8 - 2, 1] in (-inf, inf) (30 x 30 at size 256).
    """
    if norm not in ("batch", "layer"):
        raise ValueError("Invalid value for argument `norm`. Expected one of ('batch', 'layer'). "
                         f"Received: norm={norm!r}")
    if size < 32 or size % 8:
        raise ValueError(f"Invalid `size`: expected a multiple of 8 and at least 32. Received: size={size}")
    l_channel = keras.Input((size, size, 1), name="l")
    ab = keras.Input((size, size, 2), name="ab")
    x = layers.Concatenate(name="d_in")([l_channel, ab])
    for i, (filters, strides) in enumerate(((64, 2), (128, 2), (256, 2), (512, 1)), start=1):
        if strides == 1:
            x = layers.ZeroPadding2D(1, name=f"d_conv{i}_pad")(x)
        x = layers.Conv2D(scaled(filters, width), 4, strides, padding="same" if strides == 2 else "valid",
                          use_bias=False, kernel_initializer=_normal_init(), name=f"d_conv{i}")(x)
        if i > 1 and norm == "batch":
            x = _pix2pix_batch_norm(f"d_conv{i}_bn", train_mode_inference=True)(x)
        elif i > 1:
            x = layers.GroupNormalization(groups=1, epsilon=1e-5, name=f"d_conv{i}_ln")(x)
        x = layers.LeakyReLU(LEAK, name=f"d_conv{i}_lrelu")(x)
    x = layers.ZeroPadding2D(1, name="d_conv5_pad")(x)
    logits = layers.Conv2D(1, 4, 1, padding="valid", use_bias=False, kernel_initializer=_normal_init(),
                           dtype="float32", name="d_conv5")(x)
    return keras.Model([l_channel, ab], logits, name=name)


def energy_discriminator(size=256, width=64, name="discriminator"):
    """The EBGAN auto-encoder discriminator of the original `pix2pix.energyNetD` (docs/original-code.md 2.4).

    It sees ab' only (not L'). TF1 contrib-layer conventions: Glorot-uniform kernels; k4 s2 "same"; BatchNorm
    with epsilon 1e-3, an offset and no scale, always on batch statistics; a bias only where there is no
    BatchNorm. Encoder: 64 lrelu, then 128, 256, 512 with BN + lrelu (a [B, S/16, S/16, 512] code). Decoder:
    transposed convs 256, 128, 64 with BN + lrelu, then 2 + tanh.

    Args:
        size: input height and width, a multiple of 16.
        width: d_enc1's filters (the original: 64); the hidden widths scale with it (`scaled`).
        name: the model's name.

    Returns:
        A `keras.Model`: ab' [B, size, size, 2] -> float32 reconstruction [B, size, size, 2] in (-1, 1).
    """
    if size <= 0 or size % 16:
        raise ValueError(f"Invalid `size`: expected a positive multiple of 16. Received: size={size}")

    def contrib_batch_norm(name):
        return train_mode.TrainModeBatchNorm(train_mode_inference=True, epsilon=1e-3, scale=False, name=name)

    ab = keras.Input((size, size, 2), name="ab")
    x = layers.Conv2D(scaled(64, width), 4, 2, padding="same", name="d_enc1")(ab)
    x = layers.LeakyReLU(LEAK, name="d_enc1_lrelu")(x)
    for i, filters in enumerate((128, 256, 512), start=2):
        x = layers.Conv2D(scaled(filters, width), 4, 2, padding="same", use_bias=False, name=f"d_enc{i}")(x)
        x = contrib_batch_norm(f"d_enc{i}_bn")(x)
        x = layers.LeakyReLU(LEAK, name=f"d_enc{i}_lrelu")(x)
    for i, filters in enumerate((256, 128, 64), start=1):
        x = layers.Conv2DTranspose(scaled(filters, width), 4, 2, padding="same", use_bias=False,
                                   name=f"d_dec{i}")(x)
        x = contrib_batch_norm(f"d_dec{i}_bn")(x)
        x = layers.LeakyReLU(LEAK, name=f"d_dec{i}_lrelu")(x)
    x = layers.Conv2DTranspose(2, 4, 2, padding="same", name="d_dec4")(x)
    reconstruction = layers.Activation("tanh", dtype="float32", name="reconstruction")(x)
    return keras.Model(ab, reconstruction, name=name)
