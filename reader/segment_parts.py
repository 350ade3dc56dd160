"""Twin of web/static/js/segmentParts.js: segmentation's cells, and its pieces grouped into parts that are
each one digit or a run of touching digits (reader/segment.py tells the algorithm).

Same steps, same names (snake_case here, camelCase there), same order. Change both in one
commit; tests/test_segment.py compares them.

A part is a bool mask over the cells. Boxes are (top, left, bottom, right) in cells,
end exclusive, unless said otherwise.
"""

from __future__ import annotations

import math

import numpy as np

Box = tuple[int, int, int, int]


# --- cells and components ---------------------------------------------------------------


def cell_size(ink: np.ndarray, config: dict) -> int:
    """Pixels per cell side: the height of the rows holding ink over grid_per_height, at least 1."""
    rows = np.flatnonzero((ink > config["ink_level"]).any(axis=1))
    height = int(rows[-1] - rows[0] + 1) if rows.size else ink.shape[0]
    return max(1, math.floor(height / config["grid_per_height"] + 0.5))


def ink_cells(ink: np.ndarray, cell: int, config: dict) -> np.ndarray:
    """bool (ceil(H / cell), ceil(W / cell)): cells whose mean ink (paper beyond the image) is above cell_fill."""
    height, width = ink.shape
    rows, cols = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, cols * cell), dtype=np.float32)
    padded[:height, :width] = ink
    sums = padded.reshape(rows, cell, cols, cell).sum(axis=(1, 3), dtype=np.float64)
    return sums > config["cell_fill"] * cell * cell


def mask_box(part: np.ndarray) -> Box | None:
    """Bounding box of a part's cells, or None when it has none."""
    rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def box_width(box: Box) -> int:
    return box[3] - box[1]


def box_height(box: Box) -> int:
    return box[2] - box[0]


def column_overlap(a: Box, b: Box) -> int:
    """Columns the two boxes share (negative: the gap between them)."""
    return min(a[3], b[3]) - max(a[1], b[1])


def by_left_edge(parts: list[np.ndarray]) -> list[np.ndarray]:
    """Parts in reading order: by left column, then right column, top row, bottom row, first cell."""

    def key(part: np.ndarray) -> tuple:
        return (*[mask_box(part)[i] for i in (1, 3, 0, 2)], int(np.argmax(part.ravel())))

    return sorted(parts, key=key)


# --- grouping pieces into digits ------------------------------------------------------


def line_height(parts: list[np.ndarray]) -> int:
    """The tallest part's height in cells: what a whole digit measures here; 0 when there is no part
    (faint, thin strokes on a scan may fill no cell: every step after copes with no parts)."""
    return max((box_height(mask_box(p)) for p in parts), default=0)


def drop_specks(parts: list[np.ndarray], height: int, config: dict) -> list[np.ndarray]:
    """Leave out pieces small both ways next to the line height: dust, a slip of the pen."""
    limit = config["speck_size"] * height
    return [p for p in parts if box_width(mask_box(p)) >= limit or box_height(mask_box(p)) >= limit]


def merge_overlapping(parts: list[np.ndarray], height: int, config: dict) -> list[np.ndarray]:
    """Merge pairs whose columns overlap by merge_overlap of the narrower one, until none do.

    A merge that would make a part wider than split_width x the line height is left out:
    such pieces are more likely two digits, one leaning over the other.
    """
    parts = by_left_edge(parts)
    merged = True
    while merged:
        merged = False
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                a, b = mask_box(parts[i]), mask_box(parts[j])
                union = max(a[3], b[3]) - min(a[1], b[1])
                overlap = column_overlap(a, b)
                if overlap >= config["merge_overlap"] * min(box_width(a), box_width(b)) and (
                    union <= config["split_width"] * height
                ):
                    parts[i] = parts[i] | parts[j]
                    del parts[j]
                    merged = True
                    break
            if merged:
                break
    return by_left_edge(parts)


def is_fragment(part: np.ndarray, box: Box, height: int, config: dict) -> bool:
    """Short and light next to a digit: a 5's cap, a broken-off stroke; a flat 5 is short but not light."""
    short = box_height(box) < config["fragment_height"] * height
    return short and int(part.sum()) < config["fragment_ink"] * height * height


def attach_fragments(parts: list[np.ndarray], height: int, config: dict) -> list[np.ndarray]:
    """Join each fragment to its nearest neighbour (smallest column gap, then the leftmost),
    when that is at most attach_gap x the line height away."""
    parts = by_left_edge(parts)
    i = 0
    while i < len(parts) and len(parts) > 1:
        box = mask_box(parts[i])
        if not is_fragment(parts[i], box, height, config):
            i += 1
            continue
        gap, j = min((-column_overlap(box, mask_box(other)), j) for j, other in enumerate(parts) if j != i)
        if gap > config["attach_gap"] * height:
            i += 1
            continue
        joined = parts[i] | parts[j]
        parts = by_left_edge([p for k, p in enumerate(parts) if k not in (i, j)] + [joined])
        i = 0
    return parts


def group_components(labels: np.ndarray, count: int, config: dict) -> tuple[list[np.ndarray], int]:
    """Components -> parts that are each one digit or a run of touching digits, and the line height."""
    parts = [labels == label for label in range(1, count + 1)]
    height = line_height(parts)
    parts = drop_specks(parts, height, config)
    parts = merge_overlapping(parts, height, config)
    return attach_fragments(parts, height, config), height
