"""The networks, and nothing else: build_mlp and build_cnn return compiled-ready Keras models.

Both read float32 (N, 28, 28, 1) in [0, 1], light digit on black, and end in a
10-way softmax named "digit".
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # Keras 3 exports do not load in TF.js 4.22

import tf_keras as keras  # noqa: E402

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def build_mlp(hidden: int = 512, dropout: float = 0.3) -> keras.Model:
    """The classic lab model, flatten -> dense -> softmax, with two hidden layers and dropout."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = keras.layers.Flatten()(inputs)
    for _ in range(2):
        x = keras.layers.Dense(hidden, activation="relu")(x)
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="mnist_mlp")


def conv_bn_relu(x, filters: int):
    # No bias: BatchNorm's beta does its job.
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def build_cnn(widths: tuple[int, int, int] = (32, 64, 128), dropout: float = 0.4) -> keras.Model:
    """Three VGG-style stages (28 -> 14 -> 7 -> 3) with BatchNorm, then a small dense head.

    About 290k parameters: small enough for a phone's browser.
    """
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = inputs
    for stage, filters in enumerate(widths):
        x = conv_bn_relu(x, filters)
        if stage < len(widths) - 1:  # the last stage works on 7x7 already: one conv is enough
            x = conv_bn_relu(x, filters)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Dense(128, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}
