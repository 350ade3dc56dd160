"""Score a house reader on the real SVHN validation photos (issue 17), as the CLI reads them.

    python -m train.evaluate_real                                  # committed models -> models/metrics.json
    python -m train.evaluate_real --model-file runs/real/house.keras --out-dir runs/real
    python -m train.evaluate_real --limit 60 --no-find             # a quick look, no localizer

The photos are the fixed validation split of train/svhn.py (file numbers from REAL_VAL_FIRST_FILE
on, never trained on). Each photo is read through the CLI's own code path (reader/read.py:
load_image, then read_house_number with a box, or find_house_number with the localizer), three ways:

- annotated box: the union of the digit boxes, as `predict --box` (the reader grows it by 30 %);
- jittered boxes: JITTER_VARIANTS loose boxes per photo, a person's box (svhn.jitter_box: grown
  0-40 % and shifted), drawn from JITTER_SEED so the figure is repeatable;
- no box: the localizer finds the number first, as `predict --find` and the page do.

Prints every misread as a JSON line, then one summary line per figure (whole-number accuracy, by
length), and records them in metrics.json under "house_real" (train/evaluate.py's update_metrics).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reader.locate import iou
from reader.paths import LOCALIZER_FILE, MODEL_FILES, MODELS_DIR, REPO_ROOT
from reader.read import find_house_number, load_image, read_house_number
from train.cli import command
from train.evaluate import load_model_file, update_metrics
from train.svhn import (
    REAL_SAMPLE_DIR,
    REAL_VAL_FIRST_FILE,
    Annotation,
    jitter_box,
    load_annotations,
    split_real,
    union_box,
)

# --- settings ---------------------------------------------------------------------------
JITTER_VARIANTS = 3  # loose boxes per photo: three times the reads, a steadier figure
JITTER_SEED = 17
METRICS_KEY = "house_real"
MISREADS_KEPT = 40  # per figure in metrics.json; every misread is printed
# ---------------------------------------------------------------------------------------


def whole_pixels(box: tuple[float, float, float, float], width: int, height: int) -> tuple[int, int, int, int]:
    """A box -> whole pixels inside the photo, as a person's box reaches the CLI (`--box x,y,w,h`)."""
    left, top = min(width - 1, max(0, round(box[0]))), min(height - 1, max(0, round(box[1])))
    right, bottom = min(width, round(box[0] + box[2])), min(height, round(box[1] + box[3]))
    return left, top, max(1, right - left), max(1, bottom - top)


def jittered_boxes(annotation: Annotation, rng: np.random.Generator, width: int, height: int) -> list[tuple]:
    """JITTER_VARIANTS loose boxes around the annotated number, in whole pixels."""
    box = union_box(annotation.boxes)
    return [whole_pixels(jitter_box(box, rng), width, height) for _ in range(JITTER_VARIANTS)]


def score(reads: list[dict]) -> dict:
    """[{file, true, read, ...}] -> whole-number accuracy, overall and by length, and the misreads."""
    right = np.array([r["true"] == r["read"] for r in reads])
    lengths = np.array([len(r["true"]) for r in reads])
    by_length = {str(n): round(float(right[lengths == n].mean()), 5) for n in sorted(set(lengths.tolist()))}
    count_by_length = {str(n): int((lengths == n).sum()) for n in sorted(set(lengths.tolist()))}
    misread = [r for r in reads if r["true"] != r["read"]]
    return {
        "whole_number_accuracy": round(float(right.mean()), 5) if reads else None,
        "count": len(reads),
        "accuracy_by_length": by_length,
        "count_by_length": count_by_length,
        "misread_count": len(misread),
        "misread": misread,
    }


def box_tightness(reads: list[dict]) -> dict:
    """How well the found boxes fit the annotated ones, beyond IoU >= 0.5: a box that takes in a neighbour
    or the photo's edge is wider than the number, and the reader then reads one digit more."""
    ious = np.array([r["iou"] for r in reads])
    widths = np.array([r["box"][2] / max(1, r["annotated"][2]) for r in reads])
    longer = np.array([len(r["read"]) > len(r["true"]) for r in reads])
    return {
        "box_found_iou_0_5": round(float((ious >= 0.5).mean()), 5),
        "box_found_iou_0_7": round(float((ious >= 0.7).mean()), 5),
        "median_iou": round(float(np.median(ious)), 4),
        "median_width_ratio": round(float(np.median(widths)), 3),
        "wider_than_1_5": round(float((widths > 1.5).mean()), 5),
        "digit_added": round(float(longer.mean()), 5),
    }


def read_photo(pixels: np.ndarray, annotation: Annotation, reader, localizer, rng: np.random.Generator) -> dict:
    """One photo -> its reads for the three figures (each a list of {file, true, read, ...})."""
    height, width = pixels.shape[:2]
    base = {"file": annotation.filename, "true": annotation.number}
    annotated = whole_pixels(union_box(annotation.boxes), width, height)
    reads = {"annotated_box": [{**base, "read": read_house_number(pixels, reader, annotated)["number"]}]}
    reads["jittered_box"] = [
        {**base, "read": read_house_number(pixels, reader, box)["number"], "box": list(box)}
        for box in jittered_boxes(annotation, rng, width, height)
    ]
    if localizer is not None:
        found = find_house_number(pixels, reader, localizer)
        overlap = round(iou(found["box"], annotated), 3)
        reads["no_box"] = [
            {**base, "read": found["number"], "box": list(found["box"]), "annotated": list(annotated), "iou": overlap}
        ]
    return reads


def evaluate_real(directory: Path, reader, localizer=None, limit: int | None = None, progress: bool = True) -> dict:
    """The validation photos of `directory` (the first `limit` by file number) -> the three figures."""
    _, validation = split_real(load_annotations(directory))
    validation = validation[:limit] if limit else validation
    rng = np.random.default_rng(JITTER_SEED)
    reads: dict[str, list] = {"annotated_box": [], "jittered_box": [], "no_box": []}
    for annotation in tqdm(validation, desc="real validation photos", disable=not progress):
        pixels = load_image(directory / annotation.filename)
        for key, items in read_photo(pixels, annotation, reader, localizer, rng).items():
            reads[key].extend(items)
    figures = {key: score(items) if items else None for key, items in reads.items()}
    if figures["no_box"]:
        figures["no_box"].update(box_tightness(reads["no_box"]))
    return {
        "photos": len(validation),
        "split": f"{directory.name}: file numbers >= {REAL_VAL_FIRST_FILE}",
        "jitter": {"variants": JITTER_VARIANTS, "seed": JITTER_SEED},
        **figures,
    }


def summary_lines(report: dict) -> list[dict]:
    """One line per measured figure, without the misreads."""
    return [
        {"figure": key, **{k: v for k, v in report[key].items() if k != "misread"}}
        for key in ("annotated_box", "jittered_box", "no_box")
        if report[key]
    ]


def recorded(report: dict) -> dict:
    """The report as metrics.json keeps it: the first MISREADS_KEPT misreads of each figure."""
    out = dict(report)
    for key in ("annotated_box", "jittered_box", "no_box"):
        if out[key]:
            out[key] = {**out[key], "misread": out[key]["misread"][:MISREADS_KEPT]}
    return out


def shown_path(path: str) -> str:
    """A path as metrics.json keeps it: relative to the repository when inside it, so it reads the same anywhere."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(path)


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Whole-number accuracy of the house reader on real SVHN photos.")
    parser.add_argument("--data-dir", default=str(REAL_SAMPLE_DIR), help=f"default: {REAL_SAMPLE_DIR}")
    parser.add_argument(
        "--model-file", default=str(MODELS_DIR / MODEL_FILES["house"]), help="default: models/house.keras"
    )
    parser.add_argument(
        "--localizer-file", default=str(MODELS_DIR / LOCALIZER_FILE), help="default: models/localizer.keras"
    )
    parser.add_argument("--out-dir", default=str(MODELS_DIR), help="metrics.json goes here (default: models/)")
    parser.add_argument("--limit", type=int, help="only the first N validation photos (default: all)")
    parser.add_argument("--no-find", action="store_true", help="skip the no-box figure (no localizer)")
    args = parser.parse_args(argv)
    reader = load_model_file(Path(args.model_file))
    localizer = None if args.no_find else load_model_file(Path(args.localizer_file))
    report = evaluate_real(Path(args.data_dir), reader, localizer, args.limit)
    for key in ("annotated_box", "jittered_box", "no_box"):
        for item in (report[key] or {}).get("misread", []):
            print(json.dumps({"figure": key, **item}))
    figures = {**recorded(report), "model_file": shown_path(args.model_file)}
    figures["localizer_file"] = None if args.no_find else shown_path(args.localizer_file)
    update_metrics(METRICS_KEY, figures, Path(args.out_dir) / "metrics.json")
    for line in summary_lines(report):
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
