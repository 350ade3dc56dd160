"""The command line: read digits, numbers and house numbers from image files, one JSON line each.

    python -m reader IMAGE [IMAGE ...] [--model cnn|mlp]
    python -m reader --model house PHOTO [--box x,y,w,h | --find]
    python -m reader --number IMAGE [IMAGE ...] [--model cnn|mlp]

Handwritten digits may be PNG or JPEG of any size, dark ink on paper or light ink
on dark. House numbers are read from the box around the number (grown by 30 %, as
in training), or from the whole image when no box is given; --find looks for the number
first, with the localizer, as the page does (reader/locate.py). --number reads a row of
handwritten digits: the number reader reads the whole row, and reader/segment.py cuts
it into digits for their boxes.
Every file gets one JSON line on stdout, in the order given: its reading, or
{"file", "error", "detail"} when it has none, with the API's error names (not an image,
blank, no digit in the ink, box outside it; an unexpected failure is "internal_error",
reported for that file alone). A batch always finishes: the other files are still read, a
message on stderr names each file that failed and says how many did, and the exit code is 1.
On a terminal, stderr shows the batch's progress. A model that cannot be loaded exits with 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from reader import read
from reader.paths import MODEL_FILES, MODELS_DIR
from reader.quiet_tf import silenced_stderr
from reader.read import REFUSALS, BadBoxError

PROGRESS_FROM = 10  # batches of this many files or more show their progress on a terminal
CLEAR_LINE = "\r\x1b[K"  # an error message replaces the progress line, which is drawn again after it


def failure_line(name: str, err: Exception) -> dict:
    """A file's exception -> the JSON line that says why it has no reading: a refusal under the API's
    name (reader.read.REFUSALS), anything else as internal_error, naming where it arose for a bug report."""
    known = next((REFUSALS[kind][1] for kind in type(err).__mro__ if kind in REFUSALS), None)
    if known is not None:
        return {"file": name, "error": known, "detail": str(err)}
    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    detail = f"unexpected {type(err).__name__}{where}: {err} (a bug: please report it with the image)"
    return {"file": name, "error": "internal_error", "detail": detail}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reader",
        description="Read handwritten digits or house numbers from image files (one JSON line each).",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG files")
    parser.add_argument("--model", choices=sorted(MODEL_FILES), default="cnn", help="which model (default: cnn)")
    parser.add_argument("--box", help="house numbers: x,y,w,h of the number in image pixels (default: whole image)")
    parser.add_argument(
        "--find", action="store_true", help="house numbers: find the number in the photo first (as the page does)"
    )
    parser.add_argument(
        "--number", action="store_true", help="read a handwritten number, digits side by side (default: one digit)"
    )
    parser.add_argument(
        "--models-dir", default=str(MODELS_DIR), help="the folder whose tflite/ holds the exports (default: models/)"
    )
    args = parser.parse_args(argv)
    box = None
    if args.number and args.model == "house":
        parser.error("--number reads handwriting: use --model cnn or mlp")
    if args.find and (args.model != "house" or args.box):
        parser.error("--find goes with --model house, instead of --box")
    if args.box:
        if args.model != "house":
            parser.error("--box goes with --model house")
        try:
            box = read.parse_box(args.box)
        except BadBoxError as err:
            parser.error(str(err))
    try:
        # LiteRT announces its CPU delegate on stderr (C++, once per process), when the first model loads.
        with silenced_stderr():
            model = read.load_reader(args.model, Path(args.models_dir))
            localizer = read.load_reader("localizer", Path(args.models_dir)) if args.find else None
            reader = read.load_reader("number_reader", Path(args.models_dir)) if args.number else None
    except (OSError, ValueError, RuntimeError) as err:  # no export, or a damaged one
        print(f"error: cannot load the {args.model} model: {err}", file=sys.stderr)
        return 2
    failures = 0
    progress = sys.stderr.isatty() and len(args.images) >= PROGRESS_FROM
    for count, name in enumerate(args.images, start=1):
        try:
            pixels = read.load_image(name)
            if localizer is not None:
                result = {**read.find_house_number(pixels, model, localizer), "model": "house"}
            else:
                result = read.read_image(pixels, args.model, model, box, number=args.number, reader=reader)
            line = {"file": name, **result}
        except Exception as err:  # one file's failure, whatever it is, must not end the batch
            line = failure_line(name, err)
        print(json.dumps(line), flush=True)
        if "error" in line:
            failures += 1
            print(f"{CLEAR_LINE if progress else ''}error: {name}: {line['detail']}", file=sys.stderr)
        if progress:
            print(f"\r{count}/{len(args.images)} files, {failures} failed", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    if failures:
        print(f"{failures} of {len(args.images)} files could not be read", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
