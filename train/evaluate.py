"""Evaluation: model + labelled images -> the figures recorded in models/metrics.json.

Only this module writes metrics.json, so every figure in it comes from a measured run.
`python -m train.evaluate` evaluates the committed weights again and prints the figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from reader.paths import HELPER_FILES, METRICS_PATH, MODEL_FILES, MODELS_DIR, read_metrics
from train.cli import command


def load_model_file(path: Path):
    """A trained .keras file, for inference and measuring."""
    from reader.quiet_tf import import_tensorflow_quietly

    import_tensorflow_quietly()
    import tf_keras as keras

    if not path.is_file():
        raise FileNotFoundError(f"model file {path} is missing")
    return keras.models.load_model(path, compile=False)


def load_keras_reader(kind: str, models_dir: Path = MODELS_DIR):
    """A reader kind's Keras model (reader.paths MODEL_FILES, HELPER_FILES), as trained: the model the figures
    in metrics.json measure. The API and the CLI read its TFLite export instead (reader.read.load_reader);
    the read functions take either."""
    return load_model_file(models_dir / (HELPER_FILES.get(kind) or MODEL_FILES[kind]))


def predict_probabilities(model, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    return model.predict(images, batch_size=batch_size, verbose=0)


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """(true, predicted) counts."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def per_digit_accuracy(matrix: np.ndarray) -> dict[str, float]:
    return {str(d): round(float(matrix[d, d] / max(1, matrix[d].sum())), 5) for d in range(len(matrix))}


def most_confused_pairs(matrix: np.ndarray, top: int = 5) -> list[dict]:
    """The largest off-diagonal counts: which digit is read as which, most often."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None)[::-1][:top]
    pairs = [np.unravel_index(i, off.shape) for i in order]
    return [{"true": int(t), "read_as": int(p), "count": int(off[t, p])} for t, p in pairs if off[t, p] > 0]


def accuracy(labels: np.ndarray, probabilities: np.ndarray) -> float:
    return float((probabilities.argmax(axis=1) == labels).mean())


def evaluate_classifier(model, images: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, per-digit accuracy, most-confused pairs and the confusion matrix."""
    probabilities = predict_probabilities(model, images)
    matrix = confusion_matrix(labels, probabilities.argmax(axis=1))
    return {
        "accuracy": round(accuracy(labels, probabilities), 5),
        "errors": int(len(labels) - np.trace(matrix)),
        "count": int(len(labels)),
        "per_digit_accuracy": per_digit_accuracy(matrix),
        "most_confused": most_confused_pairs(matrix),
        "confusion_matrix": matrix.tolist(),
    }


def update_metrics(name: str, figures: dict, path: Path = METRICS_PATH, replace: bool = False) -> None:
    """Merge figures into metrics[name], keeping other models' entries; replace: metrics[name] becomes
    `figures` alone (a model trained again, whose earlier figures and export no longer describe it)."""
    metrics = read_metrics(path)
    if replace:
        metrics[name] = {}
    metrics.setdefault(name, {}).update(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")


@command
def main(argv: list[str] | None = None) -> int:
    import argparse

    import tf_keras as keras

    from train.data import load_mnist

    parser = argparse.ArgumentParser(description="Evaluate the committed MNIST models again and print their figures.")
    parser.add_argument("--data-dir", help="MNIST directory (default: search, see train/data.py)")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where the .keras files are (default: models/)")
    args = parser.parse_args(argv)
    _, (x_test, y_test) = load_mnist(args.data_dir)
    recorded = read_metrics(Path(args.models_dir) / "metrics.json")
    for name in ("mnist_mlp", "mnist_cnn"):
        path = Path(args.models_dir) / f"{name}.keras"
        if not path.is_file():
            print(f"{name}: {path} missing, skipped")
            continue
        model = keras.models.load_model(path)
        measured = accuracy(y_test, predict_probabilities(model, x_test))
        was = recorded.get(name, {}).get("test", {}).get("accuracy")
        print(json.dumps({"model": name, "test_accuracy": round(measured, 5), "recorded": was}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
