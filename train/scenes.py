"""Generated street scenes -> the localizer's training views, cached as npz.

Each scene (train/synth/: a house front with a number on it, its box known) gives three views,
all as the page makes them (reader/photo_view.py's fit_region): the whole photo, where the
localizer finds the number first, and two closer looks around it (zoom_region, at random zooms
and off-centre), where it draws the box precisely. Boxes are (x, y, w, h) in view pixels.

    python -m train.scenes --count 4000 --seed 11
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reader.paths import CACHE_DIR
from reader.photo_view import PHOTO_HEIGHT, PHOTO_WIDTH, fit_region, region_scale, zoom_region
from train.cli import command
from train.synth import load_fonts, render_scene, sample_rng

SCENES_VERSION = 1  # bump whenever the views change: it is part of the cache file name
VIEWS_PER_SCENE = 3  # the whole photo and two closer looks: a scene costs far more to render than a view
ZOOM_RANGE = (2.0, 6.0)  # closer looks in training: a range around the page's ZOOM
CHUNK = 50


def view_box(box: tuple[int, int, int, int], region: tuple[int, int, int, int]) -> np.ndarray:
    """A box in photo pixels -> the same box in the view fit_region makes of `region`."""
    scale = region_scale(region[2], region[3])
    return np.array([(box[0] - region[0]) * scale, (box[1] - region[1]) * scale, box[2] * scale, box[3] * scale])


def photo_views(image: np.ndarray, box: tuple, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A photo and its number's box -> (uint8 (3, 192, 256, 3) views, float32 (3, 4) boxes in view pixels):
    the whole photo, then VIEWS_PER_SCENE - 1 closer looks at random zooms, off-centre."""
    height, width = image.shape[:2]
    regions = [(0, 0, width, height)]
    for _ in range(VIEWS_PER_SCENE - 1):
        zoom = float(np.exp(rng.uniform(*np.log(ZOOM_RANGE))))
        regions.append(zoom_region(box, width, height, zoom, tuple(rng.uniform(-0.8, 0.8, 2))))
    views = np.stack([np.round(fit_region(image, r) * 255).astype(np.uint8) for r in regions])
    boxes = np.stack([view_box(box, r) for r in regions]).astype(np.float32)
    return views, boxes


def scene_views(seed: int, index: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Scene `index` of `seed` -> (uint8 (3, 192, 256, 3) views, float32 (3, 4) boxes, number)."""
    scene = render_scene(sample_rng(seed, index))
    views, boxes = photo_views(scene.image, scene.box, np.random.default_rng([seed, index, 1]))
    return views, boxes, scene.number


def render_range(seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    parts = [scene_views(seed, index) for index in range(start, stop)]
    return {
        "images": np.concatenate([p[0] for p in parts]),
        "boxes": np.concatenate([p[1] for p in parts]),
        "numbers": np.array([p[2] for p in parts for _ in range(VIEWS_PER_SCENE)]),
    }


def generate_views(count: int, seed: int, workers: int = 2) -> dict[str, np.ndarray]:
    """Views of `count` scenes: {"images": uint8 (3N, 192, 256, 3), "boxes": (3N, 4), "numbers": (3N,)}."""
    load_fonts()  # missing fonts: fail here, with the list of packages, not inside a worker
    starts = list(range(0, count, CHUNK))
    stops = [min(count, start + CHUNK) for start in starts]
    parts = []
    with tqdm(total=count, unit="scene", desc=f"scenes seed {seed}") as bar:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            for part in pool.map(render_range, [seed] * len(starts), starts, stops):
                parts.append(part)
                bar.update(len(part["boxes"]) // VIEWS_PER_SCENE)
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def cache_path(count: int, seed: int, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"scenes_v{SCENES_VERSION}_n{count}_s{seed}.npz"


def cached_views(count: int, seed: int, cache_dir: Path = CACHE_DIR, workers: int = 2) -> dict:
    """generate_views once, then load the npz (its name holds count, seed and SCENES_VERSION)."""
    path = cache_path(count, seed, cache_dir)
    if path.exists():
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    data = generate_views(count, seed, workers)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(partial, **data)
    os.replace(partial, path)
    return data


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render street scenes into the localizer's training views.")
    parser.add_argument("--count", type=int, default=4000, help="scenes (three views each)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=max(1, math.floor(os.cpu_count() or 1)))
    args = parser.parse_args(argv)
    data = cached_views(args.count, args.seed, workers=args.workers)
    path = cache_path(args.count, args.seed, CACHE_DIR)
    print(f"{len(data['boxes'])} views of {PHOTO_WIDTH}x{PHOTO_HEIGHT} in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
