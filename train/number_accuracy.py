"""A number reader's readings of strips and its whole-number accuracy, as the app reads (the strip at
each ink height, voting): what training (train/number_reader.py), the paper measurement (train/paper.py)
and the export's check (export/tfjs.py) all score a number reader by.
"""

from __future__ import annotations

import numpy as np
import tf_keras as keras

from reader.decode import agreed_reading, decode_frames
from train.numbers import MAX_DIGITS


def label_text(row: np.ndarray) -> str:
    return "".join(str(int(d)) for d in row[1 : 1 + int(row[0])])


def as_input(x: np.ndarray) -> np.ndarray:
    return (x.astype(np.float32) / 255.0)[..., None]


def distinct(strips: np.ndarray) -> list[int]:
    """Indices of the strips unlike every earlier one: a size whose strip another size already gave
    is read once (reader/number_strip.py number_strips keeps one strip per placement)."""
    kept: list[int] = []
    for i, strip in enumerate(strips):
        if not any(np.array_equal(strip, strips[j]) for j in kept):
            kept.append(i)
    return kept


def height_readings(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> list[list[dict]]:
    """Each number's strips at several ink heights (N, heights, 32, 256), all in one pass -> per number,
    the decode_frames readings of its distinct strips; the first is the one 24-px strip's."""
    count, heights = x.shape[:2]
    frames = model.predict(as_input(x.reshape(count * heights, *x.shape[2:])), batch_size=batch_size, verbose=0)
    frames = frames.reshape(count, heights, *frames.shape[1:])
    return [[decode_frames(number_frames[i]) for i in distinct(strips)] for strips, number_frames in zip(x, frames)]


def read_all(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> list[dict]:
    """Strips (N, 32, 256) -> one decode_frames reading each; or each number at several ink heights
    (N, heights, 32, 256) -> the reading its sizes agree on (decode.agreed_reading), as reader/read.py
    read_strips reads a number."""
    if x.ndim == 3:
        return [decode_frames(f) for f in model.predict(as_input(x), batch_size=batch_size, verbose=0)]
    return [readings[agreed_reading(readings)] for readings in height_readings(model, x, batch_size)]


def readings_accuracy(readings: list[dict], y: np.ndarray) -> dict:
    """Share of numbers read whole (every digit right, none missing or extra), overall and by length."""
    right = np.array([r["number"] == label_text(row) for r, row in zip(readings, y)])
    lengths = y[:, 0]
    by_length = {
        str(n): round(float(right[lengths == n].mean()), 4) for n in range(1, MAX_DIGITS + 1) if (lengths == n).any()
    }
    return {"whole_number_accuracy": round(float(right.mean()), 4), "count": int(len(y)), "by_length": by_length}


def whole_number_accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict:
    """readings_accuracy of the model's readings; x is one strip per number, or each number's strips
    at several ink heights (read_all)."""
    return readings_accuracy(read_all(model, x), y)
