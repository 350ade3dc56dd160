"""The networks, and nothing else: each build_* returns a compiled-ready Keras model.

Both read float32 (N, 28, 28, 1) in [0, 1], light digit on black, and end in a
10-way softmax named "digit".
"""

from __future__ import annotations

import numpy as np
import tf_keras as keras

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


LOCALIZER_INPUT_SHAPE = (192, 256, 3)  # a whole photo or a closer look, 4:3 (reader/photo_view.py fit_region)
LOCALIZER_STRIDE = 8  # one output cell per 8x8 input pixels: a 24x32 grid
LOCALIZER_CHANNELS = 5  # per cell: centre logit, centre offset (x, y) logits, log box width and height


def conv_bn_relu_strided(x, filters: int, strides: int = 1, dilation: int = 1):
    x = keras.layers.Conv2D(filters, 3, strides=strides, dilation_rate=dilation, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def build_localizer(width: int = 64) -> keras.Model:
    """Finds a house number in a photo, CenterNet-style: for every 8x8 cell, how likely the number's
    centre lies in it, where in the cell, and the box's size.

    Fully convolutional and small (about 0.33M parameters) so it runs on a phone in a blink. A
    stride-16 branch with dilated convs sees a whole wall (a number five digits long, and the
    plate around it), then joins the stride-8 features that place the box to a few pixels.
    """
    inputs = keras.Input(LOCALIZER_INPUT_SHAPE, name="photo")
    x = conv_bn_relu_strided(inputs, 16, strides=2)  # 96x128
    x = conv_bn_relu_strided(x, 32, strides=2)  # 48x64
    x = conv_bn_relu_strided(x, width, strides=2)  # 24x32
    fine = conv_bn_relu_strided(x, width)
    y = conv_bn_relu_strided(fine, width * 3 // 2, strides=2)  # 12x16
    for dilation in (2, 4):
        y = conv_bn_relu_strided(y, width * 3 // 2, dilation=dilation)
    y = keras.layers.UpSampling2D(2)(y)
    x = keras.layers.Concatenate()([fine, y])
    x = keras.layers.Conv2D(width, 1, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = conv_bn_relu_strided(x, width)
    # CenterNet's prior: "no centre here" (p = 0.1) at the start, so the many empty cells do not
    # swamp the first steps.
    prior = keras.initializers.Constant([-2.19, 0.0, 0.0, 1.0, 1.0])
    outputs = keras.layers.Conv2D(LOCALIZER_CHANNELS, 1, bias_initializer=prior, name="cells")(x)
    return keras.Model(inputs, outputs, name="localizer")


NUMBER_INPUT_SHAPE = (32, 256, 1)  # reader/number_strip.py STRIP_HEIGHT x STRIP_WIDTH, light ink on black
NUMBER_STRIDE = 4  # one output frame per 4 strip columns: 64 frames for up to 8 digits
NUMBER_CLASSES = 11  # 0..9, and CTC's blank last (as tf.nn.ctc_loss's blank_index=-1 default)


def build_number_reader(dropout: float = 0.2) -> keras.Model:
    """Reads a written number left to right, CTC-style: for each 4-px column of the strip, how
    likely each digit is centred there, or none (blank).

    No segmentation: touching and broken digits are read from the pixels as they are. Convs
    shrink the strip to 4 x 64 cells, each column's cells become one frame, and a 1-D conv
    three frames wide lets a frame see a digit whole and its neighbours' edges (about 32 px of
    the 24 px-high ink). About 0.23M parameters.
    """
    inputs = keras.Input(NUMBER_INPUT_SHAPE, name="strip")
    x = conv_bn_relu(inputs, 16)
    x = keras.layers.MaxPooling2D()(x)  # 16 x 128
    x = conv_bn_relu(x, 32)
    x = keras.layers.MaxPooling2D()(x)  # 8 x 64
    x = conv_bn_relu(x, 64)
    x = keras.layers.MaxPooling2D((2, 1))(x)  # 4 x 64: the columns keep stride 4
    x = conv_bn_relu(x, 96)
    x = keras.layers.Permute((2, 1, 3))(x)  # columns first: 64 x 4 x 96
    # Sizes spelled out: TF.js cannot infer a -1 here for the Conv1D after it.
    x = keras.layers.Reshape((NUMBER_INPUT_SHAPE[1] // NUMBER_STRIDE, x.shape[2] * x.shape[3]))(x)  # 64 x 384
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Conv1D(128, 3, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(NUMBER_CLASSES, activation="softmax", name="frames")(x)
    return keras.Model(inputs, outputs, name="number_reader")


STROKE_INPUT_SHAPE = (64, 5)  # reader/stroke_features.py: N_POINTS points of x, y, direction x, y, pen down


def conv1d_bn_relu(x, filters: int, width: int, dilation: int = 1):
    x = keras.layers.Conv1D(filters, width, padding="same", dilation_rate=dilation, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def build_stroke_reader(width: int = 48, dropout: float = 0.3) -> keras.Model:
    """Reads a digit from the movement that drew it: 1-D convs along the resampled path.

    Dilated convs see a growing stretch of the path (a corner, a stroke, a loop), then the
    average and the maximum over the path keep both what is common and what happens once
    (a 2's last stroke to the right). About 58k parameters.
    """
    inputs = keras.Input(STROKE_INPUT_SHAPE, name="strokes")
    x = conv1d_bn_relu(inputs, width // 2, 5)
    x = conv1d_bn_relu(x, width, 5)
    x = conv1d_bn_relu(x, width, 3, dilation=2)
    x = keras.layers.MaxPooling1D()(x)  # 32 points
    x = conv1d_bn_relu(x, 2 * width, 3)
    x = conv1d_bn_relu(x, 2 * width, 3, dilation=2)
    x = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling1D()(x), keras.layers.GlobalMaxPooling1D()(x)])
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="stroke_reader")


def with_context_blocks(reader: keras.Model, blocks: int, width: int = 128) -> keras.Model:
    """A number reader with `blocks` residual blocks more between its frames and its output: two
    dilated 1-D convs each (dilations 1, 2, 4, ...), so a frame sees a digit's neighbours whole (the
    base reader sees about 34 px, under two digits). Each block's last BatchNorm starts at zero, so the
    new reader reads exactly as `reader` did until it is trained: a fine-tune starts from what the
    reader knows, and a blend with it (train/blend.py) is a blend of the same function."""
    frames = reader.get_layer("frames")
    dropout = reader.layers[reader.layers.index(frames) - 1]
    x = dropout.input  # the frames' features (64 x width, after a ReLU: >= 0, so the last ReLU keeps them)
    for block in range(blocks):
        dilation = 2**block
        name = f"context{block + 1}"  # named: the base reader's own layers took the default names
        branch = keras.layers.Conv1D(
            width, 3, padding="same", dilation_rate=dilation, use_bias=False, name=f"{name}_conv_a"
        )(x)
        branch = keras.layers.ReLU(name=f"{name}_relu_a")(keras.layers.BatchNormalization(name=f"{name}_bn_a")(branch))
        branch = keras.layers.Conv1D(
            width, 3, padding="same", dilation_rate=dilation, use_bias=False, name=f"{name}_conv_b"
        )(branch)
        branch = keras.layers.BatchNormalization(gamma_initializer="zeros", name=f"{name}_bn_b")(branch)
        x = keras.layers.ReLU(name=f"{name}_out")(keras.layers.Add(name=f"{name}_add")([x, branch]))
    x = keras.layers.Dropout(dropout.rate, name="context_dropout")(x)
    outputs = keras.layers.Dense(frames.units, activation="softmax", name="frames", weights=frames.get_weights())(x)
    return keras.Model(reader.input, outputs, name="number_reader")


def context_blocks_off(base: keras.Model, tuned: keras.Model) -> keras.Model:
    """`base` (a reader without context blocks) with `tuned`'s context blocks added switched off: their
    convs as tuned, each block's last BatchNorm at zero scale and shift, so it reads exactly as `base`.
    The start a fine-tune that added the blocks is blended with (train/blend.py): the blend then turns
    the blocks up by its share as the base weights move, where a fresh random start would add noise."""
    blocks = sum(1 for layer in tuned.layers if layer.name.endswith("_add") and layer.name.startswith("context"))
    start = with_context_blocks(base, blocks)
    for layer in start.layers:
        if layer.name.startswith("context") and layer.weights:
            weights = tuned.get_layer(layer.name).get_weights()
            if layer.name.endswith("_bn_b"):  # gamma, beta, moving mean, moving variance
                weights = [np.zeros_like(weights[0]), np.zeros_like(weights[1]), *weights[2:]]
            layer.set_weights(weights)
    return start
