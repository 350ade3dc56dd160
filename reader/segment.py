"""Twin of web/static/js/segment.js: a handwritten whole number -> one crop per digit, guided by the classifier.

Same steps, same names (snake_case here, camelCase there), same order. Change both in one
commit; tests/test_segment.py compares them.

Why it is kept, now that the number reader reads the digits: its boxes. Measured against the
true digit boxes of 300 composed numbers (1,218 digits; `python -m studies.segmentation_boxes`,
docs/segmentation_boxes.json), its boxes have a mean IoU of 0.953 (98.0 % at IoU >= 0.5), the
reader's frame boxes 0.868 (96.1 %): frames split the ink at midpoints, so a 7's bar or a
touching neighbour lands in the wrong box. The page uses its boxes when it finds as many
digits as the reader (91 % of numbers) and the frames' otherwise: 0.958 (99.2 %).

The ink image (light ink on black, as preprocessing makes it) is pooled into a grid of
cells, about grid_per_height across the number's height, and the ink cells are split
into 8-connected components. Specks are dropped, pieces that share most of their columns
(the bar of a 4, a 5's cap, a broken stroke) are merged, and short light fragments join
their nearest neighbour; the classifier then decides whether close neighbours one of
which is short (a 4 drawn in two strokes), or which share many columns (a 0 drawn or broken
in two arcs: its pieces' readings are weighed down by the share, since digits are written
side by side), are one digit. A part may be two digits: it
is cut between its components, where mild erosion of its ink parts it (digits that
merely touch), or, when wider than a digit, along straight lines through the least ink
or across its middle, and the cut whose two halves the classifier reads most confidently
(product of the two confidences) is weighed against keeping it whole. Each digit's ink, masked to its own
cells, then goes through the usual MNIST preprocessing, all digits in one batch.

The cells and the grouping are in reader/segment_parts.py, the cuts in reader/segment_cuts.py; this
module holds the settings, the joins and the digits, and runs them all (segment_number).

A part is a bool mask over the cells. Boxes are (top, left, bottom, right) in cells,
end exclusive, unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reader.decode import decode_number
from reader.masks import label_cells
from reader.segment_cuts import choose_split, grow, split_candidates, split_kind, stroke_width
from reader.segment_parts import (
    Box,
    box_height,
    box_width,
    by_left_edge,
    cell_size,
    column_overlap,
    group_components,
    ink_cells,
    mask_box,
)

GRID_PER_HEIGHT = 48  # cells across the ink's height: a digit is ~40 cells tall, a pen stroke 5-6 wide
INK_LEVEL = 0.25  # a pixel brighter than this is ink (ink in [0, 1])
CELL_FILL = 0.5  # a cell is ink when its pixels' mean is above this: close strokes stay apart
SPECK_SIZE = 0.2  # pieces smaller than this share of the line height both ways are specks
MERGE_OVERLAP = 0.5  # pieces whose columns overlap by half the narrower one's width are one digit
FRAGMENT_HEIGHT = 0.6  # pieces shorter than this share of the line height are not a digit alone...
FRAGMENT_INK = 0.12  # ... when they also hold fewer ink cells than this x the line height squared
ATTACH_GAP = 0.35  # a fragment joins its nearest neighbour when at most this share of the line height away
SPLIT_WIDTH = 0.8  # parts wider than this x the line height may be two digits: the classifier decides
FORCE_SPLIT_WIDTH = 1.2  # parts wider than this are always cut (a round 0 may be as wide as tall)
CUT_MARGIN = 0.12  # a cut leaves at least this share of the line height on each side
CUT_SLANTS = (0.0, -0.25, 0.25, -0.5, 0.5)  # cut lines lean this many columns per row; upright preferred
MAX_CUTS = 3  # cuts tried per part through the least ink...
CUT_MIDDLES = (0.5, 0.4, 0.6)  # ... and upright through these fractions of its width
ERODE_SHARE = 0.25  # erosion by this share of the stroke width parts digits that merely touch
SEED_HEIGHT = 0.5  # what erosion leaves counts as a digit's core from this share of the line height
STRONG_BIAS = 1.0  # a cut along the ink's own gaps stands unless the whole reads this much better
JOIN_HEIGHT = 0.8  # neighbours one of which is shorter than this x the line height may be one digit
JOIN_OVERLAP = 0.25  # ... and so may neighbours sharing this share of the narrower one's columns (a broken 0)
JOIN_WIDTH = 1.1  # ... when together no wider than this x the line height
MAX_SPLIT_ROUNDS = 3  # a part cut in two may be cut again: three touching digits, and more
CROP_MARGIN = 2  # black pixels around each digit crop, so preprocessing sees a clean border

Classify = Callable[[list[np.ndarray]], np.ndarray]  # uint8 crops -> (N, 10) probabilities


def segment_config() -> dict:
    """The constants above, as metadata.json carries them to web/static/js/segment.js."""
    return {
        "grid_per_height": GRID_PER_HEIGHT,
        "ink_level": INK_LEVEL,
        "cell_fill": CELL_FILL,
        "speck_size": SPECK_SIZE,
        "merge_overlap": MERGE_OVERLAP,
        "fragment_height": FRAGMENT_HEIGHT,
        "fragment_ink": FRAGMENT_INK,
        "attach_gap": ATTACH_GAP,
        "split_width": SPLIT_WIDTH,
        "force_split_width": FORCE_SPLIT_WIDTH,
        "cut_margin": CUT_MARGIN,
        "cut_slants": list(CUT_SLANTS),
        "max_cuts": MAX_CUTS,
        "cut_middles": list(CUT_MIDDLES),
        "erode_share": ERODE_SHARE,
        "seed_height": SEED_HEIGHT,
        "strong_bias": STRONG_BIAS,
        "join_height": JOIN_HEIGHT,
        "join_overlap": JOIN_OVERLAP,
        "join_width": JOIN_WIDTH,
        "max_split_rounds": MAX_SPLIT_ROUNDS,
        "crop_margin": CROP_MARGIN,
    }


# --- joining neighbours -----------------------------------------------------------------


def join_candidates(parts: list[np.ndarray], height: int, config: dict) -> list[int]:
    """Indices i of neighbours (i, i + 1), in reading order, that may be one digit: at most
    attach_gap x the line height apart, and either one shorter than join_height x the line
    height and together no wider than split_width x it (a 4 drawn in two strokes), or sharing
    join_overlap of the narrower one's columns and together no wider than join_width x it (a 0
    drawn or broken in two arcs)."""
    found = []
    for i in range(len(parts) - 1):
        a, b = mask_box(parts[i]), mask_box(parts[i + 1])
        union = max(a[3], b[3]) - min(a[1], b[1])
        near = -column_overlap(a, b) <= config["attach_gap"] * height
        short = min(box_height(a), box_height(b)) < config["join_height"] * height
        shared = column_overlap(a, b) >= config["join_overlap"] * min(box_width(a), box_width(b))
        narrow = union <= config["split_width"] * height
        if near and (short and narrow or shared and union <= config["join_width"] * height):
            found.append(i)
    return found


def shared_share(a: Box, b: Box) -> float:
    """The share of the narrower box's columns the wider one shares, 0 when they share none."""
    return max(0.0, min(1.0, column_overlap(a, b) / min(box_width(a), box_width(b))))


def choose_joins(candidates: list[int], singles: list, joined: list, shares: list[float]) -> list[int]:
    """The candidates to join: those whose joined reading beats the product of the two readings,
    best margin first, none sharing a part. singles: probabilities by part index (of the parts in
    a candidate); joined: of each candidate pair; shares: each pair's shared_share, which weighs
    the two readings down (digits are written side by side, the pieces of one digit overlap)."""
    margins = []
    for k, i in enumerate(candidates):
        apart = float(singles[i].max()) * float(singles[i + 1].max()) * (1.0 - shares[k])
        margin = float(joined[k].max()) - apart
        if margin > 0:
            margins.append((-margin, i))
    chosen: list[int] = []
    for _, i in sorted(margins):
        if all(abs(i - j) > 1 for j in chosen):
            chosen.append(i)
    return sorted(chosen)


# --- digits ------------------------------------------------------------------------------


def digit_crop(
    ink: np.ndarray, cells: np.ndarray, part: np.ndarray, cell: int, config: dict
) -> tuple[np.ndarray, list[int]]:
    """The part's own ink, tightly cropped -> (uint8 light-on-black crop with a black margin,
    [x, y, w, h] of the ink in image pixels). The part reaches one cell past its ink cells, for
    the edges of strokes, but not into other ink cells."""
    own = grow(part) & ~(cells & ~part)
    top, left, bottom, right = mask_box(own)
    y0, x0 = top * cell, left * cell
    region = ink[y0 : bottom * cell, x0 : right * cell]
    pixels = np.repeat(np.repeat(own[top:bottom, left:right], cell, axis=0), cell, axis=1)
    values = np.where(pixels[: region.shape[0], : region.shape[1]], region, np.float32(0))
    strong = values > config["ink_level"]
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    levels = np.floor(values[r0:r1, c0:c1].astype(np.float64) * 255 + 0.5).astype(np.uint8)
    return np.pad(levels, config["crop_margin"]), [x0 + c0, y0 + r0, c1 - c0, r1 - r0]


def read_parts(
    ink: np.ndarray, cells: np.ndarray, parts: list[np.ndarray], cell: int, memo: list, classify: Classify, config: dict
) -> list[np.ndarray]:
    """Each part's probabilities. Parts not in memo (a list of (part, probabilities)) are cropped
    and classified in one batch, then remembered: no crop is classified twice."""
    found = lambda part: next((p for m, p in memo if np.array_equal(m, part)), None)
    new = []
    for part in parts:
        if found(part) is None and not any(np.array_equal(part, n) for n in new):
            new.append(part)
    if new:
        memo.extend(zip(new, np.asarray(classify([digit_crop(ink, cells, part, cell, config)[0] for part in new]))))
    return [found(part) for part in parts]


def segment_number(ink: np.ndarray, classify: Classify, config: dict) -> dict:
    """Ink image (float32 (H, W), light on black, in [0, 1]) -> {number, confidence, digits, cell}.

    classify gets a list of uint8 crops and returns their (N, 10) probabilities. It runs once
    for the joins (when some neighbours may be one digit), once per round of cuts (when some
    part may be two digits) and once for the digits not read yet; no crop is read twice.
    """
    cell = cell_size(ink, config)
    cells = ink_cells(ink, cell, config)
    labels, count = label_cells(cells)
    parts, height = group_components(labels, count, config)
    geometry = (cell, height, stroke_width(ink, config))
    memo: list = []
    read = lambda some: read_parts(ink, cells, some, cell, memo, classify, config)
    pairs = join_candidates(parts, height, config)
    if pairs:
        involved = sorted({j for i in pairs for j in (i, i + 1)})
        probabilities = read([parts[j] for j in involved] + [parts[i] | parts[i + 1] for i in pairs])
        singles = [None] * len(parts)
        for j, p in zip(involved, probabilities):
            singles[j] = p
        shares = [shared_share(mask_box(parts[i]), mask_box(parts[i + 1])) for i in pairs]
        for i in reversed(choose_joins(pairs, singles, probabilities[len(involved) :], shares)):
            parts[i : i + 2] = [parts[i] | parts[i + 1]]
    settled = []
    for _ in range(config["max_split_rounds"]):
        jobs = []  # (part, kind, candidates)
        for part in parts:
            box = mask_box(part)
            kind = split_kind(box, height, config)
            candidates = split_candidates(ink, labels, part, box, kind, geometry, config)
            if candidates:
                jobs.append((part, kind, candidates))
            else:
                settled.append(part)
        parts = []
        if not jobs:
            break
        probabilities = read(
            [m for part, _, candidates in jobs for m in [part] + [h for c in candidates for h in c[:2]]]
        )
        at = 0
        for part, kind, candidates in jobs:
            whole = probabilities[at]
            halves = [probabilities[at + 1 + 2 * i : at + 3 + 2 * i] for i in range(len(candidates))]
            at += 1 + 2 * len(candidates)
            choice = choose_split(kind, whole, halves, [c[2] for c in candidates], config)
            if choice < 0:
                settled.append(part)
            else:
                parts.extend(candidates[choice][:2])
    digits = by_left_edge(settled + parts)
    probabilities = read(digits)
    boxes = [digit_crop(ink, cells, part, cell, config)[1] for part in digits]
    return {**decode_number(probabilities, boxes), "cell": cell}
