"""models/<name>.keras -> models/tflite/<name>_<variant>.tflite for apps and the server, with measured accuracy.

Each model is converted with TensorFlow's TFLite converter twice:

- float16: weights stored as float16 (half the size), computed in float32 on the phone;
- int8: weights and activations in int8 (post-training quantization, calibrated on a
  representative set), float32 input and output so an app feeds the same array to either.

Every variant is run with the LiteRT interpreter (`ai-edge-litert`, what an app ships and what
the API and the CLI read with, reader/litert.py) on the held-out set and kept only where its
accuracy is within MAX_DROP_POINTS of Keras. The figures go to models/tflite/metrics.json, which
the tests compare against; each model's "served" names the file the API and the CLI read
(reader/paths.py served_file).

    python -m export.tflite                      # all five models (make export-tflite)
    python -m export.tflite --model mnist_cnn --out-dir /tmp/tflite
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import tf_keras as keras
from ai_edge_litert.interpreter import Interpreter
from tensorflow.lite.tools import flatbuffer_utils

from reader.litert import SIGNATURE, LiteRTModel
from reader.paths import CACHE_DIR, MODELS_DIR, TFLITE_DIR
from reader.quiet_tf import import_tensorflow_quietly
from train.cli import command
from train.data import load_mnist
from train.evaluate import accuracy

tf = import_tensorflow_quietly()

# --- settings --------------------------------------------------------------------------
OUT_DIR = MODELS_DIR / TFLITE_DIR
MODELS = ("mnist_cnn", "mnist_mlp", "house", "localizer", "number_reader")
VARIANTS = ("float16", "int8")  # written to disk; float32 is built on demand (tests), twice the size of float16
# The variant the API and the CLI read, the first of these that holds: float16 reads as Keras does but for
# near ties (its probabilities within 5e-3), where int8's activations move them by up to 0.2 and turn close
# readings; a server has the memory for float16, which a phone may not.
SERVED_ORDER = ("float16", "int8")
# A variant must stay within this many accuracy points of Keras to be shipped. Int8 activations
# lose more than weight-only quantization (TF.js allows 0.02), but a phone gains 4x less memory
# and integer kernels; half a point is the most a reader of house numbers should give up for that.
MAX_DROP_POINTS = 0.5
CALIBRATION_COUNT = 500  # representative images for int8 ranges; more changes the ranges by < 1 %
PARITY_COUNT = 1000  # images on which each variant's largest difference from Keras is recorded
LOCALIZER_SCENES = 200  # held-out scenes, three views each: the localizer's measure (as export/tfjs.py's)
NUMBER_BANK_DIGITS = 1000  # MNIST training digits traced for the number reader's calibration numbers
# ---------------------------------------------------------------------------------------


def reorder_outputs(tflite: bytes, names: Sequence[str]) -> bytes:
    """Put the graph's output tensors in the Keras model's order (length, digit_1 .. digit_5).

    The converter lists outputs in an order of its own; an app that reads outputs by index
    (Interpreter.getOutputTensor(i) on Android) then gets the wrong head. The signature keeps
    naming each tensor, so apps that read by name are unaffected.
    """
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(tflite))
    (signature,) = model.signatureDefs
    by_name = {t.name.decode() if isinstance(t.name, bytes) else t.name: t for t in signature.outputs}
    if set(by_name) != set(names):
        raise ValueError(f"the converted model's outputs {sorted(by_name)} are not the Keras heads {list(names)}")
    signature.outputs = [by_name[name] for name in names]
    model.subgraphs[signature.subgraphIndex].outputs = np.array([by_name[n].tensorIndex for n in names], np.int32)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def convert(model: keras.Model, variant: str, calibration: np.ndarray | None = None) -> bytes:
    """A .tflite flatbuffer of model: "float32", "float16" or "int8" (which needs calibration images)."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "int8":
        if calibration is None:
            raise ValueError("int8 needs calibration images (a representative data set)")

        def representative() -> Iterator[list[np.ndarray]]:
            for image in calibration:
                yield [image[None].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        # Every op in int8 (no silent float fallback); input and output stay float32.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    elif variant != "float32":
        raise ValueError(f"unknown variant {variant!r}; use float32, float16 or int8")
    return reorder_outputs(converter.convert(), model.output_names)


def heads(model, images: np.ndarray) -> list[np.ndarray]:
    """A model's outputs as a list in Keras output order, also for single-output Keras models."""
    out = model.predict(images, batch_size=250, verbose=0)
    return out if isinstance(out, list) else [out]


def max_abs_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(max(np.abs(x - y).max() for x, y in zip(a, b)))


def io_description(content: bytes) -> dict:
    """Inputs and outputs of a .tflite as an app sees them: output tensors in index order, with their names."""
    interpreter = Interpreter(model_content=content)
    runner = interpreter.get_signature_runner(SIGNATURE)
    name_of = {d["index"]: name for name, d in runner.get_output_details().items()}

    def describe(d: dict, name: str) -> dict:
        return {"name": name, "shape": [int(s) for s in d["shape"]], "dtype": np.dtype(d["dtype"]).name}

    return {
        "signature": SIGNATURE,
        "inputs": [describe(d, name) for name, d in runner.get_input_details().items()],
        "outputs": [describe(d, name_of[d["index"]]) for d in interpreter.get_output_details()],
    }


# --- data ------------------------------------------------------------------------------


def digit_data(data_dir: str | None, seed: int = 0) -> dict:
    """MNIST: calibration images from the training set, evaluation on the whole test set."""
    (x_train, _), (x_test, y_test) = load_mnist(data_dir)
    pick = np.random.default_rng(seed).choice(len(x_train), CALIBRATION_COUNT, replace=False)
    return {"calibration": x_train[pick], "images": x_test, "labels": y_test, "set": "MNIST test"}


def house_data() -> dict:
    """Generated crops: calibration from the training seed, evaluation on the held-out seed (as metrics.json)."""
    from train.house import TRAIN_SEED, VAL_COUNT, VAL_SEED, centre_windows
    from train.synth import cached_samples, generate_samples

    held_out = cached_samples(VAL_COUNT, VAL_SEED)
    calibration = generate_samples(CALIBRATION_COUNT, TRAIN_SEED)["images"]
    return {
        "calibration": centre_windows(calibration),
        "images": centre_windows(held_out["images"]),
        "samples": held_out,
        "set": f"held-out generated street numbers (seed {VAL_SEED})",
    }


def localizer_data() -> dict:
    """Generated street scenes (three views each): calibration from the training seed's first scenes,
    evaluation on the held-out scenes export/tfjs.py measures the localizer's quantization on."""
    from train.localizer import EVAL_SEED, SCENE_SEED
    from train.scenes import VIEWS_PER_SCENE, cached_views

    held_out = cached_views(LOCALIZER_SCENES, EVAL_SEED)
    calibration = cached_views(-(-CALIBRATION_COUNT // VIEWS_PER_SCENE), SCENE_SEED)["images"][:CALIBRATION_COUNT]
    return {
        "calibration": calibration.astype(np.float32) / 255.0,
        "images": held_out["images"].astype(np.float32) / 255.0,
        "views": held_out,
        "set": f"held-out generated scenes (seed {EVAL_SEED}), {VIEWS_PER_SCENE} views each",
    }


def number_data() -> dict:
    """Composed numbers: calibration from MNIST training digits (and pen digits), evaluation on the
    validation numbers, made from digits never trained on (as train/number_reader.py measures)."""
    from train.number_accuracy import as_input
    from train.number_reader import TRAIN_SEED, VAL_COUNT, VAL_SEED, cached_numbers
    from train.numbers import digit_banks, make_numbers_parallel, validation_bank

    x_val, y_val = cached_numbers(validation_bank(CACHE_DIR), VAL_COUNT, VAL_SEED, CACHE_DIR)
    x_calibration, _ = make_numbers_parallel(
        digit_banks(limit=NUMBER_BANK_DIGITS)["train"], CALIBRATION_COUNT, TRAIN_SEED
    )
    return {
        "calibration": as_input(x_calibration),
        "images": as_input(x_val),
        "numbers": (x_val, y_val),
        "set": f"validation numbers (seed {VAL_SEED})",
    }


def score(model, name: str, data: dict) -> float:
    """Accuracy: a digit's argmax for the digit models, the whole number read right for house and the number
    reader, the share of views whose box is found for the localizer (export/tfjs.py's measures).
    `model` is a Keras model or a LiteRTModel; both answer predict(images)."""
    if name == "house":
        from train.house import whole_number_accuracy

        return whole_number_accuracy(model, data["samples"])["whole_number_accuracy"]
    if name == "number_reader":
        from train.number_accuracy import whole_number_accuracy

        return whole_number_accuracy(model, *data["numbers"])["whole_number_accuracy"]
    if name == "localizer":
        from export.tfjs import boxes_found

        return round(boxes_found(model, data["views"]), 5)
    return round(accuracy(data["labels"], heads(model, data["images"])[0]), 5)


# --- export ----------------------------------------------------------------------------


def export_model(name: str, models_dir: Path, out_dir: Path, data: dict) -> dict:
    """Convert, measure and write each variant of one model; returns its entry for metrics.json."""
    model = keras.models.load_model(models_dir / f"{name}.keras", compile=False)  # inference: no custom losses
    base = score(model, name, data)
    reference = heads(model, data["images"][:PARITY_COUNT])
    entry = {"eval_set": data["set"], "eval_count": len(data["images"]), "keras_accuracy": base, "variants": {}}
    # float32 is not shipped (float16 is half the size and as accurate) but shows the conversion
    # itself is exact: what float16 differs by is the rounding of its weights.
    float32 = heads(LiteRTModel(convert(model, "float32")), data["images"][:PARITY_COUNT])
    entry["float32_max_abs_diff_vs_keras"] = max_abs_diff(float32, reference)
    for variant in VARIANTS:
        content = convert(model, variant, data["calibration"])
        tflite = LiteRTModel(content)
        figures = {
            "accuracy": score(tflite, name, data),
            "max_abs_diff_vs_keras": max_abs_diff(heads(tflite, data["images"][:PARITY_COUNT]), reference),
            "bytes": len(content),
        }
        figures["holds"] = (base - figures["accuracy"]) * 100 <= MAX_DROP_POINTS
        path = out_dir / f"{name}_{variant}.tflite"
        if figures["holds"]:
            path.write_bytes(content)
            figures["file"] = path.name
            entry.setdefault("io", io_description(content))
        else:
            path.unlink(missing_ok=True)  # an older export that did hold must not stay behind
        entry["variants"][variant] = figures
        print(json.dumps({"model": name, "variant": variant, **figures}), flush=True)
    held = [variant for variant in SERVED_ORDER if entry["variants"][variant]["holds"]]
    entry["served"] = entry["variants"][held[0]]["file"] if held else None  # None: the API cannot read it
    return entry


def model_data(name: str, data_dir: str | None, loaded: dict) -> dict:
    """The calibration and evaluation data of a model, made once per run (`loaded`: the digit models share)."""
    kind = {"house": "house", "localizer": "localizer", "number_reader": "numbers"}.get(name, "digits")
    if kind not in loaded:
        makers = {"house": house_data, "localizer": localizer_data, "numbers": number_data}
        loaded[kind] = makers[kind]() if kind in makers else digit_data(data_dir)
    return loaded[kind]


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Export the trained models to TFLite (float16, int8) for apps and for the API and the CLI."
    )
    parser.add_argument("--model", choices=MODELS, action="append", help="model to export (default: all five)")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where the .keras files are (default: models/)")
    parser.add_argument("--out-dir", default=str(OUT_DIR), help="default: models/tflite/")
    parser.add_argument("--data-dir", help="MNIST directory (default: found as train.data finds it)")
    args = parser.parse_args(argv)
    models_dir, out_dir = Path(args.models_dir), Path(args.out_dir)
    names = args.model or list(MODELS)
    missing = [n for n in names if not (models_dir / f"{n}.keras").is_file()]
    if missing:
        print(f"error: {', '.join(missing)} not in {models_dir}; train first (see README)", file=sys.stderr)
        return 1
    loaded: dict = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = out_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics["max_drop_points"] = MAX_DROP_POINTS
    for name in names:
        metrics[name] = export_model(name, models_dir, out_dir, model_data(name, args.data_dir, loaded))
        # Written after each model: a long run that stops keeps the figures it measured.
        metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
