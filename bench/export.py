"""Every benchmarked model -> TF.js exports (float32, float16, uint8) in a gitignored build dir.

The exports go through export/tfjs.py's functions: the same tensorflowjs converter and the
same rule for the shipped weight type (the smallest within MAX_DROP_POINTS of float32). Ours
are folded first (BatchNorm into the layer before, export/fold.py), as export/tfjs.py ships
them; a reference goes to the converter as its lab would, unless asked for folded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tf_keras as keras

from export.tfjs import choose_quantization, directory_bytes, export_model
from train.evaluate import accuracy, predict_probabilities

WEIGHT_TYPES = ("float32", "float16", "uint8")


def export_variants(model: keras.Model, out_dir: Path, weight_types: tuple[str, ...] = WEIGHT_TYPES) -> dict[str, int]:
    """Export `model` once per weight type into out_dir/<type>/; bytes to download for each."""
    sizes = {}
    for weight_type in weight_types:
        target = out_dir / weight_type
        export_model(model, target, None if weight_type == "float32" else weight_type)
        sizes[weight_type] = directory_bytes(target)
    return sizes


def test_accuracy_by_weights(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict:
    """MNIST test accuracy for float32 and each quantized type, and the type the app's rule would ship."""
    return choose_quantization(model, lambda m: accuracy(y, predict_probabilities(m, x)))
