"""Score the house-number reader on any labelled folder of photos.

    python -m train.evaluate_house DIR [--model-file models/house.keras]
    python -m train.evaluate_house DIR --make-generated 200    # first fill DIR with generated scenes

DIR/labels.csv has a header and the columns file,number and optionally x,y,w,h
(the box around the number in image pixels; without it the whole image is read).
Prints the whole-number accuracy and every misreading, as JSON lines.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from reader.paths import MODELS_DIR
from reader.read import BadBoxError, UnreadableImageError, load_image, read_house_number
from train.cli import command
from train.evaluate import load_keras_reader

BOX_COLUMNS = ("x", "y", "w", "h")


def read_labels(directory: Path) -> list[dict]:
    """Rows of labels.csv as {file, number, box or None}; a clear error for a bad file."""
    path = directory / "labels.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (columns: file,number[,x,y,w,h])")
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"file", "number"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: the header must name at least the columns file,number")
        for line, row in enumerate(reader, start=2):
            number = (row["number"] or "").strip()
            if not number.isdigit():
                raise ValueError(f"{path}:{line}: number {number!r} is not a string of digits")
            has_box = all((row.get(c) or "").strip() for c in BOX_COLUMNS)
            box = tuple(int(float(row[c])) for c in BOX_COLUMNS) if has_box else None
            rows.append({"file": row["file"], "number": number, "box": box})
    return rows


def evaluate_folder(directory: Path, model) -> dict:
    rows = read_labels(directory)
    misread, unreadable = [], []
    for row in rows:
        try:
            result = read_house_number(load_image(directory / row["file"]), model, row["box"])
        except (UnreadableImageError, BadBoxError) as err:
            unreadable.append({"file": row["file"], "error": str(err)})
            continue
        if result["number"] != row["number"]:
            misread.append(
                {
                    "file": row["file"],
                    "true": row["number"],
                    "read": result["number"],
                    "confidence": result["confidence"],
                }
            )
    correct = len(rows) - len(misread) - len(unreadable)
    return {
        "images": len(rows),
        "read_whole": correct,
        "whole_number_accuracy": round(correct / len(rows), 5) if rows else None,
        "misread": misread,
        "unreadable": unreadable,
    }


def make_generated_folder(directory: Path, count: int, seed: int = 3) -> None:
    """Fill a folder with generated street scenes and their labels.csv (boxes included)."""
    from PIL import Image

    from train.synth import generate_scenes

    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "number", *BOX_COLUMNS])
        for i, scene in enumerate(generate_scenes(count, seed)):
            name = f"scene_{i:04d}.jpg"
            Image.fromarray(scene.image).save(directory / name, quality=90)
            writer.writerow([name, scene.number, *scene.box])


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Whole-number accuracy of the house reader on a labelled folder.")
    parser.add_argument("directory", help="folder with images and labels.csv (file,number[,x,y,w,h])")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where house.keras is (default: models/)")
    parser.add_argument("--make-generated", type=int, metavar="N", help="first write N generated scenes there")
    args = parser.parse_args(argv)
    directory = Path(args.directory)
    try:
        if args.make_generated:
            make_generated_folder(directory, args.make_generated)
        report = evaluate_folder(directory, load_keras_reader("house", Path(args.models_dir)))
    except ValueError as err:  # a malformed labels.csv; missing files are @command's
        print(f"error: {err}", file=sys.stderr)
        return 1
    for item in report["misread"] + report["unreadable"]:
        print(json.dumps(item))
    summary = {k: report[k] for k in ("images", "read_whole", "whole_number_accuracy")}
    summary["unreadable"] = len(report["unreadable"])
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
