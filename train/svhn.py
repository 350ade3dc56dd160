"""SVHN format 1 (street photos + digit boxes) -> annotations -> 64x64 number crops, cached as npz.

Annotations come as the original `digitStruct.mat` (MATLAB v7.3, i.e. HDF5 with
object references) or as its JSON form: a list of
{filename, boxes: [{left, top, width, height, label}]}, where label 10 is the digit 0.

Crops follow Goodfellow et al.: the union of the digit boxes, expanded by 30 %,
resized to 64x64 (random 54x54 crops are taken at training time). The cropping is
reader.house_crop.crop_house_number, the very code that reads a user's photo.

Numbers longer than five digits: the length label is 6 ("more than five") and the
five digit heads hold the first five digits; the reader then reports the number as
not fully read (see reader/decode.py).

Real validation split (issue 17): photos are split by their official file number, so the
split never depends on the order of digitStruct or on which photos a sample happens to hold.
Files numbered REAL_VAL_FIRST_FILE and above (1201-1500 and the two stragglers 2993 and 4545
of ../shared/data/svhn/train_sample: 302 photos) are validation and are never trained on;
the 1,200 below are training photos.

Box jitter: a box a person draws is looser than an annotation and off-centre. jitter_box grows
the annotated box by 0-40 % (width and height apart) and shifts it, so training sees such boxes
and the evaluation can measure them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reader.decode import LENGTH_MORE_THAN_FIVE, MAX_DIGITS, NO_DIGIT
from reader.house_crop import HOUSE_CROP, crop_house_number
from reader.paths import SHARED_DATA_DIR

Box = tuple[float, float, float, float]
MAT_FIELDS = ("height", "label", "left", "top", "width")
# The real photos of issue 17, beside the repository (read-only: caches go under cache/).
REAL_SAMPLE_DIR = SHARED_DATA_DIR / "svhn" / "train_sample"
REAL_VAL_FIRST_FILE = 1201  # files numbered from here on are real validation photos, never trained on
JITTER_GROW = (0.0, 0.4)  # a loose box: 0-40 % larger than the annotation, width and height apart
# How far a loose box may leave the number: the slack the growth gives plus 5 % of the number's
# size, so a digit may poke out of the drawn box a little, as in a hurried drag, but the
# reader's own 30 % growth still holds it.
JITTER_OVERHANG = 0.05


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


def file_number(filename: str) -> int:
    """'1234.png' -> 1234: the photo's number in the official split."""
    return int(Path(filename).stem)


def is_real_validation(filename: str, first: int = REAL_VAL_FIRST_FILE) -> bool:
    """Whether a photo belongs to the fixed real validation set (file number >= first)."""
    return file_number(filename) >= first


def split_real(annotations: list[Annotation], first: int = REAL_VAL_FIRST_FILE) -> tuple[list, list]:
    """Annotations -> (training, validation), each in file-number order."""
    ordered = sorted(annotations, key=lambda a: file_number(a.filename))
    return [a for a in ordered if not is_real_validation(a.filename, first)], [
        a for a in ordered if is_real_validation(a.filename, first)
    ]


def jitter_box(box: Box, rng: np.random.Generator) -> Box:
    """An annotated (x, y, w, h) -> a loose box around it, as a person draws: grown by JITTER_GROW
    (width and height apart) and shifted by up to the slack plus JITTER_OVERHANG."""
    x, y, w, h = box
    grow_w, grow_h = rng.uniform(*JITTER_GROW, size=2)
    new_w, new_h = w * (1 + grow_w), h * (1 + grow_h)
    reach_x, reach_y = (new_w - w) / 2 + JITTER_OVERHANG * w, (new_h - h) / 2 + JITTER_OVERHANG * h
    cx = x + w / 2 + rng.uniform(-reach_x, reach_x)
    cy = y + h / 2 + rng.uniform(-reach_y, reach_y)
    return cx - new_w / 2, cy - new_h / 2, new_w, new_h


def clip_to_image(box: Box, width: int, height: int) -> Box:
    """Keep a box's overlap with the image (a jittered box may stick out of a tight photo)."""
    left, top = max(0.0, box[0]), max(0.0, box[1])
    right, bottom = min(float(width), box[0] + box[2]), min(float(height), box[1] + box[3])
    return left, top, max(1.0, right - left), max(1.0, bottom - top)


def photo_boxes(annotation: Annotation, variants: int, rng: np.random.Generator, width: int, height: int) -> list[Box]:
    """The annotated union box, then `variants - 1` jittered ones (none when variants is 1)."""
    box = union_box(annotation.boxes)
    return [box] + [clip_to_image(jitter_box(box, rng), width, height) for _ in range(variants - 1)]


def photo_pixels(directory: Path, annotation: Annotation) -> np.ndarray:
    """uint8 (H, W, 3) RGB of one annotated photo."""
    from PIL import Image

    with Image.open(directory / annotation.filename) as image:
        return np.asarray(image.convert("RGB"))


def crop_annotations(
    directory: Path, annotations: list[Annotation], variants: int = 1, seed: int = 0, progress: bool = True
) -> dict[str, np.ndarray]:
    """Photos -> {images: uint8 (N * variants, 64, 64, 3), length, digits, file_number}: each photo's crop from
    the annotated box and from `variants - 1` jittered boxes, cut by the reader's own crop_house_number."""
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    images, lengths, digits, files = [], [], [], []
    for annotation in tqdm(annotations, desc=f"cropping {directory.name}", disable=not progress):
        pixels = photo_pixels(directory, annotation)
        length, labels = number_labels(annotation.number)
        for box in photo_boxes(annotation, variants, rng, pixels.shape[1], pixels.shape[0]):
            images.append(np.round(crop_house_number(pixels, box) * 255).astype(np.uint8))
            lengths.append(length)
            digits.append(labels)
            files.append(file_number(annotation.filename))
    return {
        "images": np.stack(images),
        "length": np.array(lengths),
        "digits": np.stack(digits),
        "file_number": np.array(files),
    }


def cached_npz(path: Path, make) -> dict[str, np.ndarray]:
    """Load `path`, or call make() and save its arrays there first."""
    if path.is_file():
        with np.load(path) as data:
            return dict(data)
    data = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **data)
    return data


def build_crops(directory: str | Path, cache_dir: str | Path | None = None) -> dict[str, np.ndarray]:
    """All annotated images of one SVHN split -> {images, length, digits}, cached as npz beside the split."""
    directory = Path(directory)
    cache = Path(cache_dir or directory) / f"crops_{HOUSE_CROP}.npz"
    return cached_npz(cache, lambda: crop_annotations(directory, load_annotations(directory)))


def build_real_crops(
    directory: str | Path, cache_dir: str | Path, part: str = "train", variants: int = 1, seed: int = 0
) -> dict[str, np.ndarray]:
    """One part of the real split ("train" or "val") -> crops from the annotated box and `variants - 1`
    jittered boxes each, cached under cache_dir (the data folder is read-only)."""
    directory = Path(directory)
    name = f"svhn_real_{part}_{directory.name}_v{REAL_VAL_FIRST_FILE}_x{variants}_s{seed}_{HOUSE_CROP}.npz"
    annotations = dict(zip(("train", "val"), split_real(load_annotations(directory))))[part]
    return cached_npz(Path(cache_dir) / name, lambda: crop_annotations(directory, annotations, variants, seed))
