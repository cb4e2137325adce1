"""Frechet Inception distance (FID, Heusel et al. 2017) of colorized photos against their colour truths.

    FID = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))    (`classifier_distance.frechet_distance`)

over the 2048-d average-pool features of Keras' InceptionV3 with its ImageNet weights, each photo (uint8
[N, H, W, 3]) resized bilinearly to 299 x 299 and scaled to [-1, 1] (`inception_v3.preprocess_input`), as the
reference implementation feeds it. FID needs many images to be stable (the field reports it on 10,000 or more);
on a few dozen it is biased upwards and only comparable between models scored on the same photos.
"""

import numpy as np

from tf_colorgan.tasks.generate import classifier_distance

SIZE = 299
FEATURE_DIM = 2048


def load_inception(weights="imagenet"):
    """(InceptionV3 features model, None), or (None, one clear message) when the weights cannot be loaded.

    Args:
        weights: "imagenet" (Keras downloads them once into ~/.keras/models), the path of Keras' notop weights
            file (inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5), or None for random weights (tests).
    """
    import keras

    try:
        model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=weights,
                                               input_shape=(SIZE, SIZE, 3))
    except Exception as error:  # noqa: BLE001 (a download, a missing file or a bad file: Keras raises many types)
        return None, (f"FID not computed: the InceptionV3 ImageNet weights could not be loaded from {weights!r} "
                      f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}). Expected "
                      "internet access once (Keras keeps them in ~/.keras/models) or --inception_weights=PATH of "
                      "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5.")
    return model, None


def features(model, images, batch_size=16):
    """float64 [N, 2048]: InceptionV3 average-pool features of uint8 photos [N, H, W, 3]."""
    import keras
    import tensorflow as tf

    def prepare(batch):
        resized = tf.image.resize(tf.cast(batch, tf.float32), [SIZE, SIZE], method="bilinear")
        return keras.applications.inception_v3.preprocess_input(resized)

    return np.concatenate([model.predict_on_batch(prepare(images[i:i + batch_size]))
                           for i in range(0, len(images), batch_size)]).astype(np.float64)


def fid(model, images_a, images_b):
    """FID (float >= 0) between two sets of uint8 photos [N, H, W, 3], N >= 2 each."""
    return classifier_distance.frechet_distance(features(model, images_a), features(model, images_b))
