"""Read digits from image files: file -> preprocess -> model -> decode -> one JSON line each.

    python -m train.predict IMAGE [IMAGE ...] [--model cnn|mlp]
    python -m train.predict --model house PHOTO [--box x,y,w,h | --find]
    python -m train.predict --number IMAGE [IMAGE ...] [--model cnn|mlp]

Handwritten digits may be PNG or JPEG of any size, dark ink on paper or light ink
on dark. House numbers are read from the box around the number (grown by 30 %, as
in training), or from the whole image when no box is given; --find looks for the number
first, with the localizer, as the page does (train/locate.py). --number reads a row of
handwritten digits: the number reader (train/number_reader.py) reads the whole row, and
train/segment.py cuts it into digits for their boxes.
A file that cannot be read (not an image, blank, truncated, box outside it) gets a
message on stderr naming it; the other files are still read, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import sys
from pathlib import Path
from typing import BinaryIO

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: E402

from train.decode import (  # noqa: E402
    combine_number_readings,
    decode_digit,
    decode_frames,
    decode_house_number,
    frame_boxes,
)
from train.evaluate import MODELS_DIR  # noqa: E402
from train.locate import candidate_boxes, locate_number  # noqa: E402
from train.preprocess import (  # noqa: E402
    INK_THRESHOLD,
    STRIP_WIDTH,
    EmptyImageError,
    ink_image,
    number_strip,
    preprocess_digit,
    preprocess_house,
)
from train.quiet_tf import import_tensorflow_quietly  # noqa: E402
from train.segment import segment_config, segment_number  # noqa: E402

MODEL_FILES = {"cnn": "mnist_cnn.keras", "mlp": "mnist_mlp.keras", "house": "house.keras"}
LOCALIZER_FILE = "localizer.keras"  # not a reader of its own: it finds the box for the house reader
NUMBER_READER_FILE = "number_reader.keras"  # number mode: reads the whole row; segmentation gives the boxes
HELPER_FILES = {"localizer": LOCALIZER_FILE, "number_reader": NUMBER_READER_FILE}
Box = tuple[int, int, int, int]
MAX_PIXELS = 50_000_000  # larger images are refused before they are decoded in full
# PIL itself refuses twice this (DecompressionBombError) even where our own check is bypassed.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Photos and scans come in these; every other decoder PIL has is attack surface we do not need.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
# What PIL's decoders raise on hostile or damaged bytes, besides OSError.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error)


class UnreadableImageError(ValueError):
    """Raised for files that are not images PIL can decode, or are too large."""


class BadBoxError(ValueError):
    """Raised for a box that is malformed or does not overlap the image."""


def parse_box(text: str) -> Box:
    """'x,y,w,h' (non-negative integers, w and h > 0) -> tuple."""
    try:
        x, y, w, h = (int(float(v)) for v in text.split(","))
    except (ValueError, OverflowError):  # OverflowError: int(float("inf"))
        raise BadBoxError(f"box must be x,y,w,h in pixels, got {text!r}") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise BadBoxError(f"box needs x, y >= 0 and w, h > 0, got {text!r}")
    return x, y, w, h


def check_box_inside(box: Box, width: int, height: int) -> None:
    x, y, w, h = box
    if x >= width or y >= height:
        raise BadBoxError(f"box {x},{y},{w},{h} lies outside the {width}x{height} image")


def load_image(source: str | Path | bytes | BinaryIO) -> np.ndarray:
    """File path, bytes or binary file -> uint8 (H, W, 4) RGBA, upright as the camera held it (EXIF applied)."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with Image.open(source, formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImageError(f"image too large ({image.width}x{image.height} pixels)")
            image = ImageOps.exif_transpose(image)
            return np.asarray(image.convert("RGBA"))
    except FileNotFoundError:
        raise UnreadableImageError("no such file") from None
    except IsADirectoryError:
        raise UnreadableImageError("is a directory, not an image file") from None
    except UnidentifiedImageError:
        raise UnreadableImageError("not an image (PNG or JPEG expected)") from None
    except Image.DecompressionBombError:
        raise UnreadableImageError("image too large (a decompression bomb?)") from None
    except UnreadableImageError:
        raise
    except DECODE_ERRORS as err:
        raise UnreadableImageError(f"cannot decode image: {err}") from None


def load_reader(kind: str, models_dir: Path = MODELS_DIR):
    """A model for inference: a reader named in MODEL_FILES, or one of HELPER_FILES."""
    import_tensorflow_quietly()
    import tf_keras as keras

    path = models_dir / HELPER_FILES.get(kind, MODEL_FILES.get(kind, ""))
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} is missing; train it first (see README)")
    return keras.models.load_model(path, compile=False)  # inference only: no optimizer, no custom loss


def read_digit(pixels: np.ndarray, model) -> dict:
    """Image pixels -> {digit, confidence, probabilities}. Raises EmptyImageError when blank."""
    x = preprocess_digit(pixels)[None, :, :, None]
    return decode_digit(model(x, training=False).numpy()[0])


def read_house_number(pixels: np.ndarray, model, box: Box | None = None) -> dict:
    """Photo pixels (+ box around the number) -> {number, confidence, digits, ...}."""
    if box is not None:
        check_box_inside(box, pixels.shape[1], pixels.shape[0])
    # Each head averaged over the crop's windows (preprocess.house_windows), as the page does.
    outputs = [o.numpy().mean(axis=0) for o in model(preprocess_house(pixels, box), training=False)]
    return decode_house_number(outputs[0], outputs[1:])


def find_house_number(pixels: np.ndarray, model, localizer) -> dict:
    """Photo pixels -> the number found and read: {number, confidence, digits, ..., box, box_score}.

    The localizer finds the box; the reader reads it and its variants (locate.candidate_boxes),
    and the surest reading (the first of equal ones) gives the number and the box.
    """
    found = locate_number(pixels, localizer)
    best = None
    for box in candidate_boxes(found["box"], pixels.shape[1], pixels.shape[0]):
        reading = read_house_number(pixels, model, tuple(box))
        if best is None or reading["confidence"] > best["confidence"]:
            best = {**reading, "box": box, "box_score": found["score"]}
    return best


def classify_crops(crops: list[np.ndarray], model) -> np.ndarray:
    """Digit crops -> (N, 10) probabilities, all crops in one batch."""
    x = np.stack([preprocess_digit(crop) for crop in crops])[..., None]
    return model(x, training=False).numpy()


def read_frames(strip: np.ndarray, placement: dict, reader) -> tuple[dict, dict]:
    """A number strip (number_strip's output) -> (decode_frames' reading, the placement with the
    strip columns per frame as "stride")."""
    frames = reader(strip[None, :, :, None], training=False).numpy()[0]
    return decode_frames(frames), {**placement, "stride": STRIP_WIDTH // len(frames)}


def read_number(pixels: np.ndarray, model, reader=None) -> dict:
    """Image of a handwritten number -> {number, confidence, digits: [{digit, confidence, box}]}.

    Segmentation cuts the ink into digits and `model` reads each; with the number reader
    (`reader`), it reads the whole row and segmentation only gives the boxes, as the page does.
    Raises EmptyImageError when blank.
    """
    ink = ink_image(pixels)
    result = segment_number(ink, lambda crops: classify_crops(crops, model), segment_config())
    segmented = {key: result[key] for key in ("number", "confidence", "digits")}
    if reader is None:
        return segmented
    sequence, placement = read_frames(*number_strip(ink), reader)
    boxes = frame_boxes(ink, placement, sequence["digits"], placement["stride"], INK_THRESHOLD)
    return combine_number_readings(sequence, segmented, boxes)


def read_image(pixels: np.ndarray, kind: str, model, box: Box | None = None, number: bool = False, reader=None) -> dict:
    """The one code path from pixels to the JSON a person or a client sees."""
    if kind == "house":
        result = read_house_number(pixels, model, box)
    else:
        result = read_number(pixels, model, reader) if number else read_digit(pixels, model)
    return {**result, "model": kind}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Read handwritten digits or house numbers from image files (one JSON line each)."
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
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where the .keras files are (default: models/)")
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
            box = parse_box(args.box)
        except BadBoxError as err:
            parser.error(str(err))
    try:
        model = load_reader(args.model, Path(args.models_dir))
        localizer = load_reader("localizer", Path(args.models_dir)) if args.find else None
        reader = load_reader("number_reader", Path(args.models_dir)) if args.number else None
    except (FileNotFoundError, OSError, ValueError) as err:
        print(f"error: cannot load the {args.model} model: {err}", file=sys.stderr)
        return 2
    failures = 0
    for name in args.images:
        try:
            pixels = load_image(name)
            if localizer is not None:
                result = {**find_house_number(pixels, model, localizer), "model": "house"}
            else:
                result = read_image(pixels, args.model, model, box, number=args.number, reader=reader)
        except (UnreadableImageError, EmptyImageError, BadBoxError) as err:
            message = str(err)
        else:
            print(json.dumps({"file": name, **result}), flush=True)
            continue
        failures += 1
        print(f"error: {name}: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
