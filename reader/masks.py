"""Twin of web/static/js/masks.js: bool masks -> how many set pixels lie around each one, and their
8-connected components. Preprocessing (a scan's dark margins) and segmentation (a number's digits)
both ask; each is done in whole arrays, so its cost does not grow with a blot's size.
"""

from __future__ import annotations

import numpy as np


def window_counts(mask: np.ndarray, radius: int) -> np.ndarray:
    """int (H, W): how many set pixels lie within `radius` of each pixel, both ways (a square of side
    2 x radius + 1, cut by the image's edge), from a summed-area table: the cost does not grow with radius."""
    height, width = mask.shape
    sums = np.zeros((height + 1, width + 1), dtype=np.int64)
    sums[1:, 1:] = mask.cumsum(axis=0).cumsum(axis=1)
    top, bottom = np.maximum(np.arange(height) - radius, 0), np.minimum(np.arange(height) + radius + 1, height)
    left, right = np.maximum(np.arange(width) - radius, 0), np.minimum(np.arange(width) + radius + 1, width)
    return sums[bottom][:, right] - sums[top][:, right] - sums[bottom][:, left] + sums[top][:, left]


def label_cells(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components -> (int32 labels, count); 0 is background, 1.. in raster order of first cell.

    The page's twin walks the cells one by one; here the runs of set cells along each row are joined
    instead, with numpy, so a blot or a noisy scan of millions of pixels takes a fraction of a second
    (walking it cell by cell in Python took a minute). Same components, same numbers.
    """
    rows, cols = mask.shape
    edges = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    run_rows, starts = np.nonzero(edges == 1)  # row-major: runs in raster order
    ends = np.nonzero(edges == -1)[1]  # exclusive
    labels = np.zeros((rows, cols), dtype=np.int32)
    if run_rows.size == 0:
        return labels, 0
    # Runs a (row r) and b (row r + 1) touch, 8-connected, when a starts by b's end and b by a's end.
    # Keys order runs by row, then column: those of row r that touch b are a contiguous range.
    width = cols + 2
    start_keys, end_keys = run_rows * width + starts, run_rows * width + ends
    below = np.flatnonzero(run_rows > 0)
    first = np.searchsorted(end_keys, (run_rows[below] - 1) * width + starts[below], side="left")
    last = np.searchsorted(start_keys, (run_rows[below] - 1) * width + ends[below], side="right")
    counts = np.maximum(last - first, 0)
    b = np.repeat(below, counts)
    a = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    # Union-find on the runs, in whole arrays: each round hooks the larger root of every touching pair
    # under the smaller and shortens every path to its root, until no pair has two roots. A component's
    # root is then its first run in raster order.
    root = np.arange(run_rows.size)
    while True:
        ra, rb = root[a], root[b]
        apart = ra != rb
        if not apart.any():
            break
        np.minimum.at(root, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
        while not np.array_equal(root, root[root]):
            root = root[root]
    _, numbers = np.unique(root, return_inverse=True)
    lengths = ends - starts
    at = np.repeat(run_rows * cols + starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    labels.ravel()[at] = np.repeat(numbers.astype(np.int32) + 1, lengths)
    return labels, int(numbers.max()) + 1


def label_heights(labels: np.ndarray, count: int) -> np.ndarray:
    """int (count,): the rows each component 1..count spans, in one pass over the labels (a mask per
    component would cost count passes: thousands on a noisy scan)."""
    rows, cols = np.nonzero(labels)
    values = labels[rows, cols] - 1
    top, bottom = np.full(count, labels.shape[0]), np.full(count, -1)
    np.minimum.at(top, values, rows)
    np.maximum.at(bottom, values, rows)
    return bottom - top + 1
