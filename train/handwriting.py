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
from tqdm import tqdm

from reader.paths import CACHE_DIR, SHARED_DATA_DIR
from reader.preprocess import EmptyImageError
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
