"""Twin of web/static/js/paperInk.js: a photo or scan of writing (or a canvas) -> light ink on black, the paper gone.

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit; tests/test_parity.py
compares them on the same pixels (ink_image). Its output is what number_strip.py and segment.py read.
"""

from __future__ import annotations

import math

import numpy as np

from reader.masks import label_cells, window_counts
from reader.preprocess import EmptyImageError, stretch_contrast, to_grayscale

# A canvas is white with black ink; paper is lit unevenly, grey, textured, ruled. Each step
# below leaves a clean canvas as it was (its paper is exactly 0 after inversion), so drawn
# numbers read as before.
BACKGROUND_CELLS = 4  # the paper's level is estimated on a grid about this many cells across the shorter side
BACKGROUND_PERCENTILE = 0.2  # ... as this percentile of each cell, then the median of it and its neighbours:
# a thick stroke may fill a cell, not most of nine; a shadow's edge is followed
NOISE_SPREAD = 4.0  # residue up to median + this x (75th percentile - median) of the dim pixels is paper, not ink
FLOOR_CAP = 0.25  # pixels dimmer than this share of the brightest are the dim ones; the floor stays below it
LINE_LENGTH = 0.4  # ruled lines run at least this share of the width (and the height, unless that is wider)...
LINE_MIN_SHARE = 0.9  # ... but at most this share of the width: a tight crop's digits are never lines
LINE_SLOPES = (-0.03, 0.0, 0.03)  # lines may lean this many px per px (a tilted photo)
LINE_BAND = 0.015  # a line is looked for in a band this share of the height thick, so a tilt between slopes fits
LINE_THICKNESS = 0.04  # lines are thinner than this share of the height (plus the band): a long thick block is ink
MAX_SHADOW = 0.5  # the paper is never this much darker than its lightest fifth: a cell that is, is filled with ink
MIN_PAPER_LIGHT = 0.2  # ink's contrast is scaled by the paper's lightness under it, taken as at least this (0 black)
SAMPLES = 256  # pixels sampled per side of a cell, and per side of the image for the noise level
LINE_WORK_SIDE = 256  # lines are found on the image max-pooled to at most this many px a side: fast, lines kept
MARGIN_SIDE = 0.2  # a dark block holding a square this share of the image's shorter side is no stroke (a thick
# brush is a tenth of the canvas's height): a scan's page margin, a page edge, the desk around a note. It is paper.
MARGIN_RIM = 0.02  # ... and so is this share of the shorter side around it: the block's ragged edge
RULE_LEVEL = 0.2  # ink at least this share of the brightest is looked at for rules (a ledger's column rules):
RULE_SHARE = 0.9  # ... a column or row holding it in this share of the paper's rows or columns is a rule, not a
# digit: no digit runs the paper's whole height or width
RULE_THICKNESS = 0.04  # ... when such columns or rows side by side are at most this share of the paper thick ...
POLARITY_RUNS = 20  # runs of each shade (dark, light) needed before stroke widths say which is ink ...
POLARITY_RATIO = 3.0  # ... the shade whose runs are this many times thinner than the other's: strokes are thin,
# paper wide, whatever share of the image a page margin or a desk takes (the median's rule is the fallback)
PAPER_PERCENTILE = 0.2  # the paper's level is this percentile: margins, desks and ink all lie above it
MARGIN_DARKNESS = 0.65  # a margin or desk is dark: this far from the paper's level to the darkest ink (a black
# margin is nearly as dark as ink; a shadow, however deep, is lighter)
EDGE_SHARE = 0.9  # a band of whole columns (rows) at the image's edge, dark in this share of each, is a page margin
EDGE_STROKES = 2.0  # ... when it is wider than this many stroke widths (the median dark run elsewhere) ...
EDGE_MIN_SHARE = 0.04  # ... and this share of the side, and leaves ...
EDGE_MAX_SHARE = 0.75  # ... at least the rest of the side as paper: too narrow for dark_blocks' square, yet no stroke
RULE_MIN_THICKNESS = 8  # ... or this many px (a 2-px rule counts 4 wide, and a tilted one more): a wider band is ink


def sampled(gray: np.ndarray) -> np.ndarray:
    """Every step-th pixel each way, at most SAMPLES a side: big photos are summed up as well by a sample."""
    step = max(1, math.floor(max(gray.shape) / SAMPLES))
    return gray[::step, ::step]


def inner_run_lengths(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of set pixels along the rows, then along the columns, that touch no edge of
    the image (a margin or the paper around a tight crop is cut by the edge; a stroke is not)."""
    lengths = []
    for lines in (mask, mask.T):
        height, width = lines.shape
        padded = np.zeros((height, width + 2), dtype=np.int8)
        padded[:, 1:-1] = lines
        changes = np.flatnonzero(np.diff(padded, axis=1))  # per row: start, end, start, end ...
        starts, ends = changes[0::2] % (width + 1), changes[1::2] % (width + 1)
        inner = (starts > 0) & (ends < width)
        lengths.append((ends - starts)[inner])
    return np.concatenate(lengths)


def stroke_polarity(sample: np.ndarray, middle: np.float32) -> bool | None:
    """True when the ink is the dark shade, False when the light, None when stroke widths do not say:
    across a stroke the ink's runs are short and the paper's long, wherever a margin or desk lies."""
    dark, light = inner_run_lengths(sample < middle), inner_run_lengths(sample >= middle)
    if dark.size < POLARITY_RUNS or light.size < POLARITY_RUNS:
        return None
    dark_width, light_width = low_percentile(dark, 0.5), low_percentile(light, 0.5)
    if light_width >= POLARITY_RATIO * dark_width:
        return True
    if dark_width >= POLARITY_RATIO * light_width:
        return False
    return None


def ink_polarity_gray(gray: np.ndarray) -> np.ndarray:
    """Light ink on dark paper, whichever way round the image came: the paper covers most of the image,
    and it is light when the median lies above the middle of the image's range (a dim photo's paper is
    below 0.5). Not the border: a scan's black page margin may be most of it. A dark median may be such
    a margin, or a desk: then the strokes decide (stroke_polarity). A light median is trusted: a lone
    stroke leaves the paper no runs clear of the edges, and its strokes cannot say."""
    middle = (float(gray.min()) + float(gray.max())) / 2
    sample = sampled(gray)
    dark_ink = low_percentile(sample, 0.5) > middle or stroke_polarity(sample, np.float32(middle)) is True
    return (1.0 - gray).astype(np.float32) if dark_ink else gray.astype(np.float32)


def dark_blocks(ink: np.ndarray) -> np.ndarray:
    """bool (H, W): the dark blocks around the paper (ink polarity: bright): those that reach the
    image's edge and hold a square of MARGIN_SIDE of the shorter side, with MARGIN_RIM around them,
    and the narrower bands of edge_bands. Dark is MARGIN_DARKNESS of the way from the paper
    (paper_value) to the darkest. Strokes are thinner, so a drawing has none."""
    radius = math.floor(MARGIN_SIDE * min(ink.shape) / 2)
    if radius < 1:
        return np.zeros(ink.shape, dtype=bool)
    paper = paper_value(ink)
    dark = ink > np.float32(paper + MARGIN_DARKNESS * (float(ink.max()) - paper))  # float32, as the JS twin
    side = 2 * radius + 1
    inside = window_counts(dark, radius) == side * side  # the block's squares (the opening's erosion) ...
    reach = radius + max(1, math.floor(MARGIN_RIM * min(ink.shape) + 0.5))
    grown = window_counts(inside, reach) > 0  # ... grown back over the block and its rim
    labels, _ = label_cells(grown)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    # a margin, a page edge, a desk reach the image's edge; ink need not
    return np.isin(labels, edge[edge > 0]) | edge_bands(dark, reach - radius)


def edge_run(flags: np.ndarray) -> tuple[int, int]:
    """How many flags are set from the start, and from the end."""
    unset = np.flatnonzero(~flags)
    if unset.size == 0:
        return flags.size, flags.size
    return int(unset[0]), int(flags.size - 1 - unset[-1])


def edge_bands(dark: np.ndarray, rim: int) -> np.ndarray:
    """bool (H, W): bands of whole columns at the left or right edge (rows at the top or bottom) dark in
    EDGE_SHARE of their pixels, wider than EDGE_STROKES stroke widths and EDGE_MIN_SHARE of the side,
    leaving paper (EDGE_MAX_SHARE), with `rim` px beyond: a page margin or a scanner's edge too narrow
    for dark_blocks' square. No strokes (no dark runs clear of the edges), no bands."""
    bands = np.zeros(dark.shape, dtype=bool)
    runs = inner_run_lengths(dark)
    if runs.size == 0:
        return bands
    stroke = low_percentile(runs, 0.5)
    for axis in (0, 1):  # 0: whole columns, at the left and right; 1: whole rows, at the top and bottom
        full = dark.mean(axis=axis) >= EDGE_SHARE
        size = full.size
        least = max(EDGE_MIN_SHARE * size, EDGE_STROKES * stroke)
        lead, trail = edge_run(full)
        view = bands if axis == 0 else bands.T
        if least <= lead <= EDGE_MAX_SHARE * size:
            view[:, : lead + rim] = True
        if least <= trail <= EDGE_MAX_SHARE * size:
            view[:, max(0, size - trail - rim) :] = True
    return bands


def ink_runs(counts: np.ndarray) -> list[tuple[int, int]]:
    """Counts along rows or columns -> the (start, end) of each run of non-zero counts, exclusive end."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], (counts > 0).astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]


def thin_runs(flags: np.ndarray, longest: float) -> np.ndarray:
    """bool flags -> those in runs of at most `longest` set flags side by side."""
    kept = np.zeros_like(flags)
    for start, end in ink_runs(flags):
        kept[start:end] = end - start <= longest
    return kept


def thin_full_bands(shares: np.ndarray, share: float) -> np.ndarray:
    """Each column's (row's) share of inked pixels -> the columns (rows) with at least `share`, in bands
    as thin as a rule (RULE_THICKNESS of the side, at least RULE_MIN_THICKNESS px)."""
    return thin_runs(shares >= share, max(RULE_MIN_THICKNESS, RULE_THICKNESS * shares.size))


def rules(ink: np.ndarray) -> np.ndarray:
    """bool (H, W): the ink of thin bands of columns and rows that hold ink nearly all along the paper
    (RULE_SHARE, RULE_THICKNESS), and of their neighbours: a ledger's column rules, a form's lines, whole
    or broken by gaps of a pixel or two (ink counts one pixel around it), with the faint edges beside them."""
    height, width = ink.shape
    strong = window_counts(ink > np.float32(RULE_LEVEL * float(ink.max())), 1) > 0
    upright, across = thin_full_bands(strong.mean(axis=0), RULE_SHARE), thin_full_bands(strong.mean(axis=1), RULE_SHARE)
    upright = window_counts(upright[None, :], 1)[0] > 0
    across = window_counts(across[:, None], 1)[:, 0] > 0
    return (upright[None, :] | across[:, None]) & (ink > 0)


def paper_value(ink: np.ndarray) -> float:
    """The paper's level over the whole image (ink polarity): a low percentile, PAPER_PERCENTILE. Ink,
    page margins and desks lie above the paper, and a margin or desk may cover more than half the image."""
    return low_percentile(sampled(ink), PAPER_PERCENTILE)


def paper_box(blocks: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), exclusive end: the rows and columns that are not all dark blocks."""
    rows, cols = np.flatnonzero(~blocks.all(axis=1)), np.flatnonzero(~blocks.all(axis=0))
    if rows.size == 0:
        raise EmptyImageError("no paper found: the image is all margin or desk")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def cell_edges(size: int, cells: int) -> np.ndarray:
    """Integer edges of `cells` near-equal cells over `size` pixels."""
    return np.floor(np.arange(cells + 1) * size / cells).astype(np.int64)


def low_percentile(values: np.ndarray, share: float) -> float:
    """The value below which `share` of the values lie, without interpolation (as the JS twin sorts)."""
    ordered = np.sort(values, axis=None)
    return float(ordered[math.floor(share * (ordered.size - 1))])


def paper_level(gray: np.ndarray) -> np.ndarray:
    """float32 (H, W): the paper's level under each pixel, a low percentile of its cell,
    interpolated between cell centres: follows light that changes across the page, not strokes."""
    height, width = gray.shape
    cell = max(1.0, min(height, width) / BACKGROUND_CELLS)
    rows, cols = max(1, math.floor(height / cell + 0.5)), max(1, math.floor(width / cell + 0.5))
    row_edges, col_edges = cell_edges(height, rows), cell_edges(width, cols)
    levels = np.zeros((rows, cols), dtype=np.float32)
    for i in range(rows):
        for j in range(cols):
            block = gray[row_edges[i] : row_edges[i + 1], col_edges[j] : col_edges[j + 1]]
            step = max(1, math.floor(max(block.shape) / SAMPLES))  # big photos: a sample is as good
            levels[i, j] = low_percentile(block[::step, ::step], BACKGROUND_PERCENTILE)
    ceiling = low_percentile(sampled(gray), BACKGROUND_PERCENTILE) + MAX_SHADOW
    return interpolate_cells(np.minimum(neighbourhood_median(levels), ceiling), height, width)


def neighbourhood_median(levels: np.ndarray) -> np.ndarray:
    """Each cell's median level (the lower middle) among itself and its neighbours inside the grid."""
    rows, cols = levels.shape
    out = np.zeros_like(levels)
    for i in range(rows):
        for j in range(cols):
            out[i, j] = low_percentile(levels[max(0, i - 1) : i + 2, max(0, j - 1) : j + 2], 0.5)
    return out


def cell_weights(size: int, cells: int) -> np.ndarray:
    """(size, cells) linear interpolation weights from cell centres to pixel centres."""
    position = np.clip((np.arange(size) + 0.5) * cells / size - 0.5, 0, cells - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, cells - 1)
    weights = np.zeros((size, cells), dtype=np.float32)
    weights[np.arange(size), low] += (1 - (position - low)).astype(np.float32)
    weights[np.arange(size), high] += (position - low).astype(np.float32)
    return weights


def interpolate_cells(levels: np.ndarray, height: int, width: int) -> np.ndarray:
    return (cell_weights(height, levels.shape[0]) @ levels @ cell_weights(width, levels.shape[1]).T).astype(np.float32)


def noise_floor(residue: np.ndarray) -> float:
    """How bright paper grain, printed patterns and JPEG noise get above the paper level. They are
    dim beside the ink, and most of the dim pixels are paper, so the dim pixels' median and 75th
    percentile are paper's; ink stands far above both. Never above FLOOR_CAP of the peak."""
    sample = sampled(residue)
    cap = FLOOR_CAP * float(sample.max())
    dim = sample[sample < cap]
    if dim.size == 0:
        return 0.0
    median, upper = low_percentile(dim, 0.5), low_percentile(dim, 0.75)
    return min(cap, median + NOISE_SPREAD * (upper - median))


def sliding_extreme(values: np.ndarray, length: int, pick: np.ufunc) -> np.ndarray:
    """(H, W) -> (H, W - length + 1): pick (np.minimum or np.maximum) over each run of `length`
    along the rows, in linear time whatever the length (van Herk / Gil-Werman)."""
    height, width = values.shape
    blocks = -(-width // length)
    fill = np.inf if pick is np.minimum else -np.inf
    padded = np.full((height, blocks * length + length), fill, dtype=np.float32)
    padded[:, :width] = values
    runs = padded.reshape(height, -1, length)
    forward = pick.accumulate(runs, axis=2).reshape(height, -1)
    backward = np.flip(pick.accumulate(np.flip(runs, axis=2), axis=2), axis=2).reshape(height, -1)
    count = width - length + 1
    return pick(backward[:, :count], forward[:, length - 1 : length - 1 + count])


def opening_along_rows(values: np.ndarray, length: int) -> np.ndarray:
    """Grey opening by a horizontal segment of `length`: what of the (non-negative) image lies on
    straight runs at least that long (ruled lines), everything shorter gone (digits)."""
    height, width = values.shape
    if length > width:
        return np.zeros_like(values)
    eroded = sliding_extreme(values, length, np.minimum)
    padded = np.zeros((height, width + length - 1), dtype=np.float32)
    padded[:, length - 1 : length - 1 + eroded.shape[1]] = eroded
    return sliding_extreme(padded, length, np.maximum)


def shear_rows(values: np.ndarray, slope: float, back: bool = False) -> np.ndarray:
    """Shift each column up by floor(slope x (x - W / 2) + 0.5) px (down when `back`), paper
    (0) coming in: a line leaning by `slope` becomes a row."""
    height, width = values.shape
    shifts = np.floor(slope * (np.arange(width) - width / 2) + 0.5).astype(np.int64)
    shifts = -shifts if back else shifts
    out = np.zeros_like(values)
    for shift in np.unique(shifts):  # a few distinct shifts: copy the columns of each at once
        cols = np.flatnonzero(shifts == shift)
        if abs(shift) >= height:
            continue
        if shift >= 0:
            out[: height - shift, cols] = values[shift:, cols]
        else:
            out[-shift:, cols] = values[: height + shift, cols]
    return out


def max_pool(values: np.ndarray, factor: int) -> np.ndarray:
    """(H, W) -> (ceil(H / factor), ceil(W / factor)), each the brightest of its factor x factor pixels."""
    height, width = values.shape
    rows, cols = -(-height // factor), -(-width // factor)
    padded = np.zeros((rows * factor, cols * factor), dtype=np.float32)
    padded[:height, :width] = values
    return padded.reshape(rows, factor, cols, factor).max(axis=(1, 3))


def line_ink(ink: np.ndarray) -> np.ndarray:
    """The part of the ink that lies on long, near-horizontal lines (ruled lines, underlines, the
    tops and bottoms of boxes), found on the max-pooled image (a thin line survives pooling)."""
    factor = max(1, -(-max(ink.shape) // LINE_WORK_SIDE))
    found = pooled_line_ink(max_pool(ink, factor))
    full = np.repeat(np.repeat(found, factor, axis=0), factor, axis=1)[: ink.shape[0], : ink.shape[1]]
    return np.minimum(full, ink)


def pooled_line_ink(ink: np.ndarray) -> np.ndarray:
    """Where long near-horizontal lines run, at their level. Each column is first widened down by
    a band, so a line that leans between two of LINE_SLOPES still fits a straight segment."""
    height, width = ink.shape
    length = max(math.floor(LINE_LENGTH * width + 0.5), min(height, math.floor(LINE_MIN_SHARE * width + 0.5)))
    band = max(1, math.floor(LINE_BAND * height + 0.5))
    widened = sliding_extreme(np.vstack([ink, np.zeros((band - 1, width), np.float32)]).T, band, np.maximum).T
    found = np.zeros_like(ink)
    for slope in LINE_SLOPES:
        opened = opening_along_rows(shear_rows(widened, slope), length)
        found = np.maximum(found, shear_rows(opened, slope, back=True))
    thick = max(2, math.floor(LINE_THICKNESS * height + 0.5)) + band
    return found - opening_along_rows(found.T.copy(), thick).T  # what stays is long and thin: a line


def paper_residue(gray: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Grayscale photo, scan or canvas (either polarity) -> (float32 >= 0 over the paper's box, light ink
    on black with the paper at 0; the box (top, left, bottom, right) in gray): a page margin or desk
    around the paper made paper, uneven light and shadows (the paper level) subtracted and, where the
    light dims, divided out, paper grain and patterns (the noise floor) cut."""
    whole = ink_polarity_gray(gray)
    blocks = dark_blocks(whole)
    # The paper alone is normalised: the rows and columns that are all margin or desk are left out,
    # so the paper's lines are measured against the paper's size.
    top, left, bottom, right = paper_box(blocks)
    ink = np.where(blocks, np.float32(paper_value(whole)), whole)[top:bottom, left:right]
    level = paper_level(ink)
    # Light multiplies: ink in a shadow stands out from its paper only as far as that paper is lit.
    # Scaled by the best-lit paper's lightness over its own, a shadowed digit is as bright as its lit
    # neighbours, so the number's box finds it (number_box's strong ink). Evenly lit paper is scaled by 1.
    lit = np.maximum(1.0 - level, MIN_PAPER_LIGHT)
    residue = np.maximum(ink - level, 0.0) * (lit.max() / lit)
    return np.maximum(residue - noise_floor(residue), 0.0).astype(np.float32), (top, left, bottom, right)


def on_page(part: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, ...]) -> np.ndarray:
    """float32 `shape` of zeros with `part` at box (top, left, bottom, right): the paper back in the image."""
    out = np.zeros(shape, dtype=np.float32)
    out[box[0] : box[2], box[1] : box[3]] = part
    return out


def normalise_background(gray: np.ndarray) -> np.ndarray:
    """Grayscale photo, scan or canvas (either polarity) -> float32 (H, W) >= 0, light ink on black
    with the paper at 0: paper_residue, with ruled lines and box edges taken out."""
    residue, box = paper_residue(gray)
    residue = residue - line_ink(residue)
    residue[rules(residue)] = 0.0
    return on_page(residue, box, gray.shape)


def ink_image(pixels: np.ndarray) -> np.ndarray:
    """Image pixels (any size, either polarity, canvas or paper) -> float32 (H, W) in [0, 1], light
    ink on black, at full size: what reader/segment.py cuts into digits. Raises EmptyImageError when blank."""
    return stretch_contrast(normalise_background(to_grayscale(pixels)))


def digit_ink(pixels: np.ndarray) -> np.ndarray:
    """Image of one digit (any size, either polarity, canvas or paper) -> float32 (H, W) in [0, 1], light
    ink on black: paper_residue without the search for lines, which in a crop as tight as one digit's
    would take its strokes (a 1 spans the crop as a rule spans a ledger). Raises EmptyImageError when blank."""
    gray = to_grayscale(pixels)
    return stretch_contrast(on_page(*paper_residue(gray), gray.shape))
