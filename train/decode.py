"""Model outputs -> what a person reads. Twin of web/static/js/decode.js (same names, same order)."""

from __future__ import annotations

import numpy as np


def decode_digit(probabilities: np.ndarray) -> dict:
    """10 class probabilities -> {digit, confidence, probabilities}."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    digit = int(probabilities.argmax())
    return {
        "digit": digit,
        "confidence": round(float(probabilities[digit]), 6),
        "probabilities": [round(float(p), 6) for p in probabilities],
    }
