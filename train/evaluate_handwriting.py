"""Score the committed readers on real handwriting that people wrote and scanned (issue 29), as the
CLI reads it.

    python -m train.evaluate_handwriting                     # every set -> models/metrics.json
    python -m train.evaluate_handwriting --sets parish --limit 200 --out-dir /tmp/look
    python -m train.evaluate_handwriting --sets parish --number-reader runs/p1/number_reader.keras --out-dir runs/p1

The sets are the fixed validation parts of train/handwriting.py, never trained on:

- parish: every digit-only number of parish_numbers/validation, read whole as
  `python -m reader --number` reads it (the number reader, with the CNN's segmentation);
- dida: a tenth of the DIDA historical digits, read as `python -m reader --model cnn|mlp` reads one;
- nsysu: the NSYSU pencil digits of the held-out writers, read the same way.

Each image goes through reader/read.py (load_image, read_image). An image the reader refuses (no
digit made out, blank) counts as a misread, with the refusal's name. Every misread is printed as a
JSON line, then one summary line per set and reader (accuracy, by length for numbers), and the
figures are recorded in metrics.json under "real_parish_numbers", "real_dida_digits" and
"real_nsysu_digits" (train/evaluate.py's update_metrics).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from reader.cli import failure_line
from reader.paths import MODELS_DIR
from reader.read import load_image, read_image
from train.cli import command
from train.evaluate import load_keras_reader, load_model_file, update_metrics
from train.evaluate_real import score
from train.handwriting import Sample, dida_digits, nsysu_digits, parish_numbers

SETS = {"parish": parish_numbers, "dida": dida_digits, "nsysu": nsysu_digits}
METRICS_KEYS = {"parish": "real_parish_numbers", "dida": "real_dida_digits", "nsysu": "real_nsysu_digits"}
DIGIT_READERS = ("cnn", "mlp")
MISREADS_KEPT = 40  # per figure in metrics.json; every misread is printed


def read_sample(sample: Sample, kind: str, model, reader=None) -> dict:
    """One image, read as the CLI reads it -> {file, true, read} (+ error when refused: read is "")."""
    item = {"file": sample.path.name, "true": sample.label}
    try:
        result = read_image(load_image(sample.path), kind, model, number=reader is not None, reader=reader)
    except Exception as err:  # counted as a misread, named as the CLI names it, never a stopped run
        failure = failure_line(sample.path.name, err)
        return {**item, "read": "", "error": failure["error"]}
    return {**item, "read": result["number"] if reader is not None else str(result["digit"])}


def evaluate_set(samples: list[Sample], kind: str, model, reader=None, desc: str = "") -> dict:
    reads = [read_sample(s, kind, model, reader) for s in tqdm(samples, desc=desc, leave=False)]
    figures = score(reads)
    figures["refused"] = sum(1 for r in reads if "error" in r)
    return figures


def kept(figures: dict) -> dict:
    return {**figures, "misread": figures["misread"][:MISREADS_KEPT]}


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accuracy of the committed readers on real handwriting.")
    parser.add_argument("--sets", default=",".join(SETS), help="which sets, comma-separated (default: all)")
    parser.add_argument("--limit", type=int, help="only the first N images of each set (default: all)")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="where the .keras files are (default: models/)")
    parser.add_argument("--out-dir", default=str(MODELS_DIR), help="metrics.json goes here (default: models/)")
    parser.add_argument(
        "--number-reader", help="the number reader (.keras) to score (default: the one in --models-dir)"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.sets.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SETS))
    if unknown:
        parser.error(f"unknown set {', '.join(unknown)}; choose from {', '.join(SETS)}")
    models_dir = Path(args.models_dir)
    models = {kind: load_keras_reader(kind, models_dir) for kind in DIGIT_READERS}
    if args.number_reader:
        number_reader = load_model_file(Path(args.number_reader))
    else:
        number_reader = load_keras_reader("number_reader", models_dir)
    summaries = []
    for name in chosen:
        samples = SETS[name]("validation")[: args.limit]
        if name == "parish":
            reports = {"number_reader": evaluate_set(samples, "cnn", models["cnn"], number_reader, name)}
        else:
            reports = {kind: evaluate_set(samples, kind, models[kind], desc=f"{name} {kind}") for kind in DIGIT_READERS}
        for reader_name, figures in reports.items():
            for item in figures["misread"]:
                print(json.dumps({"set": name, "reader": reader_name, **item}))
            summaries.append(
                {"set": name, "reader": reader_name, **{k: v for k, v in figures.items() if k != "misread"}}
            )
        record = {reader_name: kept(figures) for reader_name, figures in reports.items()}
        update_metrics(METRICS_KEYS[name], {"images": len(samples), **record}, Path(args.out_dir) / "metrics.json")
    for line in summaries:
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
