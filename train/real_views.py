"""SVHN's real street photos -> the localizer's views of them, as train/scenes.py makes them of
generated scenes, cached as npz under cache/ (the data folder is read-only).

The photos, their annotations and the real split come from train/svhn.py; the views from
train/scenes.py (photo_views), whose SCENES_VERSION is part of the cache file name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from train.scenes import SCENES_VERSION, photo_views
from train.svhn import (
    REAL_VAL_FIRST_FILE,
    Annotation,
    cached_npz,
    clip_to_image,
    file_number,
    load_annotations,
    photo_pixels,
    split_real,
    union_box,
)


def photo_views_of(directory: Path, annotations: list[Annotation], passes: int, seed: int) -> dict[str, np.ndarray]:
    """Photos -> the localizer's views of them, as train/scenes.py makes them of generated scenes:
    {images: uint8 (N * passes * 3, 192, 256, 3), boxes: (.., 4) in view pixels, numbers, file_number}."""
    rng = np.random.default_rng(seed)
    images, boxes, numbers, files = [], [], [], []
    for annotation in tqdm(annotations, desc=f"localizer views of {directory.name}"):
        pixels = photo_pixels(directory, annotation)
        # Some annotated boxes reach past the photo's edge; the views hold only what is inside it.
        box = clip_to_image(union_box(annotation.boxes), pixels.shape[1], pixels.shape[0])
        for _ in range(passes):
            views, view_boxes = photo_views(pixels, box, rng)
            images.append(views)
            boxes.append(view_boxes)
            numbers += [annotation.number] * len(views)
            files += [file_number(annotation.filename)] * len(views)
    return {
        "images": np.concatenate(images),
        "boxes": np.concatenate(boxes),
        "numbers": np.array(numbers),
        "file_number": np.array(files),
    }


def build_real_views(
    directory: str | Path, cache_dir: str | Path, part: str = "train", passes: int = 2, seed: int = 0
) -> dict[str, np.ndarray]:
    """One part of the real split -> the localizer's views of its photos (`passes` draws of the closer
    looks each), cached under cache_dir (the data folder is read-only)."""
    directory = Path(directory)
    name = f"svhn_real_views_{part}_{directory.name}_v{REAL_VAL_FIRST_FILE}_p{passes}_s{seed}_{SCENES_VERSION}.npz"
    annotations = dict(zip(("train", "val"), split_real(load_annotations(directory))))[part]
    return cached_npz(Path(cache_dir) / name, lambda: photo_views_of(directory, annotations, passes, seed))
