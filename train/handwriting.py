"""Real handwriting in ../shared/data/handwriting/ (its README says what each set holds), with the
fixed splits every command uses: what may be trained on, and what is kept for validation.

- parish_numbers: the dataset's own train/ and validation/ folders; numbers are the digit-only
  labels (`13a`, `NB` or `-` are not numbers and are left out).
- dida_digits: per digit, the files whose number k (`<digit>_<k>.jpg`) is a multiple of
  DIDA_VALIDATION_EVERY are validation: 10 % of each digit, the same files on every run.
- nsysu_digits: split by writer: the writers whose place in the sorted writer list is a multiple
  of NSYSU_VALIDATION_EVERY are validation, so no held-out writer was ever trained on.
"""

from __future__ import annotations

import csv
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from reader.digit_input import preprocess_digit
from reader.paths import CACHE_DIR, SHARED_DATA_DIR
from reader.preprocess import EmptyImageError, ink_bounding_box
from reader.read import load_image
from train.numbers import encode_label, number_strips_uint8

HANDWRITING_DIR = SHARED_DATA_DIR / "handwriting"
PARISH_DIR = HANDWRITING_DIR / "parish_numbers"
DIDA_DIR = HANDWRITING_DIR / "dida_digits"
NSYSU_DIR = HANDWRITING_DIR / "nsysu_digits"
DIDA_VALIDATION_EVERY = 10
NSYSU_VALIDATION_EVERY = 5


@dataclass(frozen=True)
class Sample:
    """One real image and what is written in it (a number's digits, or one digit)."""

    path: Path
    label: str
    writer: str = ""


def require(path: Path, what: str) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{what} not found at {path} (see ../shared/data/handwriting/README.md)")
    return path


def parish_numbers(split: str, directory: Path = PARISH_DIR) -> list[Sample]:
    """The digit-only parish numbers of `split` ("train" or "validation"), in file-name order."""
    labels = require(directory / split / "labels.csv", f"parish_numbers/{split}")
    with open(labels, newline="") as rows:
        found = [Sample(directory / split / row["filename"], row["label"]) for row in csv.DictReader(rows)]
    return sorted((s for s in found if s.label.isdigit()), key=lambda s: s.path.name)


def dida_digits(split: str, directory: Path = DIDA_DIR) -> list[Sample]:
    """DIDA single digits of `split` ("train" or "validation"), by digit, then by file number."""
    require(directory, "dida_digits")
    samples = []
    for digit in range(10):
        files = sorted((directory / str(digit)).glob(f"{digit}_*.jpg"), key=lambda p: int(p.stem.split("_")[1]))
        for path in files:
            held_out = int(path.stem.split("_")[1]) % DIDA_VALIDATION_EVERY == 0
            if held_out == (split == "validation"):
                samples.append(Sample(path, str(digit)))
    return samples


def nsysu_digits(split: str, directory: Path = NSYSU_DIR) -> list[Sample]:
    """NSYSU pencil digits of `split` ("train" or "validation"), split by writer, in file order."""
    with open(require(directory / "labels.csv", "nsysu_digits"), newline="") as rows:
        found = [Sample(directory / row["file"], row["digit"], row["writer"]) for row in csv.DictReader(rows)]
    writers = sorted({s.writer for s in found})
    held_out = {w for i, w in enumerate(writers) if i % NSYSU_VALIDATION_EVERY == 0}
    return [s for s in found if (s.writer in held_out) == (split == "validation")]


# --- parish numbers as the number reader trains on them ----------------------------------
def parish_example(sample: Sample) -> tuple[np.ndarray, np.ndarray] | None:
    """A parish scan -> (its strip as the reader trains on it, uint8 (32, 256); its encoded label),
    through the app's own preprocessing; None when the scan reads as blank."""
    try:
        strip = number_strips_uint8(load_image(sample.path))  # as the CLI loads it
    except EmptyImageError:
        return None
    return strip, encode_label(sample.label)


def parish_chunk(samples: list[Sample]) -> list[tuple[np.ndarray, np.ndarray] | None]:
    return [parish_example(s) for s in samples]


def parish_strips(split: str, cache_dir: Path = CACHE_DIR, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Every digit-only parish number of `split` as (x uint8 (N, 32, 256), y int32 (N, 1 + MAX_DIGITS)),
    blank scans left out; made once (minutes) and cached under the strip preprocessing's version."""
    from train.paper import PAPER_VERSION, cached_set

    samples = parish_numbers(split)

    def make() -> tuple[np.ndarray, np.ndarray]:
        chunks = [samples[k : k + 250] for k in range(0, len(samples), 250)]
        with ProcessPoolExecutor(workers) as pool:
            made = [
                e
                for part in tqdm(pool.map(parish_chunk, chunks), total=len(chunks), desc=f"parish {split}")
                for e in part
                if e is not None
            ]
        return np.stack([x for x, _ in made]), np.stack([y for _, y in made]).astype(np.int32)

    return cached_set(cache_dir, f"parish_v{PAPER_VERSION}_{split}_n{len(samples)}", make)


# --- real single digits as the digit CNN and MLP train on them ----------------------------
def digit_images(samples: list[Sample]) -> tuple[np.ndarray, np.ndarray]:
    """Single-digit scans -> (float32 (N, 28, 28, 1) as the CLI's digit route preprocesses them, int labels);
    scans that read as blank are left out (the CLI refuses them, so there is nothing to learn)."""
    images, labels = [], []
    for sample in tqdm(samples, desc="handwritten digits", leave=False):
        try:
            images.append(preprocess_digit(load_image(sample.path)))
        except EmptyImageError:
            continue
        labels.append(int(sample.label))
    return np.stack(images).astype(np.float32)[..., None], np.array(labels, dtype=np.int64)


def handwritten_digits(split: str, limit: int | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"dida": (x, y), "nsysu": (x, y)} of `split`, each cut to `limit` samples spread over the set
    (smoke runs)."""
    found = {"dida": dida_digits(split), "nsysu": nsysu_digits(split)}
    if limit:
        found = {name: samples[:: max(1, len(samples) // limit)][:limit] for name, samples in found.items()}
    return {name: digit_images(samples) for name, samples in found.items()}


# --- long real numbers: parish strips side by side ----------------------------------------
JOIN_GAP = (2, 10)  # px of paper between joined numbers in the strip, as between a number's digits
JOIN_PARTS = (2, 3)  # numbers joined into one: parish numbers have 1-3 digits, people write up to 8


def strip_ink(strip: np.ndarray) -> np.ndarray:
    """A strip (uint8 (32, 256), never blank: parish_strips leaves blank scans out) -> its columns
    that hold ink (the whole strip height)."""
    _, left, _, right = ink_bounding_box(strip, 0)
    return strip[:, left:right]


def join_strips(parts: list[np.ndarray], gaps: list[int], width: int, margin: int) -> np.ndarray:
    """Strips' ink side by side with `gaps` px between, shrunk to fit width - 2 margin when wider
    (the strip's own rule: a long number is made narrower and lower, never cut), centred."""
    pieces = []
    for k, part in enumerate(parts):
        pieces.append(part)
        if k < len(gaps):
            pieces.append(np.zeros((part.shape[0], gaps[k]), np.uint8))
    row = np.concatenate(pieces, axis=1)
    height = row.shape[0]
    fit = width - 2 * margin
    if row.shape[1] > fit:
        scale = fit / row.shape[1]
        shrunk = Image.fromarray(row).resize((fit, max(1, round(height * scale))), Image.BILINEAR)
        row = np.zeros((height, fit), np.uint8)
        top = (height - shrunk.height) // 2
        row[top : top + shrunk.height] = np.asarray(shrunk)
    out = np.zeros((height, width), np.uint8)
    left = (width - row.shape[1]) // 2
    out[:, left : left + row.shape[1]] = row
    return out


def joined_numbers(
    x: np.ndarray, y: np.ndarray, count: int, seed: int, max_digits: int
) -> tuple[np.ndarray, np.ndarray]:
    """`count` long real numbers made of 2-3 parish strips (x uint8 (N, 32, 256), y encoded labels)
    side by side, at most max_digits digits: real ink, real paper residue, real lengths of 4-8."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while len(xs) < count:
        picks = rng.choice(len(x), rng.integers(JOIN_PARTS[0], JOIN_PARTS[1] + 1), replace=False)
        lengths = [int(y[k][0]) for k in picks]
        if sum(lengths) > max_digits:
            continue
        parts = [strip_ink(x[k]) for k in picks]
        gaps = [int(g) for g in rng.integers(JOIN_GAP[0], JOIN_GAP[1] + 1, len(parts) - 1)]
        xs.append(join_strips(parts, gaps, x.shape[2], 4))
        digits = [int(d) for k in picks for d in y[k][1 : 1 + int(y[k][0])]]
        label = np.zeros(y.shape[1], np.int32)
        label[0], label[1 : 1 + len(digits)] = len(digits), digits
        ys.append(label)
    return np.stack(xs), np.stack(ys)
