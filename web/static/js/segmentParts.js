// Twin of reader/segment_parts.py: segmentation's cells, and its pieces grouped into parts that are each
// one digit or a run of touching digits (reader/segment.py tells the algorithm).
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit;
// tests/test_segment.py compares them. Grids, parts and boxes as segment.js says.

import { countCells, emptyMask, labelMask, or } from './masks.js';

// --- cells and components ---------------------------------------------------------------

/**
 * Pixels per cell side: the height of the rows holding ink over grid_per_height, at least 1.
 * @param {{width: number, height: number, data: Float32Array}} ink
 * @param {object} config metadata.json's `segment`
 * @returns {number}
 */
export function cellSize(ink, config) {
  let first = -1;
  let last = -1;
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.data[y * ink.width + x] > config.ink_level) {
        if (first < 0) first = y;
        last = y;
        break;
      }
    }
  }
  const height = first >= 0 ? last - first + 1 : ink.height;
  return Math.max(1, Math.floor(height / config.grid_per_height + 0.5));
}

/** Mask of ceil(H / cell) x ceil(W / cell) cells whose mean ink (paper beyond the image) is above cell_fill. */
export function inkCells(ink, cell, config) {
  const rows = Math.ceil(ink.height / cell);
  const cols = Math.ceil(ink.width / cell);
  const sums = new Float64Array(rows * cols);
  for (let y = 0; y < ink.height; y++) {
    const row = Math.floor(y / cell) * cols;
    for (let x = 0; x < ink.width; x++) sums[row + Math.floor(x / cell)] += ink.data[y * ink.width + x];
  }
  const out = emptyMask(rows, cols);
  const limit = config.cell_fill * cell * cell;
  for (let i = 0; i < sums.length; i++) out.data[i] = sums[i] > limit ? 1 : 0;
  return out;
}

/** Bounding box of a part's cells, or null when it has none. */
export function maskBox(part) {
  let top = -1;
  let bottom = -1;
  let left = part.cols;
  let right = -1;
  for (let r = 0; r < part.rows; r++) {
    for (let c = 0; c < part.cols; c++) {
      if (!part.data[r * part.cols + c]) continue;
      if (top < 0) top = r;
      bottom = r;
      left = Math.min(left, c);
      right = Math.max(right, c);
    }
  }
  return top < 0 ? null : [top, left, bottom + 1, right + 1];
}

export const boxWidth = (box) => box[3] - box[1];

export const boxHeight = (box) => box[2] - box[0];

/** Columns the two boxes share (negative: the gap between them). */
export const columnOverlap = (a, b) => Math.min(a[3], b[3]) - Math.max(a[1], b[1]);

/** Parts in reading order: by left column, then right column, top row, bottom row, first cell. */
export function byLeftEdge(parts) {
  const keyed = parts.map((part) => {
    const box = maskBox(part);
    return { part, key: [box[1], box[3], box[0], box[2], part.data.indexOf(1)] };
  });
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
    return 0;
  });
  return keyed.map((k) => k.part);
}

// --- grouping pieces into digits ------------------------------------------------------

/**
 * The tallest part's height in cells: what a whole digit measures here; 0 when there is no part
 * (faint, thin strokes on a scan may fill no cell: every step after copes with no parts).
 */
export function lineHeight(parts) {
  return Math.max(0, ...parts.map((p) => boxHeight(maskBox(p))));
}

/** Leave out pieces small both ways next to the line height: dust, a slip of the pen. */
export function dropSpecks(parts, height, config) {
  const limit = config.speck_size * height;
  return parts.filter((p) => boxWidth(maskBox(p)) >= limit || boxHeight(maskBox(p)) >= limit);
}

/**
 * Merge pairs whose columns overlap by merge_overlap of the narrower one, until none do.
 * A merge that would make a part wider than split_width x the line height is left out:
 * such pieces are more likely two digits, one leaning over the other.
 */
export function mergeOverlapping(parts, height, config) {
  parts = byLeftEdge(parts);
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < parts.length && !merged; i++) {
      for (let j = i + 1; j < parts.length; j++) {
        const a = maskBox(parts[i]);
        const b = maskBox(parts[j]);
        const union = Math.max(a[3], b[3]) - Math.min(a[1], b[1]);
        const overlap = columnOverlap(a, b);
        const narrower = Math.min(boxWidth(a), boxWidth(b));
        if (overlap >= config.merge_overlap * narrower && union <= config.split_width * height) {
          parts[i] = or(parts[i], parts[j]);
          parts.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  return byLeftEdge(parts);
}

/** Short and light next to a digit: a 5's cap, a broken-off stroke; a flat 5 is short but not light. */
export function isFragment(part, box, height, config) {
  const short = boxHeight(box) < config.fragment_height * height;
  return short && countCells(part) < config.fragment_ink * height * height;
}

/**
 * Join each fragment to its nearest neighbour (smallest column gap, then the leftmost),
 * when that is at most attach_gap x the line height away.
 */
export function attachFragments(parts, height, config) {
  parts = byLeftEdge(parts);
  let i = 0;
  while (i < parts.length && parts.length > 1) {
    const box = maskBox(parts[i]);
    if (!isFragment(parts[i], box, height, config)) {
      i += 1;
      continue;
    }
    let gap = Infinity;
    let j = -1;
    parts.forEach((other, k) => {
      const g = -columnOverlap(box, maskBox(other));
      if (k !== i && g < gap) [gap, j] = [g, k];
    });
    if (gap > config.attach_gap * height) {
      i += 1;
      continue;
    }
    const joined = or(parts[i], parts[j]);
    parts = byLeftEdge([...parts.filter((_, k) => k !== i && k !== j), joined]);
    i = 0;
  }
  return parts;
}

/** Components -> {parts, height}: parts that are each one digit or a run of touching digits, and the line height. */
export function groupComponents(labels, count, config) {
  let parts = [];
  for (let label = 1; label <= count; label++) parts.push(labelMask(labels, label));
  const height = lineHeight(parts);
  parts = dropSpecks(parts, height, config);
  parts = mergeOverlapping(parts, height, config);
  return { parts: attachFragments(parts, height, config), height };
}
