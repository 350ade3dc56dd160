"""The committed weights meet the targets, and give the recorded figures when evaluated again."""

import json

import pytest

from tests.conftest import ROOT
from train.evaluate import accuracy, predict_probabilities

METRICS = json.loads((ROOT / "models" / "metrics.json").read_text())
TARGETS = {"mnist_mlp": 0.983, "mnist_cnn": 0.996}  # the labs reached 97.7 % and 99.5 %; issue 29 keeps 99.6 %


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_recorded_metrics_meet_the_targets(name):
    figures = METRICS[name]
    assert figures["test"]["count"] == 10000
    assert figures["test"]["accuracy"] >= TARGETS[name]
    assert figures["pen_validation"]["count"] > 1000
    export = figures["export"]
    drop = export["test_accuracy_by_weights"]["float32"] - export["test_accuracy_by_weights"].get(
        export["quantization"] or "float32"
    )
    assert drop * 100 <= export["max_drop_points"]


def test_cnn_fits_a_phone():
    assert METRICS["mnist_cnn"]["params"] <= 500_000


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_committed_weights_reproduce_the_recorded_accuracy(name, mnist):
    import tf_keras as keras

    _, (x_test, y_test) = mnist
    model = keras.models.load_model(ROOT / "models" / f"{name}.keras")
    measured = accuracy(y_test, predict_probabilities(model, x_test))
    print(f"{name}: {measured * 100:.2f} % on the 10,000 MNIST test digits")
    assert measured == pytest.approx(METRICS[name]["test"]["accuracy"], abs=2e-4)
