"""SVHN format 1 (street photos + digit boxes) -> annotations -> 64x64 number crops, cached as npz.

Annotations come as the original `digitStruct.mat` (MATLAB v7.3, i.e. HDF5 with
object references) or as its JSON form: a list of
{filename, boxes: [{left, top, width, height, label}]}, where label 10 is the digit 0.

Crops follow Goodfellow et al.: the union of the digit boxes, expanded by 30 %,
resized to 64x64 (random 54x54 crops are taken at training time). The cropping is
reader.preprocess.crop_house_number, the very code that reads a user's photo.

Numbers longer than five digits: the length label is 6 ("more than five") and the
five digit heads hold the first five digits; the reader then reports the number as
not fully read (see reader/decode.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reader.decode import LENGTH_MORE_THAN_FIVE, MAX_DIGITS, NO_DIGIT
from reader.preprocess import HOUSE_CROP, crop_house_number

MAT_FIELDS = ("height", "label", "left", "top", "width")


@dataclass(frozen=True)
class DigitBox:
    left: float
    top: float
    width: float
    height: float
    digit: int  # 0..9 (SVHN's label 10 already mapped to 0)


@dataclass(frozen=True)
class Annotation:
    filename: str
    boxes: tuple[DigitBox, ...]

    @property
    def number(self) -> str:
        return "".join(str(b.digit) for b in self.boxes)


def digit_of_label(label: float) -> int:
    """SVHN stores the digit 0 as label 10."""
    value = int(label)
    if not 1 <= value <= 10:
        raise ValueError(f"SVHN label {label} is not in 1..10")
    return value % 10


def parse_digitstruct_json(path: str | Path) -> list[Annotation]:
    entries = json.loads(Path(path).read_text())
    return [
        Annotation(
            entry["filename"],
            tuple(
                DigitBox(
                    float(b["left"]), float(b["top"]), float(b["width"]), float(b["height"]), digit_of_label(b["label"])
                )
                for b in entry["boxes"]
            ),
        )
        for entry in entries
    ]


def _mat_values(h5file, dataset) -> list[float]:
    """A bbox field holds its value directly when there is one digit, else references to (1, 1) datasets."""
    if dataset.shape[0] == 1 and dataset.dtype != object and dataset.dtype.kind != "O":
        return [float(dataset[0][0])]
    return [float(h5file[ref][0][0]) for ref in dataset[:, 0]]


def parse_digitstruct_mat(path: str | Path) -> list[Annotation]:
    """Read /digitStruct/name and /digitStruct/bbox from a MATLAB v7.3 file."""
    import h5py

    annotations = []
    with h5py.File(path, "r") as f:
        group = f["digitStruct"]
        names, bboxes = group["name"], group["bbox"]
        for i in range(names.shape[0]):
            filename = "".join(chr(int(c)) for c in f[names[i][0]][:].ravel())
            bbox = f[bboxes[i][0]]
            fields = {key: _mat_values(f, bbox[key]) for key in MAT_FIELDS}
            boxes = tuple(
                DigitBox(
                    fields["left"][k],
                    fields["top"][k],
                    fields["width"][k],
                    fields["height"][k],
                    digit_of_label(fields["label"][k]),
                )
                for k in range(len(fields["label"]))
            )
            annotations.append(Annotation(filename, boxes))
    return annotations


def write_digitstruct_mat(path: str | Path, annotations: list[Annotation]) -> None:
    """Write annotations the way MATLAB v7.3 stores digitStruct (used to make test fixtures)."""
    import h5py

    with h5py.File(path, "w") as f:
        refs_group = f.create_group("#refs#")
        counter = iter(range(10**9))

        def new_dataset(data) -> h5py.Reference:
            return refs_group.create_dataset(f"r{next(counter)}", data=data).ref

        ref_dtype = h5py.special_dtype(ref=h5py.Reference)
        group = f.create_group("digitStruct")
        names = group.create_dataset("name", (len(annotations), 1), dtype=ref_dtype)
        bboxes = group.create_dataset("bbox", (len(annotations), 1), dtype=ref_dtype)
        for i, annotation in enumerate(annotations):
            names[i, 0] = new_dataset(np.array([[ord(c)] for c in annotation.filename], dtype=np.uint16))
            box_group = refs_group.create_group(f"b{i}")
            for key in MAT_FIELDS:
                values = [
                    float(box.digit or 10) if key == "label" else float(getattr(box, key)) for box in annotation.boxes
                ]
                if len(values) == 1:  # MATLAB stores a lone value inline
                    box_group.create_dataset(key, data=np.array([[values[0]]]))
                else:
                    refs = box_group.create_dataset(key, (len(values), 1), dtype=ref_dtype)
                    for k, value in enumerate(values):
                        refs[k, 0] = new_dataset(np.array([[value]]))
            bboxes[i, 0] = box_group.ref


def load_annotations(directory: str | Path) -> list[Annotation]:
    """digitStruct.mat, or digitStruct.json, from an SVHN split folder."""
    directory = Path(directory)
    for name, parse in (("digitStruct.mat", parse_digitstruct_mat), ("digitStruct.json", parse_digitstruct_json)):
        if (directory / name).is_file():
            return parse(directory / name)
    raise FileNotFoundError(f"{directory} holds neither digitStruct.mat nor digitStruct.json")


def label_statistics(annotations: list[Annotation]) -> dict:
    """Counts per number length and per digit: what a person checks first in a new split."""
    lengths = Counter(len(a.boxes) for a in annotations)
    digits = Counter(b.digit for a in annotations for b in a.boxes)
    return {
        "images": len(annotations),
        "boxes": sum(lengths[k] * k for k in lengths),
        "lengths": dict(sorted(lengths.items())),
        "digits": dict(sorted(digits.items())),
    }


def number_labels(number: str) -> tuple[int, np.ndarray]:
    """The length head's and the five digit heads' classes: "1284" -> (4, [1, 2, 8, 4, 10]);
    longer than five -> (6, the first five digits). Real and generated numbers share it."""
    if not number.isdigit():
        raise ValueError(f"{number!r} is not a string of digits")
    length = min(len(number), LENGTH_MORE_THAN_FIVE)
    digits = np.full(MAX_DIGITS, NO_DIGIT, dtype=np.int64)
    head = [int(c) for c in number[:MAX_DIGITS]]
    digits[: len(head)] = head
    return length, digits


def union_box(boxes: tuple[DigitBox, ...]) -> tuple[float, float, float, float]:
    """(x, y, w, h) of the smallest box holding every digit box."""
    left = min(b.left for b in boxes)
    top = min(b.top for b in boxes)
    right = max(b.left + b.width for b in boxes)
    bottom = max(b.top + b.height for b in boxes)
    return left, top, right - left, bottom - top


def build_crops(directory: str | Path, cache_dir: str | Path | None = None) -> dict[str, np.ndarray]:
    """All annotated images of one SVHN split -> {images, length, digits}, cached as npz beside the split."""
    from PIL import Image
    from tqdm import tqdm

    directory = Path(directory)
    cache = Path(cache_dir or directory) / f"crops_{HOUSE_CROP}.npz"
    if cache.is_file():
        with np.load(cache) as data:
            return dict(data)
    annotations = load_annotations(directory)
    images, lengths, digits = [], [], []
    for annotation in tqdm(annotations, desc=f"cropping {directory.name}"):
        with Image.open(directory / annotation.filename) as image:
            crop = crop_house_number(np.asarray(image.convert("RGB")), union_box(annotation.boxes))
        images.append(np.round(crop * 255).astype(np.uint8))
        length, labels = number_labels(annotation.number)
        lengths.append(length)
        digits.append(labels)
    data = {"images": np.stack(images), "length": np.array(lengths), "digits": np.stack(digits)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, **data)
    return data
