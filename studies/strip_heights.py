"""At which ink heights should the number reader read a written number, and should the readings vote?

    python -m studies.strip_heights                          # the committed reader, the table
    python -m studies.strip_heights --model runs/x/number_reader.keras --count 100

The number's ink (reader/paper_ink.py ink_image) is scaled into the reader's strip 24 px high
(less when wide). A reader that misreads a digit at one size often reads it right a little larger
or smaller, so reading a few sizes and letting them vote (reader/decode.py agreed_reading: the
number with the largest sum of confidences) may read more numbers whole.

Chosen on validation numbers only, never on the held-out paper test set (train/paper.py):
- paper: the validation digits (never trained on) written on the *training* paper styles and
  photographed, under their own seed;
- canvas: the same digits composed as on the canvas (train/numbers.py).
Every number is read at every height of HEIGHTS in one batch; each set of heights is then scored
on the same reads, with the vote and for each height alone. Printed as a table and written to
docs/strip_heights.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reader.decode import agreed_reading, decode_frames
from reader.number_strip import STRIP_INK_HEIGHT, STRIP_INK_HEIGHTS, number_box, strip_at
from reader.paper_ink import ink_image
from reader.paths import CACHE_DIR, DOCS_DIR, MODELS_DIR
from reader.preprocess import EmptyImageError
from train.cli import command
from train.numbers import Style, composed_number
from train.paper import TRAIN_LOOK, paper_bank, paper_photo

HEIGHTS = (18, 20, 22, 24, 26, 28)
SEED = 24  # the study's own numbers: not the seeds of any training, validation or test set


def written_numbers(kind: str, count: int, bank: list, seed: int) -> list[tuple[np.ndarray, str]]:
    """(ink image, label) of `count` numbers: photographed on paper or drawn on the canvas."""
    rng = np.random.default_rng(seed)
    out: list[tuple[np.ndarray, str]] = []
    with tqdm(total=count, desc=f"{kind} numbers") as bar:
        while len(out) < count:
            if kind == "paper":
                image, label = paper_photo(bank, rng, TRAIN_LOOK)
            else:
                image, label = composed_number(bank, rng, Style())
            try:
                out.append((ink_image(image), label))
            except EmptyImageError:
                continue
            bar.update()
    return out


def read_heights(numbers: list[tuple[np.ndarray, str]], reader) -> list[dict]:
    """[{true, reads: [[number, confidence, placement size] per height]}]: every height in one batch."""
    out = []
    for ink, label in tqdm(numbers, desc="reading"):
        box = number_box(ink)
        strips = [strip_at(ink, box, h) for h in HEIGHTS]
        frames = reader(np.stack([strip for strip, _ in strips])[..., None], training=False).numpy()
        reads = []
        for (_, place), f in zip(strips, frames):
            reading = decode_frames(f)
            reads.append([reading["number"], reading["confidence"], [place["height"], place["width"]]])
        out.append({"true": label, "reads": reads})
    return out


def chosen(reads: list[list], heights: tuple[int, ...]) -> str:
    """The number the vote keeps among the reads at these heights, each distinct placement once
    (as reader/number_strip.py number_strips reads them)."""
    readings, seen = [], set()
    for h in heights:
        number, confidence, size = reads[HEIGHTS.index(h)]
        if tuple(size) not in seen:
            seen.add(tuple(size))
            readings.append({"number": number, "confidence": confidence})
    return readings[agreed_reading(readings)]["number"]


def score(rows: list[dict], heights: tuple[int, ...]) -> float:
    return round(float(np.mean([chosen(r["reads"], heights) == r["true"] for r in rows])), 4)


def candidate_sets() -> list[tuple[int, ...]]:
    """Every set of 1 to 4 heights that holds the height the reader trained on."""
    others = [h for h in HEIGHTS if h != STRIP_INK_HEIGHT]
    return [(STRIP_INK_HEIGHT, *c) for k in range(4) for c in combinations(others, k)]


def table(rows: dict[str, list[dict]]) -> dict:
    """{alone: each height's figure, sets: every candidate set's (best sum first), shipped: the figure
    of STRIP_INK_HEIGHTS}, paper and canvas each."""
    sets = [{"heights": list(h), **{kind: score(rows[kind], h) for kind in rows}} for h in candidate_sets()]
    sets.sort(key=lambda t: (-(t["paper"] + t["canvas"]), len(t["heights"])))
    return {
        "alone": {str(h): {kind: score(rows[kind], (h,)) for kind in rows} for h in HEIGHTS},
        "sets": sets,
        "shipped": {
            "heights": list(STRIP_INK_HEIGHTS),
            **{kind: score(rows[kind], STRIP_INK_HEIGHTS) for kind in rows},
        },
    }


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score reading a written number at several ink heights, with a vote.")
    parser.add_argument("--model", default=str(MODELS_DIR / "number_reader.keras"), help="default: the committed one")
    parser.add_argument("--count", type=int, default=500, help="numbers of each kind (default: 500)")
    parser.add_argument("--cache-dir", default=str(CACHE_DIR), help="default: cache/")
    parser.add_argument("--out", default=str(DOCS_DIR / "strip_heights.json"), help="default: docs/strip_heights.json")
    args = parser.parse_args(argv)
    import tf_keras as keras

    reader = keras.models.load_model(args.model, compile=False)
    bank = paper_bank("validation", Path(args.cache_dir))
    rows = {kind: read_heights(written_numbers(kind, args.count, bank, SEED), reader) for kind in ("paper", "canvas")}
    figures = {"model": args.model, "count": args.count, **table(rows), "reads": rows}
    print("each height alone:", json.dumps(figures["alone"]))
    print(f"{'heights':24} paper  canvas")
    for t in figures["sets"][:12]:
        print(f"{str(t['heights']):24} {t['paper']:.4f} {t['canvas']:.4f}")
    shipped = figures["shipped"]
    print(f"shipped {list(STRIP_INK_HEIGHTS)}: paper {shipped['paper']:.4f}, canvas {shipped['canvas']:.4f}")
    Path(args.out).write_text(json.dumps(figures) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
