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


HOUSE_INPUT_SHAPE = (54, 54, 3)  # random 54x54 crops of the 64x64 number crops, as Goodfellow et al.
LENGTH_CLASSES = 6  # lengths 1..5, and "more than five"
DIGIT_CLASSES = 11  # 0..9, and "no digit"
HOUSE_HEADS = ("length", "digit_1", "digit_2", "digit_3", "digit_4", "digit_5")


def build_house_reader(
    widths: tuple[int, ...] = (32, 48, 96, 160), dense: int = 256, dropout: float = 0.3
) -> keras.Model:
    """One CNN, six named softmax heads: the number's length, then one head per digit position.

    Stages at 54, 27, 14 and 7 pixels. The first runs at full resolution, since five
    digits in 54 pixels leave about ten pixels per digit; only the last, cheap 7x7
    stage has two convs (measured: two convs per stage trained 6x slower on 2 CPU cores
    for a model 1.7x larger). About 1.1M parameters, so the uint8 export stays near 1 MB.
    """
    inputs = keras.Input(HOUSE_INPUT_SHAPE, name="image")
    x = inputs
    for stage, filters in enumerate(widths):
        x = conv_bn_relu(x, filters)
        if stage == len(widths) - 1:
            x = conv_bn_relu(x, filters)
        x = keras.layers.MaxPooling2D(padding="same")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Dense(dense, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = [keras.layers.Dense(LENGTH_CLASSES, activation="softmax", name="length")(x)]
    outputs += [keras.layers.Dense(DIGIT_CLASSES, activation="softmax", name=name)(x) for name in HOUSE_HEADS[1:]]
    return keras.Model(inputs, outputs, name="house_reader")
