"""BatchNorm folded into the Conv2D or Dense before it: the inference model the page runs.

In inference BatchNormalization is an affine map per channel, so it can live in the
weights of the layer before it. With a bias and a ReLU that layer becomes one fused
kernel in TF.js (tfjs-layers 4.22 calls `fused.conv2d` for Conv2D and a fused `matMul`
for Dense when the activation is relu or linear): one op where there were three, and
the browser pays per op (shader passes on WebGL, kernel calls on WASM).

    folded = fold_batchnorm(model)   # same outputs, same names; no BatchNorm, ReLU or Dropout left to run
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tf_keras as keras

FOLDABLE = (keras.layers.Conv2D, keras.layers.Dense)  # exact types: Conv2DTranspose stores its kernel transposed


def fold_weights(
    kernel: np.ndarray,
    bias: np.ndarray | None,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    mean: np.ndarray,
    variance: np.ndarray,
    epsilon: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(kernel, bias) of one layer computing BN(x @ kernel + bias); the output channel is the kernel's last axis."""
    # float64 so that folding adds no rounding of its own; BN without scale or centre has gamma 1, beta 0.
    scale = (1.0 if gamma is None else gamma.astype(np.float64)) / np.sqrt(variance.astype(np.float64) + epsilon)
    shift = 0.0 if beta is None else beta.astype(np.float64)
    folded_bias = ((0.0 if bias is None else bias.astype(np.float64)) - mean) * scale + shift
    return (kernel * scale).astype(np.float32), folded_bias.astype(np.float32)


def is_plain_relu(layer: keras.layers.Layer) -> bool:
    """A ReLU layer (or Activation("relu")) that a fused kernel's relu computes exactly."""
    if type(layer) is keras.layers.ReLU:
        config = layer.get_config()
        return config["max_value"] is None and config["negative_slope"] == 0 and config["threshold"] == 0
    return type(layer) is keras.layers.Activation and layer.get_config()["activation"] == "relu"


def consumers_of(model: keras.Model) -> dict[str, list[keras.layers.Layer]]:
    """Layer name -> the layers that read its output."""
    readers: dict[str, list[keras.layers.Layer]] = {layer.name: [] for layer in model.layers}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        for source in tf.nest.flatten(layer.inbound_nodes[0].inbound_layers):
            readers[source.name].append(layer)
    return readers


def foldable_chain(
    layer: keras.layers.Layer, readers: dict[str, list[keras.layers.Layer]], output_layers: set[str]
) -> list[keras.layers.Layer]:
    """[layer, batchnorm] or [layer, batchnorm, relu] when they can become one layer, else []."""
    if type(layer) not in FOLDABLE or layer.get_config()["activation"] != "linear" or layer.name in output_layers:
        return []
    if type(layer) is keras.layers.Conv2D and layer.get_config()["data_format"] != "channels_last":
        return []
    after = readers[layer.name]
    if len(after) != 1 or type(after[0]) is not keras.layers.BatchNormalization:
        return []
    norm = after[0]
    # Only BatchNorm over the last axis (the output channels) folds into the kernel's last axis.
    if norm.axis != [len(layer.get_output_at(0).shape) - 1]:
        return []
    after = readers[norm.name]
    if norm.name not in output_layers and len(after) == 1 and is_plain_relu(after[0]):
        return [layer, norm, after[0]]
    return [layer, norm]


def fused_layer(chain: list[keras.layers.Layer], name: str) -> tuple[keras.layers.Layer, list[np.ndarray]]:
    """The one layer replacing `chain`, and its weights (set once it is built)."""
    layer, norm = chain[0], chain[1]
    config = {**layer.get_config(), "name": name, "use_bias": True}
    config["activation"] = "relu" if len(chain) == 3 else "linear"
    kernel, *rest = layer.get_weights()
    weights = fold_weights(
        kernel,
        rest[0] if layer.use_bias else None,
        norm.gamma.numpy() if norm.scale else None,
        norm.beta.numpy() if norm.center else None,
        norm.moving_mean.numpy(),
        norm.moving_variance.numpy(),
        norm.epsilon,
    )
    return type(layer).from_config(config), list(weights)


def fold_batchnorm(model: keras.Model) -> keras.Model:
    """A new model computing what `model` computes in inference, with each Conv2D/Dense -> BatchNorm
    (-> ReLU) as one Conv2D/Dense with bias (and relu), and without Dropout layers.

    Layers keep their names, so outputs and heads keep theirs; where a chain ends in a model
    output the fused layer takes that output's name. The original model is left untouched, and
    returned as it is when nothing folds (the MLP): its export then stays byte for byte the same.
    Every layer must be called once in `model` (no shared layers), as in train/models.py.
    """
    readers = consumers_of(model)
    output_layers = set(model.output_names)
    if not any(foldable_chain(layer, readers, output_layers) for layer in model.layers):
        return model
    new: dict[int, tf.Tensor] = {}  # id of an original Keras tensor -> its counterpart in the new graph
    absorbed: set[str] = set()
    for layer in model.layers:
        if len(layer.inbound_nodes) != 1:
            raise ValueError(f"layer {layer.name} is called {len(layer.inbound_nodes)} times; cannot fold")
        if layer.name in absorbed:
            continue
        if isinstance(layer, keras.layers.InputLayer):
            config = layer.get_config()
            new[id(layer.get_output_at(0))] = keras.Input(
                batch_shape=config["batch_input_shape"], dtype=config["dtype"], name=layer.name
            )
            continue
        source = tf.nest.map_structure(lambda t: new[id(t)], layer.get_input_at(0))
        if isinstance(layer, keras.layers.Dropout) and layer.name not in output_layers:
            new[id(layer.get_output_at(0))] = source  # identity in inference
            continue
        chain = foldable_chain(layer, readers, output_layers)
        if chain:
            last = chain[-1]
            replacement, weights = fused_layer(chain, last.name if last.name in output_layers else layer.name)
            absorbed.update(link.name for link in chain[1:])
        else:
            last = layer
            replacement, weights = type(layer).from_config(layer.get_config()), layer.get_weights()
        new[id(last.get_output_at(0))] = replacement(source)
        replacement.set_weights(weights)
    inputs = [new[id(t)] for t in model.inputs]
    outputs = [new[id(t)] for t in model.outputs]
    return keras.Model(
        inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0], name=model.name
    )
