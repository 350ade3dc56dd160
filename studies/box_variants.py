"""Which box variants should the reader read, and how should they decide? Real photos, no box given.

    python -m studies.box_variants                        # 600 training photos (every 2nd), the table
    python -m studies.box_variants --part validation      # the 302 validation photos
    python -m studies.box_variants --limit 20 --out /tmp/variants.json

For each real photo (train/svhn.py's fixed split) the localizer finds the number's box as the page
does (reader/locate.py locate_number); the reader then reads that box at every (width, height)
scale of the grid below, about its centre, in one batch (reader/read.py read_house_numbers). The
readings are kept, so each way to choose among them is scored on the same reads:
- "surest": the reading with the highest confidence (what the page did, over five variants);
- "vote": decode.agreed_reading, the number with the largest sum of confidences (what ships).
Printed: numbers read whole for the five variants of before, the variants that ship
(locate.CANDIDATE_SCALES) and the whole grid, each way, and each scale alone; every photo's reads
are written too, so other sets of scales can be scored. The training photos decide (the
validation photos are the measure).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from reader.decode import agreed_reading
from reader.house_crop import CANDIDATE_SCALES, candidate_boxes
from reader.locate import locate_number
from reader.paths import DOCS_DIR
from reader.read import load_image, read_house_numbers
from train.cli import command
from train.evaluate import load_keras_reader
from train.svhn import REAL_SAMPLE_DIR, load_annotations, split_real

WIDTHS = (0.85, 1.0, 1.18, 1.35, 1.55)
HEIGHTS = (0.85, 1.0, 1.18, 1.35)
GRID = [(w, h) for w in WIDTHS for h in HEIGHTS]
BEFORE = [(1.0, 1.0), (0.85, 1.0), (1.18, 1.0), (1.0, 0.85), (1.0, 1.18)]  # the five variants of before


def read_variants(directory: Path, part: str, limit: int | None, reader, localizer) -> list[dict]:
    """[{file, true, reads: [[number, confidence] per GRID scale]}] for the photos of one part."""
    training, validation = split_real(load_annotations(directory))
    photos = training[::2] if part == "train" else validation
    photos = photos[:limit] if limit else photos
    out = []
    for annotation in tqdm(photos, desc=f"{part} photos"):
        pixels = load_image(directory / annotation.filename)
        height, width = pixels.shape[:2]
        found = locate_number(pixels, localizer)["box"]
        boxes = candidate_boxes(found, width, height, tuple(GRID))
        readings = read_house_numbers(pixels, reader, [tuple(b) for b in boxes])
        reads = [[r["number"], r["confidence"]] for r in readings]
        out.append({"file": annotation.filename, "true": annotation.number, "reads": reads})
    return out


def chosen(reads: list[list], scales: list[tuple[float, float]], way: str) -> str:
    """The number one way of choosing keeps among the reads of these scales."""
    readings = [{"number": reads[GRID.index(s)][0], "confidence": reads[GRID.index(s)][1]} for s in scales]
    if way == "vote":
        return readings[agreed_reading(readings)]["number"]
    surest = max(range(len(readings)), key=lambda i: readings[i]["confidence"])  # first of equal ones
    return readings[surest]["number"]


def whole(photos: list[dict], scales: list[tuple[float, float]], way: str) -> float:
    return sum(chosen(p["reads"], scales, way) == p["true"] for p in photos) / len(photos)


def table(photos: list[dict]) -> dict:
    return {
        "photos": len(photos),
        "five_surest": round(whole(photos, BEFORE, "surest"), 4),
        "five_vote": round(whole(photos, BEFORE, "vote"), 4),
        "shipped_surest": round(whole(photos, list(CANDIDATE_SCALES), "surest"), 4),
        "shipped_vote": round(whole(photos, list(CANDIDATE_SCALES), "vote"), 4),
        "grid_surest": round(whole(photos, GRID, "surest"), 4),
        "grid_vote": round(whole(photos, GRID, "vote"), 4),
        "each_scale": {f"{w}x{h}": round(whole(photos, [(w, h)], "surest"), 4) for w, h in GRID},
        "any_reading_right": round(sum(any(r[0] == p["true"] for r in p["reads"]) for p in photos) / len(photos), 4),
    }


def given_boxes(count: int, reader, loose_per_scene: int = 3) -> dict:
    """A person's box instead of the found one, on generated held-out street scenes (the localizer's
    held-out seed, which the reader never trained on, unlike the real training photos it has nearly
    learned by heart): the true box and loose ones (svhn.jitter_box), each read alone and with the
    shipped variants voting (reader/read.py read_box_variants)."""
    import numpy as np

    from train.evaluate_real import JITTER_SEED, whole_pixels
    from train.localizer import EVAL_SEED
    from train.svhn import clip_to_image, jitter_box
    from train.synth.scene import render_scene, sample_rng

    rng = np.random.default_rng(JITTER_SEED)
    right = {"given_one": 0, "given_vote": 0, "loose_one": 0, "loose_vote": 0}
    for index in tqdm(range(count), desc="generated scenes"):
        scene = render_scene(sample_rng(EVAL_SEED, index))
        height, width = scene.image.shape[:2]
        loose = [
            ("loose", whole_pixels(clip_to_image(jitter_box(scene.box, rng), width, height), width, height))
            for _ in range(loose_per_scene)
        ]
        for kind, box in [("given", scene.box), *loose]:
            boxes = candidate_boxes(box, width, height)
            readings = read_house_numbers(scene.image, reader, [tuple(b) for b in boxes])
            right[f"{kind}_one"] += readings[0]["number"] == scene.number
            right[f"{kind}_vote"] += readings[agreed_reading(readings)]["number"] == scene.number
    counts = {"given": count, "loose": count * loose_per_scene}
    return {key: round(value / counts[key.split("_")[0]], 4) for key, value in right.items()} | {
        "scenes": count,
        "loose_boxes": count * loose_per_scene,
    }


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score ways to read the found box's variants on real photos.")
    parser.add_argument("--data-dir", default=str(REAL_SAMPLE_DIR), help=f"default: {REAL_SAMPLE_DIR}")
    parser.add_argument("--part", choices=("train", "validation"), default="train", help="default: train")
    parser.add_argument("--limit", type=int, help="only the first N photos of the part")
    parser.add_argument("--out", help="default: docs/box_variants_<part>.json")
    parser.add_argument(
        "--given-scenes",
        type=int,
        help="instead, a person's box on this many generated held-out scenes: read alone or with the variants voting",
    )
    args = parser.parse_args(argv)
    if args.given_scenes:
        figures = given_boxes(args.given_scenes, load_keras_reader("house"))
        out = Path(args.out) if args.out else DOCS_DIR / "box_variants_given_scenes.json"
        out.write_text(json.dumps(figures) + "\n")
        print(json.dumps(figures))
        return 0
    directory = Path(args.data_dir)
    if not (directory / "digitStruct.json").is_file():
        parser.error(f"no digitStruct.json in {directory}: the real SVHN photos are needed")
    photos = read_variants(directory, args.part, args.limit, load_keras_reader("house"), load_keras_reader("localizer"))
    figures = {"part": args.part, "grid": GRID, "shipped": CANDIDATE_SCALES, **table(photos)}
    out = Path(args.out) if args.out else DOCS_DIR / f"box_variants_{args.part}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**figures, "reads": photos}) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k not in ("grid", "shipped", "each_scale")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
