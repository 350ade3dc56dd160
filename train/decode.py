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


LENGTH_MORE_THAN_FIVE = 6


def decode_house_number(length_probabilities: np.ndarray, digit_probabilities: list[np.ndarray]) -> dict:
    """Six heads -> {number, confidence, length, complete, digits: [{digit, confidence}]}.

    The length head decides how many digit heads are read (L = argmax + 1); each of
    those gives its most likely real digit (its "no digit" class is ignored, since the
    length head has already said a digit is there). The number's confidence is the
    product of the heads used. "More than five" reads the five digits and reports
    complete = False.
    """
    length_probabilities = np.asarray(length_probabilities, dtype=np.float64)
    length_index = int(length_probabilities.argmax())
    length = length_index + 1
    used = min(length, len(digit_probabilities))
    confidence = float(length_probabilities[length_index])
    digits = []
    for probabilities in digit_probabilities[:used]:
        real = np.asarray(probabilities, dtype=np.float64)[:10]
        digit = int(real.argmax())
        digits.append({"digit": digit, "confidence": round(float(real[digit]), 6)})
        confidence *= float(real[digit])
    return {
        "number": "".join(str(d["digit"]) for d in digits),
        "confidence": round(confidence, 6),
        "length": length,
        "complete": length != LENGTH_MORE_THAN_FIVE,
        "digits": digits,
    }


def decode_number(probabilities: np.ndarray, boxes: list) -> dict:
    """Each digit's 10 probabilities, left to right, and its box -> {number, confidence, digits}.

    The number's confidence is the product of its digits' confidences.
    """
    digits = []
    confidence = 1.0
    for row, box in zip(probabilities, boxes):
        digit = decode_digit(row)
        digits.append({"digit": digit["digit"], "confidence": digit["confidence"], "box": [int(v) for v in box]})
        confidence *= float(np.asarray(row, dtype=np.float64)[digit["digit"]])
    return {
        "number": "".join(str(d["digit"]) for d in digits),
        "confidence": round(confidence, 6),
        "digits": digits,
    }


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-np.float64(x)))


def decode_box(cells: np.ndarray, stride: int) -> dict:
    """The localizer's (rows, cols, 5) output -> {box: [x, y, w, h] in input pixels, score}.

    The number's centre is in the cell with the highest centre logit (the first of equal ones,
    in reading order); the cell gives the offset within it and the box's log size in cells.
    """
    cells = np.asarray(cells, dtype=np.float64)
    row, col = np.unravel_index(int(cells[..., 0].argmax()), cells.shape[:2])
    logit, offset_x, offset_y, log_w, log_h = cells[row, col]
    cx, cy = (col + sigmoid(offset_x)) * stride, (row + sigmoid(offset_y)) * stride
    w, h = np.exp(log_w) * stride, np.exp(log_h) * stride
    return {"box": [float(cx - w / 2), float(cy - h / 2), float(w), float(h)], "score": float(sigmoid(logit))}
