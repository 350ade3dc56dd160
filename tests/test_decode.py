"""decode.js and train/decode.py are twins: the same probabilities give the same reading."""

from __future__ import annotations

import numpy as np
import pytest

from tests.jsbridge import call_harness, node_available
from train.decode import decode_digit


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.skipif(not node_available(), reason="node and node_modules/@tensorflow/tfjs are needed")
def test_decode_twins_agree() -> None:
    rng = np.random.default_rng(0)
    rows = softmax_rows(rng.normal(scale=4.0, size=(50, 10)))
    rows = np.concatenate([rows, np.full((1, 10), 0.1, np.float32), np.eye(10, dtype=np.float32)[[3]]])
    js = call_harness({"op": "decode", "probabilities": rows.tolist()})
    for row, js_reading in zip(rows, js):
        python_reading = decode_digit(row)
        assert js_reading["digit"] == python_reading["digit"]  # a tie goes to the first digit in both
        assert js_reading["confidence"] == pytest.approx(python_reading["confidence"], abs=1e-6)
        np.testing.assert_allclose(js_reading["probabilities"], python_reading["probabilities"], atol=1e-6)
