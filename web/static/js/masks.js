// Twin of reader/masks.py: masks ({rows, cols, data}, row-major, 1 set) -> how many set pixels lie
// around each one, and their 8-connected components. Preprocessing (a scan's dark margins) and
// segmentation (a number's digits) both ask. Below them, the mask arithmetic segmentation does
// with numpy's operators in Python (JS only).

/**
 * How many set pixels lie within `radius` of each pixel, both ways (a square of side 2 x radius + 1,
 * cut by the image's edge), from a summed-area table: the cost does not grow with radius.
 * @param {{data: ArrayLike<number>, rows: number, cols: number}} mask 1 set, 0 not
 * @param {number} radius
 * @returns {Float64Array} row-major counts
 */
export function windowCounts(mask, radius) {
  const { data, rows, cols } = mask;
  const sums = new Float64Array((rows + 1) * (cols + 1));
  for (let r = 0; r < rows; r++) {
    let line = 0;
    for (let c = 0; c < cols; c++) {
      line += data[r * cols + c] ? 1 : 0;
      sums[(r + 1) * (cols + 1) + c + 1] = sums[r * (cols + 1) + c + 1] + line;
    }
  }
  const at = (r, c) => sums[r * (cols + 1) + c];
  const counts = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const [top, bottom] = [Math.max(r - radius, 0), Math.min(r + radius + 1, rows)];
    for (let c = 0; c < cols; c++) {
      const [left, right] = [Math.max(c - radius, 0), Math.min(c + radius + 1, cols)];
      counts[r * cols + c] = at(bottom, right) - at(top, right) - at(bottom, left) + at(top, left);
    }
  }
  return counts;
}

/** The 8 neighbours of cell `at` (and `at` itself) inside a rows x cols grid, row by row. */
export function neighbours(at, rows, cols) {
  const r = Math.floor(at / cols);
  const c = at % cols;
  const out = [];
  for (let nr = Math.max(0, r - 1); nr <= Math.min(rows - 1, r + 1); nr++) {
    for (let nc = Math.max(0, c - 1); nc <= Math.min(cols - 1, c + 1); nc++) out.push(nr * cols + nc);
  }
  return out;
}

/**
 * 8-connected components -> {labels, count}; label 0 is background, 1.. in raster order of first cell.
 * @returns {{labels: {rows: number, cols: number, data: Int32Array}, count: number}}
 */
export function labelCells(mask) {
  const { rows, cols } = mask;
  const labels = { rows, cols, data: new Int32Array(rows * cols) };
  let count = 0;
  for (let start = 0; start < mask.data.length; start++) {
    if (!mask.data[start] || labels.data[start]) continue;
    count += 1;
    labels.data[start] = count;
    const stack = [start];
    while (stack.length) {
      for (const next of neighbours(stack.pop(), rows, cols)) {
        if (mask.data[next] && !labels.data[next]) {
          labels.data[next] = count;
          stack.push(next);
        }
      }
    }
  }
  return { labels, count };
}

/**
 * The rows each component 1..count spans, in one pass over the labels (a mask per component would
 * cost count passes: thousands on a noisy scan).
 * @returns {Int32Array}
 */
export function labelHeights(labels, count) {
  const top = new Int32Array(count).fill(labels.rows);
  const bottom = new Int32Array(count).fill(-1);
  labels.data.forEach((label, i) => {
    if (!label) return;
    const row = Math.floor(i / labels.cols);
    top[label - 1] = Math.min(top[label - 1], row);
    bottom[label - 1] = Math.max(bottom[label - 1], row);
  });
  return bottom.map((b, k) => b - top[k] + 1);
}

// --- mask arithmetic: what numpy's operators do for the Python twins (JS only) ------------
// Used by segment.js and the modules beside it (segmentParts.js, segmentCuts.js).

/** An all-unset mask of rows x cols. */
export function emptyMask(rows, cols) {
  return { rows, cols, data: new Uint8Array(rows * cols) };
}

/** Two masks of one size -> the mask of the cells where op(a, b) holds. */
export function combine(a, b, op) {
  const out = emptyMask(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = op(a.data[i], b.data[i]) ? 1 : 0;
  return out;
}

export const or = (a, b) => combine(a, b, (x, y) => x || y);
export const andNot = (a, b) => combine(a, b, (x, y) => x && !y);
export const sameMask = (a, b) => a.data.every((v, i) => v === b.data[i]);
export const countCells = (mask) => mask.data.reduce((sum, v) => sum + v, 0);
export const anyShared = (a, b) => a.data.some((v, i) => v && b.data[i]);

/** Cells of `labels` equal to `label`, as a mask. */
export function labelMask(labels, label) {
  const out = emptyMask(labels.rows, labels.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = labels.data[i] === label ? 1 : 0;
  return out;
}
