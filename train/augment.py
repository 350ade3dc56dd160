"""Training-time distortions for 28x28 digits: the ways a real drawing differs from MNIST.

Applied per batch inside tf.data, so they cost little next to the model itself.
"""

from __future__ import annotations

import tensorflow as tf
import tf_keras as keras


def build_affine(seed: int) -> keras.Sequential:
    """Rotation up to ~12 deg, independent x/y zoom of 12 % (aspect changes), shifts of ~2 px.

    Preprocessing centres by mass, so large shifts never happen; rotations and
    slants do, since people hold the pen their own way.
    """
    return keras.Sequential(
        [
            keras.layers.RandomRotation(0.033, fill_mode="constant", seed=seed),
            keras.layers.RandomZoom((-0.12, 0.12), (-0.12, 0.12), fill_mode="constant", seed=seed + 1),
            keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed + 2),
        ],
        name="affine",
    )


def vary_thickness(images: tf.Tensor, seed: int) -> tf.Tensor:
    """Per image: thinner (erode), unchanged, or thicker (dilate) strokes, so every brush size reads."""
    thicker = tf.nn.max_pool2d(images, 2, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    choice = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], 0, 4, dtype=tf.int32, seed=seed)
    # Half unchanged, a quarter each way.
    return tf.where(choice == 0, thinner, tf.where(choice == 1, thicker, images))


def make_augmenter(seed: int):
    affine = build_affine(seed)

    def augment(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        images = vary_thickness(affine(images, training=True), seed)
        return tf.clip_by_value(images, 0.0, 1.0), labels

    return augment
