"""The stroke reader's data: drawings as the page records them (strokes in canvas pixels, y down),
turned into its input by reader/stroke_features.py.

- the pen trajectories of the training writers (train/pendigits.py's split), each as drawn and
  drawn many other ways (train/stroke_augment.py);
- MNIST training digits traced back into strokes (train/strokes.py), the number reader's digit bank;
- for validation, the held-out writers' trajectories as drawn, and MNIST validation digits traced,
  with the page's image of them for the image CNN.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from reader.preprocess import preprocess_clean
from reader.stroke_features import N_POINTS, stroke_features
from train.numbers import digit_banks, draw_strokes
from train.pendigits import PenDigit, load_pendigits, split_by_writer
from train.stroke_augment import augment_strokes
from train.strokes import CANVAS_SIZE, MEDIUM_BRUSH, on_canvas, place_strokes

PEN_COPIES = 12  # each training writer's trajectory, drawn this many ways per epoch's data
MNIST_COPIES = 2  # each traced digit as traced, and one other way

Strokes = list[np.ndarray]


def canvas_strokes(digit: PenDigit) -> Strokes:
    """A pen digit on the page's canvas (y down), centred at 70 % of its height."""
    return place_strokes(digit.strokes)


def traced_mnist(limit: int | None = None) -> dict[str, tuple[list[Strokes], np.ndarray]]:
    """MNIST traced into strokes: the number reader's digit bank (train/numbers.py digit_banks, cached in
    cache/, 5 min to make on 2 cores), strokes in MNIST pixels. "train": the training digits; "validation":
    the last 5,000 training images, which neither the image CNN nor this reader trains on. `limit`: the
    first digits only, traced now (smoke runs)."""
    banks = digit_banks(limit=limit)
    pen_count = len(split_by_writer(load_pendigits())[0])  # the bank's training pen digits come last
    parts = {"train": banks["train"][: len(banks["train"]) - pen_count], "validation": banks["validation"]}
    return {
        name: ([strokes for _, strokes in part], np.array([label for label, _ in part], dtype=np.int64))
        for name, part in parts.items()
    }


def features_of(drawings: list[Strokes]) -> np.ndarray:
    return np.stack([stroke_features(d, N_POINTS) for d in drawings])


def training_set(
    pen: list[PenDigit], mnist: tuple[list[Strokes], np.ndarray], seed: int, mnist_copies: int = MNIST_COPIES
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels: every training trajectory as drawn once, and PEN_COPIES - 1 other ways;
    every traced MNIST digit as traced, and mnist_copies - 1 other ways (the tracer's stroke order and
    direction are not a person's, so those change often)."""
    rng = np.random.default_rng(seed)
    drawings, labels = [], []
    for digit in tqdm(pen, desc="drawing pen digits many ways"):
        strokes = canvas_strokes(digit)
        drawings.append(strokes)
        drawings.extend(augment_strokes(strokes, rng) for _ in range(PEN_COPIES - 1))
        labels.extend([digit.label] * PEN_COPIES)
    traced, traced_labels = mnist
    for strokes, label in zip(tqdm(traced, desc="drawing traced MNIST digits"), traced_labels):
        drawings.append(strokes)
        drawings.extend(augment_strokes(strokes, rng, natural_order=False) for _ in range(mnist_copies - 1))
        labels.extend([int(label)] * mnist_copies)
    return features_of(drawings), np.array(labels, dtype=np.int64)


def held_out_features() -> tuple[np.ndarray, np.ndarray]:
    """The held-out writers' trajectories as drawn: (features, labels)."""
    _, val_digits = split_by_writer(load_pendigits())
    return features_of([canvas_strokes(d) for d in val_digits]), np.array([d.label for d in val_digits])


def traced_mnist_validation(
    validation: tuple[list[Strokes], np.ndarray], count: int
) -> tuple[list[Strokes], np.ndarray, np.ndarray]:
    """The first `count` traced validation digits (traced_mnist()["validation"]) as the page gets them:
    (strokes on the canvas, as train/strokes.py mnist_strokes places a digit; the page's preprocessed
    image of them drawn with the medium brush; labels)."""
    strokes, labels = validation
    drawings = [on_canvas(d) for d in strokes[:count]]
    images = [
        preprocess_clean(draw_strokes(d, CANVAS_SIZE, CANVAS_SIZE, MEDIUM_BRUSH * CANVAS_SIZE, 2)) for d in drawings
    ]
    return drawings, np.stack(images)[..., None], labels[:count]
