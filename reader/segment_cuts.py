"""Twin of web/static/js/segmentCuts.js: segmentation's cuts, a part that may be two digits -> the ways to
cut it in two and the choice among them (reader/segment.py tells the algorithm).

Same steps, same names (snake_case here, camelCase there), same order. Change both in one
commit; tests/test_segment.py compares them.
"""

from __future__ import annotations

import math

import numpy as np

from reader.masks import label_cells, label_heights, window_counts
from reader.segment_parts import Box, box_height, box_width, by_left_edge, mask_box, merge_overlapping


def members(labels: np.ndarray, part: np.ndarray) -> list[int]:
    """The component labels a part holds cells of, ascending."""
    return [int(v) for v in np.unique(labels[part]) if v]


def split_kind(box: Box, height: int, config: dict) -> str:
    """'force' when a part is wider than force_split_width x the line height (it is cut),
    'wide' when wider than split_width x the line height (it may be cut), else ''."""
    width = box_width(box)
    if width > config["force_split_width"] * height:
        return "force"
    return "wide" if width > config["split_width"] * height else ""


def stroke_width(ink: np.ndarray, config: dict) -> int:
    """About a pen stroke's width in pixels: the median length of the runs of ink pixels along
    rows, or along columns when that is less (a row crosses an upright stroke at its width)."""
    medians = []
    for lines in (ink > config["ink_level"], (ink > config["ink_level"]).T):
        runs = []
        for line in lines:
            edges = np.flatnonzero(np.diff(np.concatenate([[0], line.astype(np.int8), [0]])))
            runs.extend((edges[1::2] - edges[0::2]).tolist())
        medians.append(int(sorted(runs)[(len(runs) - 1) // 2]) if runs else 1)
    return min(medians)


def erode(mask: np.ndarray, times: int) -> np.ndarray:
    """Keep the cells whose 8 neighbours are all set, `times` over (beyond the grid counts as unset):
    the cells whose square of side 2 x times + 1 lies in the grid and is all set, counted at once
    (masks.window_counts), so a blot's strokes thousands of pixels wide cost no more than a pen's."""
    if times <= 0:
        return mask
    return window_counts(mask, times) == (2 * times + 1) ** 2


def grow(mask: np.ndarray) -> np.ndarray:
    """The mask and its 8 neighbours."""
    out = mask.copy()
    out[1:, :] |= mask[:-1, :]
    out[:-1, :] |= mask[1:, :]
    wide = out.copy()
    wide[:, 1:] |= out[:, :-1]
    wide[:, :-1] |= out[:, 1:]
    return wide


def grow_seeds(part: np.ndarray, seeds: list[np.ndarray]) -> list[np.ndarray]:
    """Give every cell of the part to the seed that reaches it first (breadth first, seeds in
    order, cells in raster order, neighbours row by row): a touching pair split where it touches."""
    owner = np.zeros(part.shape, dtype=np.int32)
    queue = []
    for index, seed in enumerate(seeds, start=1):
        owner[seed] = index
    for r, c in zip(*np.nonzero(owner)):
        queue.append((int(r), int(c)))
    rows, cols = part.shape
    head = 0
    while head < len(queue):
        r, c = queue[head]
        head += 1
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                nr, nc = r + dr, c + dc
                if 0 <= nr < rows and 0 <= nc < cols and part[nr, nc] and not owner[nr, nc]:
                    owner[nr, nc] = owner[r, c]
                    queue.append((nr, nc))
    return [owner == index for index in range(1, len(seeds) + 1)]


def part_pixels(ink: np.ndarray, part: np.ndarray, box: Box, cell: int, config: dict) -> np.ndarray:
    """bool ink pixels of the part's cells within its box (rows and columns of the box x cell)."""
    top, left, bottom, right = box
    region = ink[top * cell : bottom * cell, left * cell : right * cell] > config["ink_level"]
    inside = np.repeat(np.repeat(part[top:bottom, left:right], cell, axis=0), cell, axis=1)
    return region & inside[: region.shape[0], : region.shape[1]]


def eroded_pieces(
    ink: np.ndarray, part: np.ndarray, box: Box, cell: int, height: int, width: int, config: dict
) -> list[np.ndarray]:
    """A one-component part -> the pieces that mild erosion of its ink pixels leaves side by side,
    grown back over the part's cells, left to right; [] when erosion leaves one core (or cores
    stacked, as an 8's loops)."""
    pixels = erode(part_pixels(ink, part, box, cell, config), math.floor(width * config["erode_share"] + 0.5))
    cores, count = label_cells(pixels)
    limit = config["seed_height"] * height * cell
    seeds = []
    tall = np.flatnonzero(label_heights(cores, count) >= limit) + 1  # noise erodes to thousands of specks
    for k in tall:
        core = cores == k
        seed = np.zeros_like(part)
        rows, cols = np.nonzero(core)
        seed[box[0] + rows // cell, box[1] + cols // cell] = True
        seeds.append(seed & part)
    if len(seeds) < 2:
        return []
    # Cores that fall in the same cells (thin strokes on a coarse grid) give the later seed those cells,
    # and may leave an earlier one none: a piece with no cells is no piece.
    grown = [piece for piece in grow_seeds(part, by_left_edge(seeds)) if piece.any()]
    pieces = merge_overlapping(grown, math.inf, config)
    return pieces if len(pieces) > 1 else []


def cut_line(box: Box, start: int, slant: float) -> list[int]:
    """A straight boundary through column `start` at the box's middle row, leaning `slant`
    columns per row (negative: its top to the right, as handwriting leans); one column per row,
    kept within the box. Boundary b in a row puts columns < b on the left."""
    middle = (box[0] + box[2]) // 2
    return [min(max(start + math.floor(slant * (row - middle) + 0.5), box[1]), box[3]) for row in range(box[0], box[2])]


def line_ink(part: np.ndarray, box: Box, line: list[int]) -> int:
    """Ink cells a boundary passes through: the cell right of it, in each row."""
    width = part.shape[1]
    return sum(int(part[row, b]) for row, b in zip(range(box[0], box[2]), line) if b < width)


def cut_lines(part: np.ndarray, box: Box, margin: int, config: dict) -> list[list[int]]:
    """Boundaries at the local minima of the part's slanted column profiles (the first column of a
    flat minimum), starting at least margin from each side: least ink first, then least slant, then
    nearest the middle, then leftmost."""
    found = []
    for order, slant in enumerate(config["cut_slants"]):
        starts = list(range(box[1] + margin, box[3] - margin))
        lines = [cut_line(box, start, slant) for start in starts]
        inks = [line_ink(part, box, line) for line in lines]
        for i, start in enumerate(starts):
            before = inks[i - 1] if i > 0 else math.inf
            after = inks[i + 1] if i + 1 < len(inks) else math.inf
            if inks[i] < before and inks[i] <= after:
                found.append((inks[i], order, abs(2 * start - box[1] - box[3]), start, lines[i]))
    return [line for *_, line in sorted(found, key=lambda f: f[:4])]


def split_along(part: np.ndarray, box: Box, line: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """A part and a boundary per row of its box -> (left half, right half)."""
    columns = np.arange(part.shape[1])[None, :]
    limits = np.full((part.shape[0], 1), part.shape[1])
    limits[box[0] : box[2], 0] = line
    left = part & (columns < limits)
    return left, part & ~left


def tidy_halves(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hand over pieces a straight cut left stranded: in each half, the 8-connected pieces other
    than its largest that touch the other half go to the other half (the tip of a neighbour's loop)."""
    for _ in range(2):
        labels, count = label_cells(left)
        if count > 1:
            sizes = [int((labels == k).sum()) for k in range(1, count + 1)]
            keep = 1 + sizes.index(max(sizes))
            near_right = grow(right)
            for k in range(1, count + 1):
                piece = labels == k
                if k != keep and (piece & near_right).any():
                    left, right = left & ~piece, right | piece
        left, right = right, left
    return left, right


def split_candidates(
    ink: np.ndarray,
    labels: np.ndarray,
    part: np.ndarray,
    box: Box,
    kind: str,
    geometry: tuple[int, int, int],
    config: dict,
) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Ways to cut a part in two, as (left, right, strong): strong cuts follow the ink's own gaps,
    between its components or where mild erosion parts it; a wide part adds up to max_cuts
    straight cuts through the least ink and upright cuts through its middle (cut_middles). Both
    halves must stand as tall as a digit (fragment_height), so a sliver off a loop's side is never one."""
    cell, height, width = geometry
    limit = config["fragment_height"] * height
    tall = lambda half: mask_box(half) is not None and box_height(mask_box(half)) >= limit
    candidates = []
    components = [part & (labels == m) for m in members(labels, part)]
    pieces = (
        by_left_edge(components) if len(components) > 1 else eroded_pieces(ink, part, box, cell, height, width, config)
    )
    for k in range(1, len(pieces)):
        left = np.logical_or.reduce(pieces[:k])
        if tall(left) and tall(part & ~left):
            candidates.append((left, part & ~left, True))
    if not kind:
        return candidates
    margin = max(1, math.floor(config["cut_margin"] * height + 0.5))
    # Round digits that touch along their sides (00, 69) share their most inked columns, where no
    # minimum is: upright cuts across the middle of the part join the cuts through the least ink.
    middles = [cut_line(box, box[1] + math.floor(f * box_width(box) + 0.5), 0.0) for f in config["cut_middles"]]
    for line in cut_lines(part, box, margin, config)[: config["max_cuts"]] + middles:
        left, right = tidy_halves(*split_along(part, box, line))
        if tall(left) and tall(right) and not any(np.array_equal(left, c[0]) for c in candidates):
            candidates.append((left, right, False))
    return candidates


def choose_split(kind: str, whole: np.ndarray, halves: np.ndarray, strong: list[bool], config: dict) -> int:
    """Index of the candidate cut to keep, or -1 to keep the part whole.

    A cut scores the product of its two halves' top probabilities. A forced part takes the
    best cut. A strong cut stands unless the whole reads much better (strong_bias); a straight
    cut of a wide part must read better than the whole. The first of equal scores wins.
    """
    scores = [float(h[0].max()) * float(h[1].max()) for h in halves]
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    if kind == "force":
        return order[0]
    confidence = float(whole.max())
    for i in order:
        if strong[i] and scores[i] >= config["strong_bias"] * confidence:
            return i
    if kind == "wide":
        best = next((i for i in order if not strong[i]), -1)
        if best >= 0 and scores[best] > confidence:
            return best
    return -1
