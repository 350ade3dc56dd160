"""Twin of web/static/js/preprocess.js: any image -> the inputs the models read (digit, strip, crop, view).

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit; tests/test_parity.py
compares them on the same pixels.
"""

from __future__ import annotations

import math

import numpy as np

from reader.masks import label_cells, window_counts

INPUT_SIZE = 28  # models read 28x28, as MNIST
BOX_SIZE = 20  # MNIST digits fill a 20x20 box inside the 28x28 field
INK_THRESHOLD = 0.1  # a pixel brighter than this (after inversion) counts as ink
MIN_CONTRAST = 0.1  # below this peak-over-background the image holds no digit


class EmptyImageError(ValueError):
    """Raised when an image holds no ink to read."""


def to_grayscale(pixels: np.ndarray) -> np.ndarray:
    """uint8 (H, W), (H, W, 3) or (H, W, 4) -> float32 (H, W) in [0, 1].

    Transparent pixels count as white paper, as a fresh canvas looks to a person.
    """
    rgb = pixels.astype(np.float32) / 255.0
    if rgb.ndim == 2:
        return rgb
    gray = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    if rgb.shape[-1] == 4:
        alpha = rgb[..., 3]
        gray = gray * alpha + (1.0 - alpha)
    return gray.astype(np.float32)


def border_mean(gray: np.ndarray) -> float:
    """Mean of the outermost rows and columns: the background's level."""
    border = np.concatenate([gray[0, :], gray[-1, :], gray[:, 0], gray[:, -1]])
    return float(border.mean())


def invert_if_light_background(gray: np.ndarray) -> np.ndarray:
    """Make the ink light on black, as the models learned from MNIST."""
    return (1.0 - gray).astype(np.float32) if border_mean(gray) > 0.5 else gray


def stretch_contrast(gray: np.ndarray) -> np.ndarray:
    """Map the background to 0 and the brightest ink to 1, so grey paper reads like a canvas."""
    background = border_mean(gray)
    peak = float(gray.max())
    if peak - background < MIN_CONTRAST:
        raise EmptyImageError("no ink found: the image is blank")
    return np.clip((gray - background) / (peak - background), 0.0, 1.0).astype(np.float32)


def ink_bounding_box(gray: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), exclusive end, of the pixels brighter than threshold."""
    rows = np.flatnonzero((gray > threshold).any(axis=1))
    cols = np.flatnonzero((gray > threshold).any(axis=0))
    if rows.size == 0:
        raise EmptyImageError("no ink found: the image is blank")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def crop_to_ink(gray: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    top, left, bottom, right = ink_bounding_box(gray, threshold)
    return gray[top:bottom, left:right]


def scaled_size(height: int, width: int, box: int = BOX_SIZE) -> tuple[int, int]:
    """Size that fits in box x box with the longest side = box, aspect kept."""
    scale = box / max(height, width)
    # floor(x + 0.5) rounds the same way as JavaScript's Math.round.
    return max(1, math.floor(height * scale + 0.5)), max(1, math.floor(width * scale + 0.5))


def resize_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) triangle-filter weights, widened when shrinking so thin strokes are averaged, not skipped."""
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out, dtype=np.float64) + 0.5) * scale
    sources = np.arange(n_in, dtype=np.float64) + 0.5
    weights = np.maximum(0.0, 1.0 - np.abs(sources[None, :] - centres[:, None]) / support)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights.astype(np.float32)


def scale_into_box(gray: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Resize so the longest side is `box` pixels, keeping the aspect ratio."""
    out_h, out_w = scaled_size(*gray.shape, box=box)
    resized = resize_weights(gray.shape[0], out_h) @ gray.astype(np.float32) @ resize_weights(gray.shape[1], out_w).T
    return np.clip(resized, 0.0, 1.0)  # float rounding can overshoot 1 by an ulp; the contract is [0, 1]


def centre_of_mass(gray: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre, in pixel-centre coordinates."""
    total = float(gray.sum())
    rows = np.arange(gray.shape[0], dtype=np.float32) + 0.5
    cols = np.arange(gray.shape[1], dtype=np.float32) + 0.5
    return float(gray.sum(axis=1) @ rows) / total, float(gray.sum(axis=0) @ cols) / total


def centre_by_mass(gray: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """Paste into size x size so the centre of mass lands on the centre, as MNIST was made."""
    row, col = centre_of_mass(gray)
    height, width = gray.shape
    top = min(max(math.floor(size / 2 - row + 0.5), 0), size - height)
    left = min(max(math.floor(size / 2 - col + 0.5), 0), size - width)
    out = np.zeros((size, size), dtype=np.float32)
    out[top : top + height, left : left + width] = gray
    return out


def preprocess_digit(pixels: np.ndarray) -> np.ndarray:
    """Image pixels (any size, either polarity) -> float32 (28, 28) in [0, 1], light ink on black."""
    gray = stretch_contrast(invert_if_light_background(to_grayscale(pixels)))
    return centre_by_mass(scale_into_box(crop_to_ink(gray)))


# --- paper: a photo or scan of writing -> light ink on black, the paper gone -------------
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
RULE_MIN_THICKNESS = 8  # ... or this many px (a 2-px rule counts 4 wide, and a tilted one more): a wider band is ink


def sampled(gray: np.ndarray) -> np.ndarray:
    """Every step-th pixel each way, at most SAMPLES a side: big photos are summed up as well by a sample."""
    step = max(1, math.floor(max(gray.shape) / SAMPLES))
    return gray[::step, ::step]


def ink_polarity_gray(gray: np.ndarray) -> np.ndarray:
    """Light ink on dark paper, whichever way round the image came: the paper covers most of the image,
    and it is light when the median lies above the middle of the image's range (a dim photo's paper is
    below 0.5). Not the border: a scan's black page margin may be most of it."""
    middle = (float(gray.min()) + float(gray.max())) / 2
    paper = low_percentile(sampled(gray), 0.5)
    return (1.0 - gray).astype(np.float32) if paper > middle else gray.astype(np.float32)


def dark_blocks(ink: np.ndarray) -> np.ndarray:
    """bool (H, W): the dark blocks around the paper (ink polarity: bright): those that reach the
    image's edge and hold a square of MARGIN_SIDE of the shorter side, with MARGIN_RIM around them.
    Dark is past the middle from the paper (the median) to the darkest. Strokes are thinner, so a
    drawing has none."""
    radius = math.floor(MARGIN_SIDE * min(ink.shape) / 2)
    if radius < 1:
        return np.zeros(ink.shape, dtype=bool)
    dark = ink > np.float32((paper_value(ink) + float(ink.max())) / 2)  # float32, as the JS twin
    side = 2 * radius + 1
    inside = window_counts(dark, radius) == side * side  # the block's squares (the opening's erosion) ...
    reach = radius + max(1, math.floor(MARGIN_RIM * min(ink.shape) + 0.5))
    grown = window_counts(inside, reach) > 0  # ... grown back over the block and its rim
    labels, _ = label_cells(grown)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    return np.isin(labels, edge[edge > 0])  # a margin, a page edge, a desk reach the image's edge; ink need not


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


def rules(ink: np.ndarray) -> np.ndarray:
    """bool (H, W): the ink of thin bands of columns and rows that hold ink nearly all along the paper
    (RULE_SHARE, RULE_THICKNESS), and of their neighbours: a ledger's column rules, a form's lines, whole
    or broken by gaps of a pixel or two (ink counts one pixel around it), with the faint edges beside them."""
    height, width = ink.shape
    strong = window_counts(ink > np.float32(RULE_LEVEL * float(ink.max())), 1) > 0
    upright = thin_runs(strong.mean(axis=0) >= RULE_SHARE, max(RULE_MIN_THICKNESS, RULE_THICKNESS * width))
    across = thin_runs(strong.mean(axis=1) >= RULE_SHARE, max(RULE_MIN_THICKNESS, RULE_THICKNESS * height))
    upright = window_counts(upright[None, :], 1)[0] > 0
    across = window_counts(across[:, None], 1)[:, 0] > 0
    return (upright[None, :] | across[:, None]) & (ink > 0)


def paper_value(ink: np.ndarray) -> float:
    """The paper's level over the whole image: its median (the paper covers most of it)."""
    return low_percentile(sampled(ink), 0.5)


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


def normalise_background(gray: np.ndarray) -> np.ndarray:
    """Grayscale photo, scan or canvas (either polarity) -> float32 (H, W) >= 0, light ink on black
    with the paper at 0: a page margin or desk around the paper made paper, uneven light and shadows
    (the paper level) subtracted and, where the light dims, divided out; paper grain and patterns (the
    noise floor) cut, ruled lines and box edges taken out."""
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
    residue = np.maximum(residue - noise_floor(residue), 0.0).astype(np.float32)
    residue = residue - line_ink(residue)
    residue[rules(residue)] = 0.0
    out = np.zeros(gray.shape, dtype=np.float32)
    out[top:bottom, left:right] = residue
    return out


def ink_image(pixels: np.ndarray) -> np.ndarray:
    """Image pixels (any size, either polarity, canvas or paper) -> float32 (H, W) in [0, 1], light
    ink on black, at full size: what reader/segment.py cuts into digits. Raises EmptyImageError when blank."""
    return stretch_contrast(normalise_background(to_grayscale(pixels)))


# --- whole numbers: the ink of a written number -> the number reader's strip ------------
STRIP_HEIGHT, STRIP_WIDTH = 32, 256  # the number reader's input: room for 8 digits side by side
STRIP_INK_HEIGHT = 24  # the ink's height in the strip, unless the number is too wide for it
STRIP_MARGIN = 4  # px kept free at the strip's left and right
STRIP_INK_HEIGHTS = (24, 18, 26, 28)  # read at these ink heights too, and the readings vote (number_strips):
# the best of the sets studies/strip_heights.py scored on validation numbers (docs/strip_heights.json)
STRONG_INK = 0.5  # the number's box is laid on ink at least this bright (of the brightest); what paper leaves
# behind (pieces of ruled lines, box edges, shadow seams, pattern specks) is fainter, and one faint speck far off
# would shrink the digits in the strip
BOX_REACH = 0.1  # ... then widened to the fainter ink within this share of its height: stroke ends and edges
BAND_GAP = 0.25  # rows of strong ink split by a gap under this share of the taller side are one band; the number
# is the band with the most strong ink times rows, not a printed heading, an underline or a ruled line
NUMBER_GAP = 2.0  # ... and within the band, columns of ink further than this many band heights from the
# heaviest group are another cell's stroke or a rule's piece, not a digit of the number


def strip_scale(height: int, width: int, ink_height: int = STRIP_INK_HEIGHT) -> float:
    """How much an ink box of height x width is scaled into the strip to be ink_height px high."""
    return min(ink_height / height, (STRIP_WIDTH - 2 * STRIP_MARGIN) / width)


def strip_placement(box: tuple[int, int, int, int], ink_height: int = STRIP_INK_HEIGHT) -> dict:
    """Ink box (top, left, bottom, right) -> where it lands in the strip: {scale, top, left, height,
    width} (centred), so strip x = left + (image x - ink left) * scale and back."""
    top, left, bottom, right = box
    scale = strip_scale(bottom - top, right - left, ink_height)
    height = min(STRIP_HEIGHT, max(1, math.floor((bottom - top) * scale + 0.5)))
    width = min(STRIP_WIDTH, max(1, math.floor((right - left) * scale + 0.5)))
    return {
        "scale": scale,
        "top": math.floor((STRIP_HEIGHT - height) / 2 + 0.5),
        "left": math.floor((STRIP_WIDTH - width) / 2 + 0.5),
        "height": height,
        "width": width,
    }


def heaviest_group(
    counts: np.ndarray, gap: float | None = None, share: float = 0.0, by_extent: bool = False
) -> tuple[int, int]:
    """Counts along rows or columns -> (start, end) of the group of ink runs with the most ink (times
    its extent when by_extent: a line under or over a number holds much ink in few rows), runs joining
    a group when the gap to it is at most `gap` px, or `share` of the longer of the two."""
    groups: list[list[int]] = []
    for start, end in ink_runs(counts):
        if groups:
            last = groups[-1]
            allowed = gap if gap is not None else share * max(last[1] - last[0], end - start)
            if start - last[1] <= allowed:
                last[1] = end
                continue
        groups.append([start, end])
    best = max(groups, key=lambda g: (float(counts[g[0] : g[1]].sum()) * ((g[1] - g[0]) if by_extent else 1), -g[0]))
    return best[0], best[1]


def number_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), exclusive end, of the number's ink: the heaviest band of rows of
    strong ink, the heaviest group of its columns (heaviest_group), and the faint ink near them.
    Raises EmptyImageError when blank."""
    strong = ink > STRONG_INK
    if not strong.any():
        raise EmptyImageError("no ink found: the image is blank")
    top, bottom = heaviest_group(strong.sum(axis=1), share=BAND_GAP, by_extent=True)
    left, right = heaviest_group(strong[top:bottom].sum(axis=0), gap=NUMBER_GAP * (bottom - top))
    reach = math.floor(BOX_REACH * (bottom - top) + 0.5)
    near_top, near_left = max(0, top - reach), max(0, left - reach)
    near = ink_bounding_box(ink[near_top : bottom + reach, near_left : right + reach])
    return near[0] + near_top, near[1] + near_left, near[2] + near_top, near[3] + near_left


def strip_at(
    ink: np.ndarray, box: tuple[int, int, int, int], ink_height: int = STRIP_INK_HEIGHT
) -> tuple[np.ndarray, dict]:
    """The ink in box, scaled ink_height px high (less when wide) and centred in a strip -> (float32
    (32, 256) in [0, 1], light ink on black, placement): strip_placement's figures and the box
    [x, y, w, h] in image pixels."""
    top, left, bottom, right = box
    place = strip_placement(box, ink_height)
    inked = ink[top:bottom, left:right]
    resized = resize_weights(inked.shape[0], place["height"]) @ inked @ resize_weights(inked.shape[1], place["width"]).T
    strip = np.zeros((STRIP_HEIGHT, STRIP_WIDTH), dtype=np.float32)
    strip[place["top"] : place["top"] + place["height"], place["left"] : place["left"] + place["width"]] = np.clip(
        resized, 0.0, 1.0
    )
    return strip, {**place, "box": [left, top, right - left, bottom - top]}


def number_strip(ink: np.ndarray) -> tuple[np.ndarray, dict]:
    """Ink image (ink_image's output) -> (float32 (32, 256) in [0, 1], light ink on black, placement):
    the number's ink scaled to 24 px high (less when wide) and centred, as the reader trained on.
    Raises EmptyImageError when blank."""
    return strip_at(ink, number_box(ink))


def number_strips(ink: np.ndarray, ink_heights: tuple[int, ...] = STRIP_INK_HEIGHTS) -> list[tuple[np.ndarray, dict]]:
    """Ink image -> the number's strip at each of ink_heights, one strip per distinct placement (a
    wide number fills the strip's width at every height and is read once). Raises EmptyImageError
    when blank."""
    box = number_box(ink)
    strips, seen = [], set()
    for ink_height in ink_heights:
        place = strip_placement(box, ink_height)
        key = (place["height"], place["width"])
        if key not in seen:
            seen.add(key)
            strips.append(strip_at(ink, box, ink_height))
    return strips


def preprocess_number_strip(pixels: np.ndarray) -> tuple[np.ndarray, dict]:
    """Image of a written number (any size, either polarity) -> number_strip of its ink."""
    return number_strip(ink_image(pixels))


# --- house numbers: a box around the number -> the six-head reader's input -------------
HOUSE_CROP = 64  # number crops are resized to 64x64, as Goodfellow et al. did
HOUSE_INPUT = 54  # the reader sees the central 54x54 (random 54x54 crops in training)
HOUSE_EXPAND = 0.3  # the box is grown by 30 % around its centre, as the training crops were
HOUSE_OFFSETS = ((0, 0), (-3, -3), (3, 3), (-3, 3), (3, -3))  # (dy, dx) of the windows read from a crop


def expand_box(
    box: tuple[float, float, float, float], factor: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """Grow (x, y, w, h) by `factor` around its centre, clipped to the image."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    half_w, half_h = w * (1 + factor) / 2, h * (1 + factor) / 2
    left, top = max(0, math.floor(cx - half_w + 0.5)), max(0, math.floor(cy - half_h + 0.5))
    right, bottom = min(width, math.floor(cx + half_w + 0.5)), min(height, math.floor(cy + half_h + 0.5))
    return left, top, max(1, right - left), max(1, bottom - top)


def resize_image(rgb: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """float32 (H, W, C) -> (out_h, out_w, C) with the same triangle filter as scale_into_box."""
    rows, cols = resize_weights(rgb.shape[0], out_h), resize_weights(rgb.shape[1], out_w)
    # optimize=True contracts one axis at a time with BLAS: 30 ms instead of 1 s for a 200x200 photo
    # (minutes for 12 MP), the same numbers to float rounding.
    return np.einsum("ij,jkc,lk->ilc", rows, rgb.astype(np.float32), cols, optimize=True).astype(np.float32)


def centre_crop(rgb: np.ndarray, size: int) -> np.ndarray:
    top, left = (rgb.shape[0] - size) // 2, (rgb.shape[1] - size) // 2
    return rgb[top : top + size, left : left + size]


def crop_house_number(pixels: np.ndarray, box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """uint8 RGB(A) image + box around the number (None: the whole image) -> float32 (64, 64, 3) in [0, 1].

    Aspect ratio is not kept, as in the reference design: a long number is squeezed.
    """
    rgb = pixels[..., :3].astype(np.float32) / 255.0
    if box is not None:
        x, y, w, h = expand_box(box, HOUSE_EXPAND, rgb.shape[1], rgb.shape[0])
        rgb = rgb[y : y + h, x : x + w]
    return np.clip(resize_image(rgb, HOUSE_CROP, HOUSE_CROP), 0.0, 1.0)


def house_windows(crop: np.ndarray) -> np.ndarray:
    """(64, 64, 3) number crop -> (5, 54, 54, 3): the centre window and four shifted diagonally.

    The reader trained on random 54x54 windows; averaging its heads over several windows reads
    4-5 digit numbers more surely (measured: 96.5 % -> 97.6 % whole on held-out numbers).
    """
    top = (crop.shape[0] - HOUSE_INPUT) // 2
    left = (crop.shape[1] - HOUSE_INPUT) // 2
    return np.stack(
        [crop[top + dy : top + dy + HOUSE_INPUT, left + dx : left + dx + HOUSE_INPUT] for dy, dx in HOUSE_OFFSETS]
    )


def preprocess_house(pixels: np.ndarray, box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Image + optional number box -> float32 (5, 54, 54, 3): the windows the six-head reader reads."""
    return house_windows(crop_house_number(pixels, box))


# --- street photos: a region of the photo -> the localizer's input ----------------------
PHOTO_WIDTH, PHOTO_HEIGHT = 256, 192  # 4:3, as phone photos are; the localizer's input
PHOTO_PAD = 0.5  # grey where the region does not fill the input (another aspect ratio)


def region_scale(width: float, height: float) -> float:
    """How much a width x height region is scaled to fit PHOTO_WIDTH x PHOTO_HEIGHT whole."""
    return min(PHOTO_WIDTH / width, PHOTO_HEIGHT / height)


def fit_region(pixels: np.ndarray, region: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """uint8 RGB(A) photo + region (x, y, w, h; None: all of it) -> float32 (192, 256, 3) in [0, 1].

    The region keeps its aspect ratio, scaled by region_scale and placed top-left, so a point's
    input coordinates are (image coordinates - region origin) x scale whatever the photo's shape.
    """
    x, y, w, h = region if region is not None else (0, 0, pixels.shape[1], pixels.shape[0])
    scale = region_scale(w, h)
    out_w, out_h = max(1, min(PHOTO_WIDTH, round(w * scale))), max(1, min(PHOTO_HEIGHT, round(h * scale)))
    rgb = pixels[y : y + h, x : x + w, :3].astype(np.float32) / 255.0
    view = np.full((PHOTO_HEIGHT, PHOTO_WIDTH, 3), PHOTO_PAD, np.float32)
    view[:out_h, :out_w] = np.clip(resize_image(rgb, out_h, out_w), 0.0, 1.0)
    return view


ZOOM = 3.0  # the second look at a number: a region this many times its box, at 4:3
MIN_ZOOM_WIDTH = 96  # ... and no narrower, so a tiny number is not blown up into mush


def zoom_region(
    box: tuple[float, float, float, float], width: int, height: int, zoom: float = ZOOM, shift: tuple = (0.0, 0.0)
) -> tuple[int, int, int, int]:
    """A 4:3 region (x, y, w, h) around a number's box in a width x height photo, for a closer look.

    It is `zoom` times the box (its wider side, at 4:3), centred on it, moved by `shift` (-1..1:
    the share of the free room on each side, for training), then pushed inside the photo.
    """
    x, y, w, h = box
    region_w = max(w * zoom, h * zoom * PHOTO_WIDTH / PHOTO_HEIGHT, MIN_ZOOM_WIDTH)
    region_w = min(region_w, width, height * PHOTO_WIDTH / PHOTO_HEIGHT)
    region_h = region_w * PHOTO_HEIGHT / PHOTO_WIDTH
    cx = x + w / 2 + shift[0] * max(0.0, region_w - w) / 2
    cy = y + h / 2 + shift[1] * max(0.0, region_h - h) / 2
    left = min(max(0.0, cx - region_w / 2), width - region_w)
    top = min(max(0.0, cy - region_h / 2), height - region_h)
    return math.floor(left), math.floor(top), max(1, math.floor(region_w)), max(1, math.floor(region_h))


# --- the settings each model's metadata.json carries to preprocess.js --------------------
# One function per model, called by the export and by the parity tests, so each value is
# written once: here, beside the code that uses it.


def background_config() -> dict:
    """Paper's normalisation (normaliseBackground), carried by both the digit classifiers' and the
    number reader's metadata: either may be the one the page hands inkImage."""
    return {
        "background_cells": BACKGROUND_CELLS,
        "background_percentile": BACKGROUND_PERCENTILE,
        "noise_spread": NOISE_SPREAD,
        "floor_cap": FLOOR_CAP,
        "line_length": LINE_LENGTH,
        "line_min_share": LINE_MIN_SHARE,
        "line_slopes": list(LINE_SLOPES),
        "line_band": LINE_BAND,
        "line_thickness": LINE_THICKNESS,
        "max_shadow": MAX_SHADOW,
        "min_paper_light": MIN_PAPER_LIGHT,
        "samples": SAMPLES,
        "line_work_side": LINE_WORK_SIDE,
        "margin_side": MARGIN_SIDE,
        "margin_rim": MARGIN_RIM,
        "rule_level": RULE_LEVEL,
        "rule_share": RULE_SHARE,
        "rule_thickness": RULE_THICKNESS,
        "rule_min_thickness": RULE_MIN_THICKNESS,
    }


def digit_config() -> dict:
    """The digit classifiers' preprocessing (preprocessDigit; inkImage in number mode)."""
    return {
        "input_size": INPUT_SIZE,
        "box_size": BOX_SIZE,
        "ink_threshold": INK_THRESHOLD,
        "min_contrast": MIN_CONTRAST,
        **background_config(),
    }


def strip_config() -> dict:
    """The number reader's strip (numberStrip, preprocessNumberStrip)."""
    return {
        "strip_height": STRIP_HEIGHT,
        "strip_width": STRIP_WIDTH,
        "strip_ink_height": STRIP_INK_HEIGHT,
        "strip_ink_heights": list(STRIP_INK_HEIGHTS),
        "strip_margin": STRIP_MARGIN,
        "strong_ink": STRONG_INK,
        "box_reach": BOX_REACH,
        "band_gap": BAND_GAP,
        "number_gap": NUMBER_GAP,
        "ink_threshold": INK_THRESHOLD,
        "min_contrast": MIN_CONTRAST,
        **background_config(),
    }


def clip_box(box: list[float], width: int, height: int) -> list[int]:
    """Round a box to whole pixels inside the photo, at least 1x1."""
    left = min(max(0, round(box[0])), width - 1)
    top = min(max(0, round(box[1])), height - 1)
    right = min(width, max(left + 1, round(box[0] + box[2])))
    bottom = min(height, max(top + 1, round(box[1] + box[3])))
    return [left, top, right - left, bottom - top]


# A box around a house number, found by the localizer or drawn by a person, is good to a few pixels;
# a digit's width is not much more, and a box cut a little short reads a digit too few, and surely,
# one a little loose a digit too many. So the reader also reads the box narrower and wider, about its
# centre (the box itself first), and the readings vote (decode.agreed_reading).
# studies/box_variants.py chose these on 600 real training photos, with the reader and localizer of
# issue 17: read whole with no box, 89.0 % for the five variants of before (narrower, wider,
# lower, taller) and the surest reading; 90.8 % for these five widths and the vote, as many as
# for 20 widths x heights and the vote, at a quarter of the reads. A person's box votes the same way:
# on 200 generated held-out scenes, loose boxes read 91.0 % whole alone and 94.2 % voting, true boxes
# 96.0 % either way (studies/box_variants.py --given-scenes).
CANDIDATE_SCALES = ((1.0, 1.0), (0.85, 1.0), (1.18, 1.0), (1.35, 1.0), (1.55, 1.0))  # (width, height)


def candidate_boxes(
    box: tuple[float, float, float, float],
    width: int,
    height: int,
    scales: tuple[tuple[float, float], ...] = CANDIDATE_SCALES,
) -> list[list[int]]:
    """A box and its variants ((width, height) scales about its centre), whole pixels inside the photo."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return [clip_box([cx - w * sx / 2, cy - h * sy / 2, w * sx, h * sy], width, height) for sx, sy in scales]


def house_config() -> dict:
    """The house reader's crop and windows (cropHouseNumber, houseWindows)."""
    return {
        "crop_size": HOUSE_CROP,
        "input_size": HOUSE_INPUT,
        "expand": HOUSE_EXPAND,
        "offsets": [list(o) for o in HOUSE_OFFSETS],
        "box_variants": [list(s) for s in CANDIDATE_SCALES],
    }


def photo_config() -> dict:
    """The localizer's views of a photo (fitRegion, zoomRegion)."""
    return {
        "photo_width": PHOTO_WIDTH,
        "photo_height": PHOTO_HEIGHT,
        "photo_pad": PHOTO_PAD,
        "zoom": ZOOM,
        "min_zoom_width": MIN_ZOOM_WIDTH,
    }
