"""BatchNorm folding (export/fold.py): the same numbers in inference, fewer layers for the browser to run."""

import json
from pathlib import Path

import numpy as np
import pytest
import tf_keras as keras

from bench.models import build_ref_cnn905k
from export.fold import fold_batchnorm, fold_weights
from train.models import build_cnn, build_house_reader, build_localizer, build_mlp

WEB_MODELS = Path(__file__).resolve().parent.parent / "web" / "static" / "models"
BUILDERS = {"cnn": build_cnn, "house reader": build_house_reader, "localizer": build_localizer}


def with_random_statistics(model: keras.Model, seed: int) -> keras.Model:
    """A freshly built model whose BatchNorm layers hold statistics far from their initial 0/1, as after training."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, n),  # gamma
                    rng.normal(0, 0.5, n),  # beta
                    rng.normal(0, 0.5, n),  # moving mean
                    rng.uniform(0.2, 3.0, n),  # moving variance
                ]
            )
    return model


def outputs(model: keras.Model, images: np.ndarray) -> list[np.ndarray]:
    """Every head's output in inference mode (a one-output model gives a list of one)."""
    result = model(images, training=False)
    return [np.asarray(o) for o in (result if isinstance(result, list) else [result])]


def layer_types(model: keras.Model) -> set[str]:
    return {type(layer).__name__ for layer in model.layers}


@pytest.mark.parametrize("name", [*BUILDERS, "lab CNN with conv biases"])
def test_folded_model_computes_the_same_in_inference(name):
    build = BUILDERS.get(name, build_ref_cnn905k)
    keras.utils.set_random_seed(0)
    model = with_random_statistics(build(), seed=1)
    folded = fold_batchnorm(model)
    images = np.random.default_rng(2).uniform(0, 1, (4, *model.input_shape[1:])).astype(np.float32)
    for original, fused in zip(outputs(model, images), outputs(folded, images), strict=True):
        assert np.abs(original - fused).max() <= 1e-4
    assert folded.output_names == model.output_names
    assert not layer_types(folded) & {"BatchNormalization", "ReLU", "Dropout"}
    assert folded.count_params() < model.count_params()


def test_each_conv_becomes_one_conv_with_bias_and_relu():
    folded = fold_batchnorm(build_cnn())
    convs = [layer for layer in folded.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 5
    assert all(c.use_bias and c.get_config()["activation"] == "relu" for c in convs)
    dense = [layer.get_config()["activation"] for layer in folded.layers if isinstance(layer, keras.layers.Dense)]
    assert dense == ["relu", "softmax"]


def test_a_model_without_batchnorm_is_shipped_as_it_is():
    model = build_mlp()
    assert fold_batchnorm(model) is model


def test_folding_leaves_the_original_model_alone():
    model = with_random_statistics(build_cnn(), seed=3)
    weights = [w.copy() for w in model.get_weights()]
    fold_batchnorm(model)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))


def test_fold_weights_follows_the_batchnorm_formula():
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)  # 2 inputs -> 2 channels
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    mean, variance = np.array([0.5, 1.0]), np.array([3.0, 0.0])
    new_kernel, new_bias = fold_weights(kernel, np.array([1.0, 0.0]), gamma, beta, mean, variance, epsilon=1.0)
    x = np.array([0.3, -0.7])
    expected = gamma * (x @ kernel + [1.0, 0.0] - mean) / np.sqrt(variance + 1.0) + beta
    np.testing.assert_allclose(x @ new_kernel + new_bias, expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["mnist_cnn", "house", "localizer"])
def test_shipped_exports_run_no_batchnorm(name):
    model_json = json.loads((WEB_MODELS / name / "model.json").read_text())
    classes = {layer["class_name"] for layer in model_json["modelTopology"]["model_config"]["config"]["layers"]}
    assert "Conv2D" in classes and not classes & {"BatchNormalization", "ReLU", "Dropout"}
