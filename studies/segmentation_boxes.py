"""Do number mode's boxes need segmentation? Box quality of both ways against the true digit boxes.

    python -m studies.segmentation_boxes            # 300 numbers: prints the table, writes docs/segmentation_boxes.json
    python -m studies.segmentation_boxes --count 40 --out /tmp/boxes.json

The numbers are composed from MNIST *test* digits written on the page's number canvas, as the
browser accuracy test writes them (tests/numbers.py: 2-6 digits, some touching, some broken),
so each digit's true box is the ink its own strokes leave. Three ways give boxes for a reading:
- segmentation (reader/segment.py): connected components, merges and CNN-guided cuts;
- the number reader's frames (reader/decode.py frame_boxes): the ink between the midpoints of
  neighbouring digits' frames;
- the page (combine_number_readings): segmentation's boxes when it found as many digits as the
  number reader, else the frames' (what ships).
Each true digit is scored by IoU with the box of its place when a way found as many digits as
there are, else with the best-overlapping box it gave. The figures decide whether the
segmentation twin (about 1,300 lines in Python and JS) earns its place.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reader.decode import combine_number_readings, frame_boxes
from reader.locate import iou
from reader.number_strip import number_strip
from reader.paper_ink import ink_image
from reader.paths import DOCS_DIR, MODELS_DIR
from reader.preprocess import INK_THRESHOLD
from reader.read import classify_crops, read_strips
from reader.segment import segment_config, segment_number
from tests.numbers import NUMBER_HEIGHT, NUMBER_WIDTH, compose_numbers, ink_mask, render_strokes
from train.cli import command
from train.data import load_mnist
from train.evaluate import load_keras_reader

COUNT = 300  # numbers, as the browser accuracy test
SEED = 0  # the same numbers as tests/browser/test_accuracy.py


def true_boxes(digits: list) -> list[list[int]]:
    """[x, y, w, h] of the ink each digit's own strokes leave on the canvas."""
    boxes = []
    for strokes in digits:
        rows, cols = np.nonzero(ink_mask(strokes, NUMBER_WIDTH, NUMBER_HEIGHT))
        boxes.append(
            [int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)]
        )
    return boxes


def digit_ious(truth: list[list[int]], found: list[list[int]]) -> list[float]:
    """One IoU per true digit: with the box in its place when the counts agree, else the best overlap."""
    if len(found) == len(truth):
        return [iou(t, f) for t, f in zip(truth, found)]
    return [max((iou(t, f) for f in found), default=0.0) for t in truth]


def box_ways(pixels: np.ndarray, classifier, reader) -> dict[str, list[list[int]]]:
    """The boxes each way gives for one image: {segmentation, frames, page}."""
    ink = ink_image(pixels)
    segmented = segment_number(ink, lambda crops: classify_crops(crops, classifier), segment_config())
    sequence, placement = read_strips([number_strip(ink)], reader)
    frames = frame_boxes(ink, placement, sequence["digits"], placement["stride"], INK_THRESHOLD)
    page = combine_number_readings(sequence, segmented, frames)
    return {
        "segmentation": [d["box"] for d in segmented["digits"]],
        "frames": frames,
        "page": [d["box"] for d in page["digits"]],
    }


def summary(ious: list[float], counts_agree: list[bool]) -> dict:
    values = np.array(ious)
    return {
        "mean_iou": round(float(values.mean()), 4),
        "iou_at_least_0_5": round(float((values >= 0.5).mean()), 4),
        "digit_count_right": round(float(np.mean(counts_agree)), 4),
    }


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.segmentation_boxes", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help=f"numbers (default: {COUNT})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default: {SEED}")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="default: models/")
    parser.add_argument("--out", default=str(DOCS_DIR / "segmentation_boxes.json"), help="where the figures go")
    args = parser.parse_args(argv)
    _, (images, labels) = load_mnist()
    classifier = load_keras_reader("cnn", Path(args.models_dir))
    reader = load_keras_reader("number_reader", Path(args.models_dir))
    ious = {"segmentation": [], "frames": [], "page": []}
    agree = {"segmentation": [], "frames": [], "page": []}
    for number in tqdm(compose_numbers(images, labels, args.count, args.seed), desc="numbers", unit="number"):
        truth = true_boxes(number.digits)
        pixels = np.repeat(render_strokes(number.strokes)[..., None], 3, axis=2)
        for way, found in box_ways(pixels, classifier, reader).items():
            ious[way] += digit_ious(truth, found)
            agree[way].append(len(found) == len(truth))
    figures = {way: summary(ious[way], agree[way]) for way in ious}
    figures["numbers"], figures["digits"] = args.count, len(ious["frames"])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"{'way':<14}{'mean IoU':>10}{'IoU >= 0.5':>12}{'count right':>13}   ({figures['digits']} digits)")
    for way in ious:
        f = figures[way]
        print(f"{way:<14}{f['mean_iou']:>10.3f}{f['iou_at_least_0_5']:>12.1%}{f['digit_count_right']:>13.1%}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
