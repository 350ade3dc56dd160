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

A part is a bool mask over the cells. Boxes are (top, left, bottom, right) in cells,
end exclusive, unless said otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from reader.decode import decode_number
from reader.masks import label_cells, label_heights, window_counts

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

Box = tuple[int, int, int, int]
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


# --- cutting a part in two -------------------------------------------------------------


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
    (preprocess.window_counts), so a blot's strokes thousands of pixels wide cost no more than a pen's."""
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
