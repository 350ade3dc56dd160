"""decode.js and reader/decode.py are twins: the same probabilities give the same reading."""

from __future__ import annotations

import numpy as np
import pytest

from reader.decode import decode_digit, decode_house_number, house_classes
from tests.jsbridge import call_harness, node_available


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


# --- house numbers: the length head decides how many digit heads are read -----------------


def one_hot(index: int, size: int, p: float = 0.9) -> np.ndarray:
    out = np.full(size, (1 - p) / (size - 1))
    out[index] = p
    return out


def heads(length: int, digits: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    return one_hot(length - 1, 6), [one_hot(d, 11) for d in digits]


def test_number_reads_length_then_digits():
    result = decode_house_number(*heads(3, [1, 2, 7, 10, 10]))
    assert result["number"] == "127" and result["complete"]
    assert [d["digit"] for d in result["digits"]] == [1, 2, 7]
    assert result["confidence"] == pytest.approx(0.9**4)  # the length head and three digit heads


def test_length_wins_over_no_digit_heads():
    # The length head says 2; the second digit head prefers "no digit" but its best real digit is 4.
    length, digits = heads(2, [5, 10, 10, 10, 10])
    digits[1] = np.array([0.0, 0, 0, 0, 0.3, 0, 0, 0, 0, 0, 0.7])
    result = decode_house_number(length, digits)
    assert result["number"] == "54"
    assert result["digits"][1]["confidence"] == pytest.approx(0.3)


def test_heads_beyond_the_length_are_ignored():
    result = decode_house_number(*heads(1, [9, 3, 3, 3, 3]))
    assert result["number"] == "9" and result["confidence"] == pytest.approx(0.81)


def test_more_than_five_reads_five_and_says_incomplete():
    result = decode_house_number(*heads(6, [1, 2, 3, 4, 5]))
    assert result["number"] == "12345" and not result["complete"] and result["length"] == 6


@pytest.mark.skipif(not node_available(), reason="node and node_modules/@tensorflow/tfjs are needed")
def test_house_decode_twins_agree() -> None:
    rng = np.random.default_rng(1)
    cases = [
        [softmax_rows(rng.normal(scale=3.0, size=(1, 6)))[0]] + list(softmax_rows(rng.normal(scale=3.0, size=(5, 11))))
        for _ in range(40)
    ]
    cases.append(list(heads(6, [1, 2, 3, 4, 5])[:1]) + heads(6, [1, 2, 3, 4, 5])[1])
    heads_json = [[np.asarray(h).tolist() for h in case] for case in cases]
    js = call_harness({"op": "decode_house", "heads": heads_json, "classes": house_classes()})
    for case, js_reading in zip(cases, js):
        python_reading = decode_house_number(case[0], case[1:])
        assert js_reading["number"] == python_reading["number"]
        assert js_reading["complete"] == python_reading["complete"]
        assert js_reading["confidence"] == pytest.approx(python_reading["confidence"], abs=1e-6)
        assert [d["digit"] for d in js_reading["digits"]] == [d["digit"] for d in python_reading["digits"]]
