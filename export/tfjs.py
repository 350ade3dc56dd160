"""models/<name>.keras -> web/static/models/<name>/ (model.json, weight shards, metadata.json).

Uses the tensorflowjs converter (layers-model format). BatchNorm is first folded into the
Conv2D/Dense before it (export/fold.py), so the page runs one fused op where training had
three. Weights are then quantized to the smallest type whose measured accuracy drop stays
within MAX_DROP_POINTS; the measurement runs the converter's own quantize/dequantize code
on the folded Keras model, so it is what TF.js will compute. `load_shipped` gives tests
that same model.

    python -m export.tfjs                 # both MNIST models, and the house reader when trained
    python -m export.tfjs --model mnist_cnn --models-dir /tmp/smoke --out-dir /tmp/web
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

# tensorflowjs imports tensorflow_decision_forests, whose greeting needs IPython outside a terminal.
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")

import numpy as np
import tf_keras as keras
from tensorflowjs import quantization
from tensorflowjs.converters import save_keras_model

from export.fold import fold_batchnorm
from reader import decode, preprocess_config, segment
from reader.paths import CACHE_DIR, MODELS_DIR, WEB_MODELS_DIR, read_metrics
from train.cli import command
from train.data import load_mnist
from train.evaluate import accuracy, predict_probabilities, update_metrics

QUANTIZATION_SCENES = 200  # held-out scenes (three views each) that measure the localizer's quantization
MAX_DROP_POINTS = 0.02  # accuracy may fall at most this many percentage points
DTYPES = ("uint8", "float16")  # smallest first: the first that holds accuracy wins
MNIST_MODELS = ("mnist_mlp", "mnist_cnn")
PHOTO_MODELS = ("house", "localizer")
NUMBER_MODELS = ("number_reader",)  # number mode: reads a whole written row
STROKE_MODELS = ("stroke_reader",)  # digit mode: reads how a drawing was drawn, beside the image CNN


def quantize_roundtrip(weights: list[np.ndarray], dtype: str) -> list[np.ndarray]:
    """Weights as TF.js will see them after loading a `dtype`-quantized export."""
    np_dtype = quantization.QUANTIZATION_OPTION_TO_DTYPES[dtype]
    out = []
    for w in weights:
        if w.dtype != np.float32:
            out.append(w)
            continue
        q, meta = quantization.quantize_weights(w, np_dtype)
        out.append(quantization.dequantize_weights(q, meta, np.float32))
    return out


def with_weights(model: keras.Model, weights: list[np.ndarray]) -> keras.Model:
    clone = keras.models.clone_model(model)
    clone.set_weights(weights)
    return clone


def quantized(model: keras.Model, dtype: str | None) -> keras.Model:
    """`model` holding the weights a `dtype` export loads as (float32 or None: `model` itself)."""
    if dtype in (None, "float32"):
        return model
    return with_weights(model, quantize_roundtrip(model.get_weights(), dtype))


def shipped_model(model: keras.Model, quantization: str | None) -> keras.Model:
    """The trained `model` as the page runs it: BatchNorm folded, weights through the export's quantization."""
    return quantized(fold_batchnorm(model), quantization)


def load_shipped(name: str, models_dir: Path = MODELS_DIR, web_dir: Path | None = None) -> keras.Model:
    """models/<name>.keras as web/static/models/<name>/ ships it (quantization from its metadata.json).

    Python references that the page's numbers are compared with start here, so they fold and
    quantize exactly as the export did.
    """
    metadata = json.loads(((web_dir or WEB_MODELS_DIR) / name / "metadata.json").read_text())
    return shipped_model(keras.models.load_model(models_dir / f"{name}.keras", compile=False), metadata["quantization"])


def load_for_export(path: Path) -> keras.Model:
    """A trained model, folded: quantization is chosen and measured on what ships."""
    return fold_batchnorm(keras.models.load_model(path, compile=False))


def choose_quantization(
    model: keras.Model, score: Callable[[keras.Model], float], measure: str = "test_accuracy"
) -> dict:
    """`score(model)` per weight type, and the smallest type within MAX_DROP_POINTS (None: keep float32)."""
    base = score(model)
    by_dtype = {"float32": round(base, 5)}
    chosen = None
    for dtype in DTYPES:
        by_dtype[dtype] = round(score(quantized(model, dtype)), 5)
        if chosen is None and (base - by_dtype[dtype]) * 100 <= MAX_DROP_POINTS:
            chosen = dtype
    return {f"{measure}_by_weights": by_dtype, "quantization": chosen, "max_drop_points": MAX_DROP_POINTS}


def directory_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def export_digest(directory: Path) -> str:
    """The export's version: a digest of model.json and the weight shards. The page fetches both at
    `?v=<version>` and browsers keep them for a year, so a change to either must change the version."""
    digest = hashlib.sha256()
    for part in [directory / "model.json", *sorted(directory.glob("*.bin"))]:
        digest.update(part.read_bytes())
    return digest.hexdigest()[:16]


def model_metadata(name: str, model: keras.Model, quantized: str | None, version: str, **specifics) -> dict:
    """What the browser needs besides the weights, written in this one place: the keys every export
    has, then the model's own (classes, preprocessing settings, ...)."""
    return {
        "name": name,
        "version": version,
        "input_shape": list(model.input_shape[1:]),
        "output_names": list(model.output_names),
        "quantization": quantized or "float32",
        **specifics,
    }


def classifier_metadata(name: str, model: keras.Model, quantized: str | None, version: str) -> dict:
    return model_metadata(
        name,
        model,
        quantized,
        version,
        classes=[str(d) for d in range(10)],
        preprocess=preprocess_config.digit_config(),
        segment=segment.segment_config(),  # number mode: how web/static/js/segment.js cuts digits
    )


def export_model(model: keras.Model, out_dir: Path, quantized: str | None) -> None:
    """Run the tensorflowjs converter into a fresh out_dir."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    save_keras_model(model, str(out_dir), quantization_dtype_map={quantized: True} if quantized else None)


def export_measured(
    name: str, model: keras.Model, figures: dict, metadata_of: Callable, models_dir: Path, out_root: Path
) -> dict:
    """Export with the quantization `figures` chose, write metadata.json, record the export's figures."""
    out_dir = out_root / name
    export_model(model, out_dir, figures["quantization"])
    metadata = metadata_of(model, figures["quantization"], export_digest(out_dir))
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    figures["export_bytes"] = directory_bytes(out_dir)
    figures["export_version"] = metadata["version"]
    update_metrics(name, {"export": figures}, models_dir / "metrics.json")
    print(json.dumps({"model": name, **figures}))
    return figures


def export_classifier(name: str, models_dir: Path, out_root: Path, x: np.ndarray, y: np.ndarray) -> dict:
    model = load_for_export(models_dir / f"{name}.keras")
    figures = choose_quantization(model, lambda m: accuracy(y, predict_probabilities(m, x)))
    return export_measured(name, model, figures, metadata_builder(name), models_dir, out_root)


def house_metadata(model: keras.Model, quantized: str | None, version: str) -> dict:
    # Class lists and special indices for decode.js, then the crop and windows for houseCrop.js.
    specifics = {**decode.house_classes(), "preprocess": preprocess_config.house_config()}
    return model_metadata("house", model, quantized, version, **specifics)


def export_house(models_dir: Path, out_root: Path, val_data: dict) -> dict:
    model = load_for_export(models_dir / "house.keras")
    from train.house import whole_number_accuracy

    figures = choose_quantization(
        model, lambda m: whole_number_accuracy(m, val_data)["whole_number_accuracy"], "whole_number_accuracy"
    )
    return export_measured("house", model, figures, metadata_builder("house"), models_dir, out_root)


def localizer_metadata(model: keras.Model, quantized: str | None, version: str) -> dict:
    from train.models import LOCALIZER_STRIDE

    # The boxes read around the one found are the reader's (house_config box_variants), as around a drawn one.
    specifics = {"stride": LOCALIZER_STRIDE, "preprocess": preprocess_config.photo_config()}
    return model_metadata("localizer", model, quantized, version, **specifics)


def boxes_found(model: keras.Model, views: dict) -> float:
    """Share of views where the localizer's box overlaps the true one (IoU >= 0.5)."""
    from reader.decode import decode_box
    from reader.locate import iou
    from train.models import LOCALIZER_STRIDE

    cells = model.predict(views["images"].astype(np.float32) / 255.0, batch_size=64, verbose=0)
    found = [decode_box(c, LOCALIZER_STRIDE)["box"] for c in cells]
    return float(np.mean([iou(f, b) >= 0.5 for f, b in zip(found, views["boxes"])]))


def export_localizer(models_dir: Path, out_root: Path, views: dict) -> dict:
    model = load_for_export(models_dir / "localizer.keras")
    figures = choose_quantization(model, lambda m: boxes_found(m, views), "boxes_found")
    return export_measured("localizer", model, figures, localizer_metadata, models_dir, out_root)


def number_reader_metadata(model: keras.Model, quantized: str | None, version: str) -> dict:
    # Classes per frame and the blank for decode.js decodeFrames, then the strip for numberStrip.js.
    specifics = {**decode.frame_classes(), "preprocess": preprocess_config.strip_config()}
    return model_metadata("number_reader", model, quantized, version, **specifics)


def export_number_reader(models_dir: Path, out_root: Path, numbers: tuple[np.ndarray, np.ndarray]) -> dict:
    from train.number_accuracy import whole_number_accuracy

    model = load_for_export(models_dir / "number_reader.keras")
    figures = choose_quantization(
        model, lambda m: whole_number_accuracy(m, *numbers)["whole_number_accuracy"], "whole_number_accuracy"
    )
    return export_measured("number_reader", model, figures, number_reader_metadata, models_dir, out_root)


def stroke_reader_metadata(
    model: keras.Model, quantized: str | None, version: str, models_dir: Path = MODELS_DIR
) -> dict:
    # The trajectory for strokeFeatures.js, and the image CNN's weight in decode.js fuseReadings,
    # as train/stroke_reader.py chose it on held-out writers (recorded beside the model).
    from reader.stroke_features import N_FEATURES, N_POINTS

    weight = read_metrics(models_dir / "metrics.json")["stroke_reader"]["image_weight"]
    fusion = {"with": "mnist_cnn", "image_weight": weight}
    specifics = {"classes": [str(d) for d in range(10)], "preprocess": {"n_points": N_POINTS, "n_features": N_FEATURES}}
    return model_metadata("stroke_reader", model, quantized, version, **specifics, fusion=fusion)


def export_stroke_reader(models_dir: Path, out_root: Path) -> dict:
    from train.stroke_data import held_out_features

    x, y = held_out_features()
    model = load_for_export(models_dir / "stroke_reader.keras")
    figures = choose_quantization(model, lambda m: accuracy(y, predict_probabilities(m, x)), "pen_validation_accuracy")
    return export_measured(
        "stroke_reader", model, figures, metadata_builder("stroke_reader", models_dir), models_dir, out_root
    )


def metadata_builder(name: str, models_dir: Path = MODELS_DIR) -> Callable:
    """The function that writes `name`'s metadata.json: (model, quantization, version) -> dict."""
    builders = {
        "house": house_metadata,
        "localizer": localizer_metadata,
        "number_reader": number_reader_metadata,
        "stroke_reader": functools.partial(stroke_reader_metadata, models_dir=models_dir),
    }
    return builders.get(name) or (lambda m, quantized, version: classifier_metadata(name, m, quantized, version))


def rewrite_metadata(name: str, models_dir: Path, out_root: Path) -> dict:
    """metadata.json again for an export already made (same weights, quantization and version), when what
    the page needs to know changed but the weights did not: no conversion, no measuring."""
    out_dir = out_root / name
    quantization = json.loads((out_dir / "metadata.json").read_text())["quantization"]
    model = load_for_export(models_dir / f"{name}.keras")
    quantized = None if quantization == "float32" else quantization
    metadata = metadata_builder(name, models_dir)(model, quantized, export_digest(out_dir))
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export trained models to TF.js (layers format) for the page.")
    parser.add_argument(
        "--model",
        choices=[*MNIST_MODELS, *PHOTO_MODELS, *NUMBER_MODELS, *STROKE_MODELS],
        action="append",
        help="default: all trained",
    )
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where the .keras files are (default: models/)")
    parser.add_argument("--out-dir", default=str(WEB_MODELS_DIR), help="default: web/static/models/")
    parser.add_argument("--data-dir", help="MNIST directory, for measuring the quantization drop")
    parser.add_argument(
        "--metadata-only", action="store_true", help="only write metadata.json again for models already exported"
    )
    args = parser.parse_args(argv)
    if args.metadata_only:
        names = args.model or [p.parent.name for p in sorted(Path(args.out_dir).glob("*/metadata.json"))]
        for name in names:
            rewrite_metadata(name, Path(args.models_dir), Path(args.out_dir))
            print(f"wrote {Path(args.out_dir) / name / 'metadata.json'}")
        return 0
    _, (x_test, y_test) = load_mnist(args.data_dir)
    models_dir, out_dir = Path(args.models_dir), Path(args.out_dir)
    names = args.model or [
        n
        for n in (*MNIST_MODELS, *PHOTO_MODELS, *NUMBER_MODELS, *STROKE_MODELS)
        if (models_dir / f"{n}.keras").is_file()
    ]
    for name in names:
        if not (models_dir / f"{name}.keras").is_file():
            print(f"error: {name}.keras not in {models_dir}; train it first (see README)", file=sys.stderr)
            return 1
        if name == "house":
            from train.house import VAL_COUNT, VAL_SEED
            from train.synth import cached_samples

            export_house(models_dir, out_dir, cached_samples(VAL_COUNT, VAL_SEED))
        elif name == "number_reader":
            from train.number_reader import VAL_COUNT, VAL_SEED, cached_numbers
            from train.numbers import validation_bank

            validation = validation_bank(CACHE_DIR)
            export_number_reader(models_dir, out_dir, cached_numbers(validation, VAL_COUNT, VAL_SEED, CACHE_DIR))
        elif name == "stroke_reader":
            export_stroke_reader(models_dir, out_dir)
        elif name == "localizer":
            from train.localizer import EVAL_SEED
            from train.scenes import cached_views

            export_localizer(models_dir, out_dir, cached_views(QUANTIZATION_SCENES, EVAL_SEED))
        else:
            export_classifier(name, models_dir, out_dir, x_test, y_test)
    return 0


if __name__ == "__main__":
    sys.exit(main())
