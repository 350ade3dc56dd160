"""MNIST IDX files on disk -> float32 arrays in [0, 1], shaped (N, 28, 28, 1).

The data directory is found offline first: --data-dir, then $MNIST_DIR, then
data/mnist/, then ../shared/data/mnist/. Only a user who asks for it downloads.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import sys
import urllib.request
from pathlib import Path

import numpy as np

from reader.paths import REPO_ROOT, SHARED_DATA_DIR
from train.cli import command

ENV_VAR = "MNIST_DIR"
DEFAULT_DIRS = (REPO_ROOT / "data" / "mnist", SHARED_DATA_DIR / "mnist")

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# Yann LeCun's own site is often down; this public mirror serves the same bytes.
MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"

# IDX type codes -> numpy dtypes (big-endian, as the format stores them).
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataNotFoundError(FileNotFoundError):
    """Raised when no directory holds the four MNIST files."""


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (gzipped or raw) into an array of its stored shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{type_code:02x}")
    header_end = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header_end])
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header_end != expected:
        raise ValueError(f"{path}: header says {expected} data bytes, file has {len(raw) - header_end}")
    return np.frombuffer(raw, dtype=dtype, offset=header_end).reshape(shape).astype(dtype.newbyteorder("="))


def candidate_dirs(data_dir: str | Path | None = None) -> list[Path]:
    """Directories searched for MNIST, in order of precedence."""
    dirs = [Path(data_dir)] if data_dir else []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.extend(DEFAULT_DIRS)
    return dirs


def has_mnist(directory: Path) -> bool:
    return all((directory / name).is_file() for name in FILES.values())


def find_mnist_dir(data_dir: str | Path | None = None) -> Path:
    """First directory holding all four files; an explicit --data-dir must hold them."""
    dirs = candidate_dirs(data_dir)
    if data_dir and not has_mnist(dirs[0]):
        raise DataNotFoundError(f"--data-dir {data_dir} does not hold the four MNIST .gz files")
    for directory in dirs:
        if has_mnist(directory):
            return directory
    searched = ", ".join(str(d) for d in dirs)
    raise DataNotFoundError(
        f"MNIST not found (searched {searched}). Run `python -m train.data --download` to fetch it."
    )


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], the models' input contract."""
    return (images.astype(np.float32) / 255.0)[..., None]


def load_mnist(
    data_dir: str | Path | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) with x float32 (N, 28, 28, 1), y int64."""
    directory = find_mnist_dir(data_dir)
    arrays = {key: read_idx(directory / name) for key, name in FILES.items()}
    return (
        (to_model_input(arrays["train_images"]), arrays["train_labels"].astype(np.int64)),
        (to_model_input(arrays["test_images"]), arrays["test_labels"].astype(np.int64)),
    )


def download_mnist(dest: Path, mirror: str = MIRROR) -> None:
    """Fetch the four files with a progress bar; a file whose md5 is wrong is deleted."""
    from tqdm import tqdm

    dest.mkdir(parents=True, exist_ok=True)
    for name, expected in MD5.items():
        target = dest / name
        if target.is_file() and md5sum(target) == expected:
            print(f"{name}: already here, md5 ok")
            continue
        partial = target.with_suffix(".part")
        with urllib.request.urlopen(mirror + name, timeout=60) as response:
            total = int(response.headers.get("Content-Length", 0)) or None
            with open(partial, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, desc=name) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
        if md5sum(partial) != expected:
            partial.unlink()
            raise ValueError(f"{name}: md5 mismatch after download; file removed, try again")
        partial.rename(target)


@command
def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Find, check or download MNIST.")
    parser.add_argument("--data-dir", help="directory with the four IDX .gz files (default: search, see module doc)")
    parser.add_argument("--download", action="store_true", help="download into --data-dir or data/mnist/")
    args = parser.parse_args(argv)
    if args.download:
        try:
            download_mnist(Path(args.data_dir or DEFAULT_DIRS[0]))
        except OSError as err:
            print(f"error: download failed: {err}", file=sys.stderr)
            return 1
    directory = find_mnist_dir(args.data_dir)
    bad = [name for name, digest in MD5.items() if md5sum(directory / name) != digest]
    if bad:
        print(f"error: md5 mismatch in {directory}: {', '.join(bad)}", file=sys.stderr)
        return 1
    print(f"MNIST found in {directory}, md5 ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
