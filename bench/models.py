"""The reference labs' models, rebuilt as the benchmark issue describes them, and nothing else.

The three MNIST references read float32 (N, 28, 28, 1) in [0, 1] like ours and end in
10 logits or probabilities; the multi-head reader reads (N, 54, 54, 3) like our house
reader. Each builder returns an uncompiled Keras model; RECIPES says how the lab trained it.
"""

from __future__ import annotations

from dataclasses import dataclass

import tf_keras as keras

from train.models import DIGIT_CLASSES, HOUSE_HEADS, HOUSE_INPUT_SHAPE, INPUT_SHAPE, NUM_CLASSES


def build_ref_mlp() -> keras.Model:
    """Flatten -> Dense(256, relu) -> Dense(10) logits: the MLP lab."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(256, activation="relu")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, name="logits")(x)
    return keras.Model(inputs, outputs, name="ref_mlp")


def build_ref_two_block_cnn() -> keras.Model:
    """Two blocks of Conv(3x3 valid) -> BatchNorm -> ReLU -> MaxPool(2) -> Dropout(0.1), 64 then 128 filters."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = inputs
    for filters in (64, 128):
        x = keras.layers.Conv2D(filters, 3, padding="valid")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(2)(x)
        x = keras.layers.Dropout(0.1)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="ref_two_block_cnn")


def conv_bn_relu(x, filters: int, kernel: int = 3):
    # The labs wrote PyTorch: conv with bias and padding k // 2, then BatchNorm, then ReLU.
    x = keras.layers.Conv2D(filters, kernel, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def dense_bn_relu_dropout(x, units: int, dropout: float):
    x = keras.layers.Dense(units)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    return keras.layers.Dropout(dropout)(x)


def build_ref_cnn905k() -> keras.Model:
    """Conv 32 -> 64 -> pool -> 128 -> pool, then Dropout(0.5) -> Dense 128 -> 64 -> 10.

    906,186 Keras parameters; 905,354 of them trainable, the lab's PyTorch count (Keras
    also counts BatchNorm's moving mean and variance). The 7x7x128 -> 128 dense layer
    holds 803k of them.
    """
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = conv_bn_relu(inputs, 32)
    x = conv_bn_relu(x, 64)
    x = keras.layers.MaxPooling2D(2)(x)  # 14x14
    x = conv_bn_relu(x, 128)
    x = keras.layers.MaxPooling2D(2)(x)  # 7x7
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.5)(x)
    x = dense_bn_relu_dropout(x, 128, 0.5)
    x = dense_bn_relu_dropout(x, 64, 0.5)
    outputs = keras.layers.Dense(NUM_CLASSES, name="logits")(x)
    return keras.Model(inputs, outputs, name="ref_cnn905k")


MULTIHEAD_WIDTHS = (48, 64, 128, 160, 192, 192, 192, 192)
MULTIHEAD_LENGTH_CLASSES = 7  # the PyTorch replica's length head: 0..5 digits and "more than 5"


def build_ref_multihead(dense: int = 1024, dropout: float = 0.2) -> keras.Model:
    """Goodfellow et al.'s reader as the lab ran it: eight 5x5 convs, two dense layers, six heads.

    Pools alternate stride 2 and 1 with one pixel of padding (PyTorch's MaxPool2d(2, s, 1)),
    so 54 -> 28 -> 29 -> 15 -> 16 -> 9 -> 10 -> 6 -> 7 and the flattened features are 7x7x192.
    Zero padding stands in for PyTorch's -inf padding, the same after a ReLU.
    """
    inputs = keras.Input(HOUSE_INPUT_SHAPE, name="image")
    x = inputs
    for i, filters in enumerate(MULTIHEAD_WIDTHS):
        x = conv_bn_relu(x, filters, kernel=5)
        x = keras.layers.ZeroPadding2D(1)(x)
        x = keras.layers.MaxPooling2D(2, strides=2 if i % 2 == 0 else 1)(x)
        x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Flatten()(x)
    for _ in range(2):
        x = keras.layers.Dense(dense, activation="relu")(x)
        x = keras.layers.Dropout(dropout)(x)
    outputs = [keras.layers.Dense(MULTIHEAD_LENGTH_CLASSES, activation="softmax", name="length")(x)]
    outputs += [keras.layers.Dense(DIGIT_CLASSES, activation="softmax", name=name)(x) for name in HOUSE_HEADS[1:]]
    return keras.Model(inputs, outputs, name="ref_multihead")


@dataclass(frozen=True)
class Recipe:
    """How a lab trained its model: Adam at `lr`, divided by 10 every `step_epochs` (0: never)."""

    epochs: int
    lr: float = 1e-3
    batch_size: int = 128
    step_epochs: int = 0
    from_logits: bool = False


# The issue gives the MLP's and the 905k CNN's recipes. It gives none for the two-block CNN:
# it gets the MLP lab's recipe (Adam, batch 128, 5 epochs).
RECIPES = {  # in training order: the longest first, so it starts early
    "ref_cnn905k": Recipe(epochs=25, lr=3e-3, step_epochs=7, from_logits=True),
    "ref_mlp": Recipe(epochs=5, from_logits=True),
    "ref_two_block_cnn": Recipe(epochs=5),
}
BUILDERS = {
    "ref_mlp": build_ref_mlp,
    "ref_two_block_cnn": build_ref_two_block_cnn,
    "ref_cnn905k": build_ref_cnn905k,
    "ref_multihead": build_ref_multihead,
}


def step_lr(epoch: int, recipe: Recipe) -> float:
    """PyTorch's StepLR(step_size, gamma=0.1) evaluated at a 0-based epoch."""
    if recipe.step_epochs <= 0:
        return recipe.lr
    return recipe.lr * 0.1 ** (epoch // recipe.step_epochs)
