"""Read digits from image files: file -> preprocess -> model -> decode -> one JSON line each.

    python -m train.predict IMAGE [IMAGE ...] [--model cnn|mlp]

Images may be PNG or JPEG of any size, dark ink on paper or light ink on dark.
A file that cannot be read (not an image, blank, truncated) gets a message on
stderr naming it; the other files are still read, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: E402

from train.decode import decode_digit  # noqa: E402
from train.evaluate import MODELS_DIR  # noqa: E402
from train.preprocess import EmptyImageError, preprocess_digit  # noqa: E402
from train.quiet_tf import import_tensorflow_quietly  # noqa: E402

MODEL_FILES = {"cnn": "mnist_cnn.keras", "mlp": "mnist_mlp.keras"}
MAX_PIXELS = 50_000_000  # larger images are refused before they are decoded in full


class UnreadableImageError(ValueError):
    """Raised for files that are not images PIL can decode, or are too large."""


def load_image(path: str | Path) -> np.ndarray:
    """File -> uint8 (H, W, 4) RGBA, upright as the camera held it (EXIF orientation applied)."""
    try:
        with Image.open(path) as image:
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
    except (OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise UnreadableImageError(f"cannot decode image: {err}") from None


def load_classifier(kind: str, models_dir: Path = MODELS_DIR):
    import_tensorflow_quietly()
    import tf_keras as keras

    path = models_dir / MODEL_FILES[kind]
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} is missing; run `make train-mnist`")
    return keras.models.load_model(path)


def read_digit(pixels: np.ndarray, model) -> dict:
    """Image pixels -> {digit, confidence, probabilities}. Raises EmptyImageError when blank."""
    x = preprocess_digit(pixels)[None, :, :, None]
    return decode_digit(model(x, training=False).numpy()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read handwritten digits from image files (one JSON line each).")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG files")
    parser.add_argument("--model", choices=sorted(MODEL_FILES), default="cnn", help="which model (default: cnn)")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where the .keras files are (default: models/)")
    args = parser.parse_args(argv)
    try:
        model = load_classifier(args.model, Path(args.models_dir))
    except (FileNotFoundError, OSError, ValueError) as err:
        print(f"error: cannot load the {args.model} model: {err}", file=sys.stderr)
        return 2
    failures = 0
    for name in args.images:
        try:
            result = read_digit(load_image(name), model)
        except (UnreadableImageError, EmptyImageError) as err:
            message = str(err)
        else:
            print(json.dumps({"file": name, **result, "model": args.model}), flush=True)
            continue
        failures += 1
        print(f"error: {name}: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
