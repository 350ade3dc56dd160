"""decode.js and reader/decode.py are twins: the same probabilities give the same reading."""

from __future__ import annotations

import numpy as np
import pytest

from reader.decode import FLOOR, decode_digit, decode_house_number, fuse_readings, house_classes
from tests.jsbridge import call_harness, js_fuse_readings, node_available


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


# --- a drawing read by its image and by its movement, fused --------------------------------


def fusion_cases() -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(image, strokes, image_weight): random readings, sure ones, exact zeros (the floor), a tie."""
    rng = np.random.default_rng(1)
    image, strokes = softmax_rows(rng.normal(scale=4.0, size=(2, 30, 10)).reshape(60, 10)).reshape(2, 30, 10)
    weights = [0.0, 0.3, 0.5, 0.85, 1.0]
    cases = [(i, s, weights[k % len(weights)]) for k, (i, s) in enumerate(zip(image, strokes))]
    cases.append((np.eye(10)[7], np.eye(10)[2], 0.5))  # each model sure, and of another digit
    cases.append((np.full(10, 0.1), np.eye(10)[4] * 0.6 + 0.04, 0.5))  # the image cannot tell
    return cases


def test_fusion_follows_the_weight() -> None:
    image = np.array([0.05, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.9, 0.05, 0.0])  # a 7 by its shape
    strokes = np.array([0.0, 0.0, 0.8, 0.0, 0.0, 0.0, 0.0, 0.15, 0.05, 0.0])  # a 2 by its movement
    assert fuse_readings(image, strokes, 1.0)["probabilities"].argmax() == 7
    assert fuse_readings(image, strokes, 0.0)["probabilities"].argmax() == 2
    np.testing.assert_allclose(fuse_readings(image, strokes, 1.0)["probabilities"], np.maximum(image, FLOOR), atol=1e-6)
    # Between, the digit both find likely wins over the one only one of them saw: 7 is 15 % by its movement.
    half = fuse_readings(image, strokes, 0.5)
    assert half["probabilities"].argmax() == 7 and half["disagree"]
    assert half["probabilities"].sum() == pytest.approx(1.0)
    assert not fuse_readings(image, image, 0.5)["disagree"]
    # A zero is floored, not a veto: the other model alone can still carry a digit.
    assert fuse_readings(np.eye(10)[3], np.eye(10)[5], 0.4)["probabilities"].argmax() == 5


@pytest.mark.skipif(not node_available(), reason="node and node_modules/@tensorflow/tfjs are needed")
def test_fusion_twins_agree() -> None:
    cases = fusion_cases()
    for (image, strokes, weight), js in zip(cases, js_fuse_readings(cases)):
        python = fuse_readings(image, strokes, weight)
        np.testing.assert_allclose(js["probabilities"], python["probabilities"], rtol=1e-9, atol=1e-12)
        assert js["disagree"] == python["disagree"]
    assert any(fuse_readings(*case)["disagree"] for case in cases)
    assert not all(fuse_readings(*case)["disagree"] for case in cases)


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
