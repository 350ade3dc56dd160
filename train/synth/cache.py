"""Many samples, in parallel and cached as npz: the same bytes for a seed whatever the number of workers."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reader.decode import MAX_DIGITS
from reader.house_crop import HOUSE_CROP
from reader.paths import CACHE_DIR
from train.fonts import load_fonts
from train.svhn import number_labels
from train.synth.scene import Scene, render_sample, render_scene, sample_rng

GENERATOR_VERSION = 1  # bump whenever the images change: it is part of the cache file name


CHUNK = 250  # samples per job handed to a worker process


def render_range(seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Samples start..stop-1 of a seed, as arrays."""
    images = np.empty((stop - start, HOUSE_CROP, HOUSE_CROP, 3), np.uint8)
    lengths = np.empty(stop - start, np.int64)
    digits = np.empty((stop - start, MAX_DIGITS), np.int64)
    for k, index in enumerate(range(start, stop)):
        sample = render_sample(sample_rng(seed, index))
        images[k] = sample.image
        lengths[k], digits[k] = number_labels(sample.number)
    return {"images": images, "length": lengths, "digits": digits}


def generate_samples(count: int, seed: int, workers: int = 2, progress: bool = False) -> dict[str, np.ndarray]:
    """{"images": uint8 (N, 64, 64, 3), "length": int (N,), "digits": int (N, 5)}, the same for any `workers`."""
    load_fonts()  # missing fonts: fail here, with the list of packages, not inside a worker
    out = {
        "images": np.empty((count, HOUSE_CROP, HOUSE_CROP, 3), np.uint8),
        "length": np.empty(count, np.int64),
        "digits": np.empty((count, MAX_DIGITS), np.int64),
    }
    chunk = max(1, min(CHUNK, math.ceil(count / (4 * max(1, workers)))))  # small runs still use every worker
    starts = list(range(0, count, chunk))
    stops = [min(count, start + chunk) for start in starts]
    with tqdm(total=count, unit="sample", desc=f"synth seed {seed}", disable=None if progress else True) as bar:
        if workers <= 1:
            fill(out, starts, map(render_range, [seed] * len(starts), starts, stops), bar)
        else:  # spawn, not fork: the caller may have TensorFlow's threads running
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                fill(out, starts, pool.map(render_range, [seed] * len(starts), starts, stops), bar)
    return out


def fill(out: dict[str, np.ndarray], starts: list[int], parts: Iterator[dict[str, np.ndarray]], bar: tqdm) -> None:
    """Copy each rendered range into its place in the output arrays."""
    for start, part in zip(starts, parts):
        for key in out:
            out[key][start : start + len(part[key])] = part[key]
        bar.update(len(part["length"]))


def cache_path(count: int, seed: int, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"synth_v{GENERATOR_VERSION}_n{count}_s{seed}.npz"


def cached_samples(count: int, seed: int, cache_dir: Path = CACHE_DIR, workers: int = 2) -> dict[str, np.ndarray]:
    """generate_samples once, then load the npz (its name holds count, seed and GENERATOR_VERSION)."""
    path = cache_path(count, seed, cache_dir)
    if path.exists():
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    data = generate_samples(count, seed, workers, progress=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(partial, **data)  # uncompressed: noisy photos barely compress, and loading stays fast
    os.replace(partial, path)
    return data


def generate_scenes(count: int, seed: int) -> list[Scene]:
    return [render_scene(sample_rng(seed, index)) for index in range(count)]
