"""Where the models, their figures and the exported web models live: one home for every path."""

from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"
METRICS_PATH = MODELS_DIR / "metrics.json"
WEB_MODELS_DIR = REPO_ROOT / "web" / "static" / "models"
SHARED_DATA_DIR = REPO_ROOT.parent / "shared" / "data"  # the team's data sets, read by path, never committed
CACHE_DIR = REPO_ROOT / "cache"  # gitignored: generated data and crops, rebuilt on demand
RUNS_DIR = REPO_ROOT / "runs"  # gitignored: training runs, their checkpoints and logs
DOCS_DIR = REPO_ROOT / "docs"

# Reader kind -> its Keras file under MODELS_DIR, what training writes and the figures in metrics.json measure.
MODEL_FILES = {"cnn": "mnist_cnn.keras", "mlp": "mnist_mlp.keras", "house": "house.keras"}
LOCALIZER_FILE = "localizer.keras"  # not a reader of its own: it finds the box for the house reader
NUMBER_READER_FILE = "number_reader.keras"  # number mode: reads the whole row; segmentation gives the boxes
HELPER_FILES = {"localizer": LOCALIZER_FILE, "number_reader": NUMBER_READER_FILE}
# What the API and the CLI read: a models folder's TFLite exports (export/tflite.py), in this folder under it,
# with the figures that choose the variant served.
TFLITE_DIR = "tflite"


def read_metrics(path: Path = METRICS_PATH) -> dict:
    """The figures the evaluation code recorded (models/metrics.json); {} before any."""
    return json.loads(path.read_text()) if path.is_file() else {}


def served_file(kind: str, models_dir: Path = MODELS_DIR) -> Path:
    """The .tflite the API and the CLI read for a kind (a key of MODEL_FILES or HELPER_FILES): the variant
    export/tflite.py chose to serve, named in tflite/metrics.json beside it."""
    name = Path(HELPER_FILES.get(kind) or MODEL_FILES[kind]).stem
    exports = models_dir / TFLITE_DIR
    make = f"python -m export.tflite --model {name}"
    try:
        served = read_metrics(exports / "metrics.json").get(name, {}).get("served")
    except ValueError as err:  # being rewritten, or damaged
        raise ValueError(f"{exports / 'metrics.json'} is not JSON ({err}); make it again: {make}") from None
    if not served:
        raise FileNotFoundError(f"no TFLite export of {name} in {exports}; make it: {make}")
    return exports / served
