"""Model outputs -> what a person reads. Twin of web/static/js/decode.js (same names, same order)."""

from __future__ import annotations

import numpy as np

NO_NUMBER = "ink found, but no digit could be made out in it (too faint, too small, or only lines and specks)"


class NoNumberError(ValueError):
    """Raised when an image holds ink but neither reader makes out a digit in it."""


def require_digits(reading: dict) -> dict:
    """A number's reading, as it is when it holds a digit; raises NoNumberError when it holds none,
    rather than answering an empty number that a person would take for a reading."""
    if not reading["digits"]:
        raise NoNumberError(NO_NUMBER)
    return reading


def decode_digit(probabilities: np.ndarray) -> dict:
    """10 class probabilities -> {digit, confidence, probabilities}."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    digit = int(probabilities.argmax())
    return {
        "digit": digit,
        "confidence": round(float(probabilities[digit]), 6),
        "probabilities": [round(float(p), 6) for p in probabilities],
    }


FLOOR = 1e-7  # no class is impossible: a log of 0 would let one model veto a digit alone


def fuse_readings(image: np.ndarray, strokes: np.ndarray, image_weight: float) -> dict:
    """A drawing read two ways -> {probabilities, disagree}: a weighted mean of the two models' log
    probabilities, normalised again. The weight is chosen on held-out writers
    (train/stroke_reader.py); disagree is True when the two models' own best digits differ."""
    image = np.maximum(np.asarray(image, dtype=np.float64), FLOOR)
    strokes = np.maximum(np.asarray(strokes, dtype=np.float64), FLOOR)
    logs = image_weight * np.log(image) + (1.0 - image_weight) * np.log(strokes)
    fused = np.exp(logs - logs.max())
    return {"probabilities": fused / fused.sum(), "disagree": bool(image.argmax() != strokes.argmax())}


MAX_DIGITS = 5  # digit heads of the house reader
NO_DIGIT = 10  # the digit heads' class for "no digit here"
LENGTH_MORE_THAN_FIVE = 6  # the length label of numbers longer than MAX_DIGITS


def house_classes() -> dict:
    """The house reader's class lists and special indices: metadata.json carries them to decode.js."""
    return {
        "length_classes": [str(n) for n in range(1, MAX_DIGITS + 1)] + [f"more than {MAX_DIGITS}"],
        "digit_classes": [str(d) for d in range(10)] + ["no digit"],
        "no_digit": NO_DIGIT,
        "more_than_five": LENGTH_MORE_THAN_FIVE - 1,  # its index in length_classes
    }


def decode_house_number(
    length_probabilities: np.ndarray, digit_probabilities: list[np.ndarray], classes: dict | None = None
) -> dict:
    """Six heads -> {number, confidence, length, complete, digits: [{digit, confidence}]}.

    The length head decides how many digit heads are read (L = argmax + 1); each of
    those gives its most likely real digit (its "no digit" class is ignored, since the
    length head has already said a digit is there). The number's confidence is the
    product of the heads used. "More than five" reads the five digits and reports
    complete = False. `classes` holds the special indices (house_classes(), the default).
    """
    classes = classes or house_classes()
    length_probabilities = np.asarray(length_probabilities, dtype=np.float64)
    length_index = int(length_probabilities.argmax())
    length = length_index + 1
    used = min(length, len(digit_probabilities))
    confidence = float(length_probabilities[length_index])
    digits = []
    for probabilities in digit_probabilities[:used]:
        real = np.array(probabilities, dtype=np.float64)
        real[classes["no_digit"]] = -1.0  # never the argmax of probabilities
        digit = int(real.argmax())
        digits.append({"digit": digit, "confidence": round(float(real[digit]), 6)})
        confidence *= float(real[digit])
    return {
        "number": "".join(str(d["digit"]) for d in digits),
        "confidence": round(confidence, 6),
        "length": length,
        "complete": length_index != classes["more_than_five"],
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


BLANK = 10  # the number reader's last class: no digit centred in this frame (CTC's blank)


def frame_classes() -> dict:
    """The number reader's classes per frame and its blank: metadata.json carries them to decode.js."""
    return {"classes": [str(d) for d in range(10)] + ["blank"], "blank": BLANK}


def decode_frames(frames: np.ndarray, blank: int = BLANK) -> dict:
    """The number reader's (frames, 11) probabilities -> {number, confidence, digits: [{digit,
    confidence, frames: [first, last]}]}.

    Greedy CTC: the likeliest class per frame (the first of equal ones), runs of one class
    collapsed, blanks dropped. A digit's confidence is its highest probability over its run;
    the number's is the product of its digits'.
    """
    frames = np.asarray(frames, dtype=np.float64)
    best = frames.argmax(axis=1)
    digits: list[dict] = []
    previous = blank
    for t, label in enumerate(best.tolist()):
        if label != blank and label == previous:
            digits[-1]["frames"][1] = t
            digits[-1]["confidence"] = max(digits[-1]["confidence"], float(frames[t, label]))
        elif label != blank:
            digits.append({"digit": label, "confidence": float(frames[t, label]), "frames": [t, t]})
        previous = label
    confidence = float(np.prod([d["confidence"] for d in digits])) if digits else 0.0
    for d in digits:
        d["confidence"] = round(d["confidence"], 6)
    return {"number": "".join(str(d["digit"]) for d in digits), "confidence": round(confidence, 6), "digits": digits}


def frame_boxes(ink: np.ndarray, placement: dict, digits: list[dict], stride: int, threshold: float) -> list[list[int]]:
    """Boxes [x, y, w, h] in image pixels of the digits decode_frames read, from where their frames are.

    A digit's frames sit about its middle, so the ink's columns are split halfway between
    neighbouring digits' frames, and each box is the ink (above threshold) in its share.
    """
    x0, y0, w, h = placement["box"]
    centres = [
        x0 + ((d["frames"][0] + d["frames"][1] + 1) / 2 * stride - placement["left"]) / placement["scale"]
        for d in digits
    ]
    middles = [int(np.floor((a + b) / 2 + 0.5)) for a, b in zip(centres, centres[1:])]
    # Kept inside the ink's box and in order, wherever the frames are.
    edges = [x0] + [min(max(m, x0), x0 + w) for m in middles] + [x0 + w]
    edges = [max(edges[: i + 1]) for i in range(len(edges))]
    boxes = []
    for left, right in zip(edges, edges[1:]):
        part = ink[y0 : y0 + h, left:right] > threshold
        rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
        if rows.size == 0:
            boxes.append([int(left), int(y0), int(max(1, right - left)), int(h)])
        else:
            boxes.append(
                [int(left + cols[0]), int(y0 + rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]
            )
    return boxes


def combine_number_readings(sequence: dict, segmented: dict, boxes: list[list[int]]) -> dict:
    """The number reader's reading (decode_frames), with boxes: the segmentation's where it found
    as many digits (its cuts follow the ink), else `boxes` (frame_boxes). -> {number, confidence,
    digits: [{digit, confidence, box}], readings: what each read on its own}, as decode_number
    gives with readings added."""
    readings = {"reader": sequence["number"], "segmentation": segmented["number"]}
    if not sequence["digits"]:
        return {**segmented, "readings": readings}  # the reader saw no digit: keep what segmentation found
    if len(segmented["digits"]) == len(sequence["digits"]):
        boxes = [d["box"] for d in segmented["digits"]]
    digits = [
        {"digit": d["digit"], "confidence": d["confidence"], "box": box} for d, box in zip(sequence["digits"], boxes)
    ]
    return {"number": sequence["number"], "confidence": sequence["confidence"], "digits": digits, "readings": readings}


def agreed_reading(readings: list[dict]) -> int:
    """Readings of one number's variants (boxes of a photo, sizes of a strip) -> the index of the one to keep.

    Each number read gets the sum of its readings' confidences, and the number with the largest
    sum wins (the first of equal ones); of its readings, the surest (the first of equal ones).
    A number read from many variants beats one read very surely from one odd variant: a box cut a
    little short often reads a digit too few, and surely.
    """
    votes: dict[str, float] = {}
    for reading in readings:
        votes[reading["number"]] = votes.get(reading["number"], 0.0) + reading["confidence"]
    winner = max(votes, key=lambda number: votes[number])  # dicts keep first-seen order: ties go to the first
    chosen = [i for i, reading in enumerate(readings) if reading["number"] == winner]
    return max(chosen, key=lambda i: readings[i]["confidence"])
