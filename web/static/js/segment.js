// Twin of reader/segment.py: a handwritten whole number -> one crop per digit, guided by the digit classifier.
//
// The same steps, with the same names in camelCase, in the same order (the Python
// file's docstring tells the algorithm). Change both in one commit;
// tests/test_segment.py compares them. Pure array code, no tf: the constants come from
// the model's metadata.json (`segment`), written by export/tfjs.py from the Python side.
// Kept for its boxes: they fit the true digits better than the number reader's frame boxes
// (mean IoU 0.953 against 0.868 on 300 composed numbers); reader/segment.py tells the study.
//
// Grids are {rows, cols, data} with data a Uint8Array (masks: 0 or 1) or an Int32Array
// (labels), row-major. A part is a mask over the cells. Boxes are [top, left, bottom,
// right] in cells, end exclusive, unless said otherwise. The ink image is
// {width, height, data: Float32Array}, light ink on black in [0, 1].

import { decodeNumber } from './decode.js';
import { labelCells, labelHeights, neighbours, windowCounts } from './masks.js';

// --- masks: what numpy does for the Python twin (only here) -------------------------------

function emptyMask(rows, cols) {
  return { rows, cols, data: new Uint8Array(rows * cols) };
}

function combine(a, b, op) {
  const out = emptyMask(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = op(a.data[i], b.data[i]) ? 1 : 0;
  return out;
}

const or = (a, b) => combine(a, b, (x, y) => x || y);
const andNot = (a, b) => combine(a, b, (x, y) => x && !y);
const sameMask = (a, b) => a.data.every((v, i) => v === b.data[i]);
const countCells = (mask) => mask.data.reduce((sum, v) => sum + v, 0);
const anyShared = (a, b) => a.data.some((v, i) => v && b.data[i]);

/** Cells of `labels` equal to `label`, as a mask. */
function labelMask(labels, label) {
  const out = emptyMask(labels.rows, labels.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = labels.data[i] === label ? 1 : 0;
  return out;
}

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

// --- cutting a part in two -------------------------------------------------------------

/** The component labels a part holds cells of, ascending. */
export function members(labels, part) {
  const found = new Set();
  for (let i = 0; i < part.data.length; i++) if (part.data[i] && labels.data[i]) found.add(labels.data[i]);
  return [...found].sort((a, b) => a - b);
}

/**
 * 'force' when a part is wider than force_split_width x the line height (it is cut),
 * 'wide' when wider than split_width x the line height (it may be cut), else ''.
 */
export function splitKind(box, height, config) {
  const width = boxWidth(box);
  if (width > config.force_split_width * height) return 'force';
  return width > config.split_width * height ? 'wide' : '';
}

/**
 * About a pen stroke's width in pixels: the median length of the runs of ink pixels along
 * rows, or along columns when that is less (a row crosses an upright stroke at its width).
 */
export function strokeWidth(ink, config) {
  const { width, height, data } = ink;
  const median = (outer, inner, at) => {
    const runs = [];
    for (let i = 0; i < outer; i++) {
      let run = 0;
      for (let j = 0; j <= inner; j++) {
        if (j < inner && data[at(i, j)] > config.ink_level) run += 1;
        else if (run) {
          runs.push(run);
          run = 0;
        }
      }
    }
    runs.sort((a, b) => a - b);
    return runs.length ? runs[Math.floor((runs.length - 1) / 2)] : 1;
  };
  return Math.min(
    median(height, width, (y, x) => y * width + x),
    median(width, height, (x, y) => y * width + x),
  );
}

/**
 * Keep the cells whose 8 neighbours are all set, `times` over (beyond the grid counts as unset):
 * the cells whose square of side 2 x times + 1 lies in the grid and is all set, counted at once
 * (preprocess.js windowCounts), so a blot's strokes thousands of pixels wide cost no more than a pen's.
 */
export function erode(mask, times) {
  if (times <= 0) return mask;
  const side = 2 * times + 1;
  const counts = windowCounts(mask, times);
  return { rows: mask.rows, cols: mask.cols, data: Uint8Array.from(counts, (n) => (n === side * side ? 1 : 0)) };
}

/** The mask and its 8 neighbours. */
export function grow(mask) {
  const { rows, cols } = mask;
  const out = emptyMask(rows, cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!mask.data[r * cols + c]) continue;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const nr = r + dr;
          const nc = c + dc;
          if (nr >= 0 && nr < rows && nc >= 0 && nc < cols) out.data[nr * cols + nc] = 1;
        }
      }
    }
  }
  return out;
}

/**
 * Give every cell of the part to the seed that reaches it first (breadth first, seeds in
 * order, cells in raster order, neighbours row by row): a touching pair split where it touches.
 */
export function growSeeds(part, seeds) {
  const { rows, cols } = part;
  const owner = new Int32Array(rows * cols);
  seeds.forEach((seed, index) => seed.data.forEach((v, i) => v && (owner[i] = index + 1)));
  const queue = [];
  owner.forEach((v, i) => v && queue.push(i));
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head];
    for (const next of neighbours(at, rows, cols)) {
      if (part.data[next] && !owner[next]) {
        owner[next] = owner[at];
        queue.push(next);
      }
    }
  }
  return seeds.map((_, index) => labelMask({ rows, cols, data: owner }, index + 1));
}

/** Mask of the ink pixels of the part's cells within its box (rows and columns of the box x cell). */
export function partPixels(ink, part, box, cell, config) {
  const [top, left, bottom, right] = box;
  const rows = Math.min(bottom * cell, ink.height) - top * cell;
  const cols = Math.min(right * cell, ink.width) - left * cell;
  const out = emptyMask(rows, cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const y = top * cell + r;
      const x = left * cell + c;
      const inside = part.data[Math.floor(y / cell) * part.cols + Math.floor(x / cell)];
      out.data[r * cols + c] = inside && ink.data[y * ink.width + x] > config.ink_level ? 1 : 0;
    }
  }
  return out;
}

/**
 * A one-component part -> the pieces that mild erosion of its ink pixels leaves side by side,
 * grown back over the part's cells, left to right; [] when erosion leaves one core (or cores
 * stacked, as an 8's loops).
 */
export function erodedPieces(ink, part, box, cell, height, width, config) {
  const pixels = erode(partPixels(ink, part, box, cell, config), Math.floor(width * config.erode_share + 0.5));
  const { labels: cores, count } = labelCells(pixels);
  const limit = config.seed_height * height * cell;
  const seeds = [];
  const heights = labelHeights(cores, count); // noise erodes to thousands of specks
  for (let k = 1; k <= count; k++) {
    if (heights[k - 1] < limit) continue;
    const core = labelMask(cores, k);
    const seed = emptyMask(part.rows, part.cols);
    core.data.forEach((v, i) => {
      if (!v) return;
      const row = box[0] + Math.floor(Math.floor(i / core.cols) / cell);
      const at = row * part.cols + box[1] + Math.floor((i % core.cols) / cell);
      if (part.data[at]) seed.data[at] = 1;
    });
    seeds.push(seed);
  }
  if (seeds.length < 2) return [];
  // Cores that fall in the same cells (thin strokes on a coarse grid) give the later seed those cells,
  // and may leave an earlier one none: a piece with no cells is no piece.
  const grown = growSeeds(part, byLeftEdge(seeds)).filter((piece) => countCells(piece) > 0);
  const pieces = mergeOverlapping(grown, Infinity, config);
  return pieces.length > 1 ? pieces : [];
}

/**
 * A straight boundary through column `start` at the box's middle row, leaning `slant`
 * columns per row (negative: its top to the right, as handwriting leans); one column per row,
 * kept within the box. Boundary b in a row puts columns < b on the left.
 */
export function cutLine(box, start, slant) {
  const middle = Math.floor((box[0] + box[2]) / 2);
  const line = [];
  for (let row = box[0]; row < box[2]; row++) {
    line.push(Math.min(Math.max(start + Math.floor(slant * (row - middle) + 0.5), box[1]), box[3]));
  }
  return line;
}

/** Ink cells a boundary passes through: the cell right of it, in each row. */
export function lineInk(part, box, line) {
  let ink = 0;
  line.forEach((b, i) => {
    if (b < part.cols) ink += part.data[(box[0] + i) * part.cols + b];
  });
  return ink;
}

/**
 * Boundaries at the local minima of the part's slanted column profiles (the first column of a
 * flat minimum), starting at least margin from each side: least ink first, then least slant,
 * then nearest the middle, then leftmost.
 */
export function cutLines(part, box, margin, config) {
  const found = [];
  config.cut_slants.forEach((slant, order) => {
    const starts = [];
    for (let start = box[1] + margin; start < box[3] - margin; start++) starts.push(start);
    const lines = starts.map((start) => cutLine(box, start, slant));
    const inks = lines.map((line) => lineInk(part, box, line));
    starts.forEach((start, i) => {
      const before = i > 0 ? inks[i - 1] : Infinity;
      const after = i + 1 < inks.length ? inks[i + 1] : Infinity;
      if (inks[i] < before && inks[i] <= after) {
        found.push({ key: [inks[i], order, Math.abs(2 * start - box[1] - box[3]), start], line: lines[i] });
      }
    });
  });
  found.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
    return 0;
  });
  return found.map((f) => f.line);
}

/** A part and a boundary per row of its box -> [left half, right half]. */
export function splitAlong(part, box, line) {
  const left = emptyMask(part.rows, part.cols);
  for (let r = 0; r < part.rows; r++) {
    const limit = r >= box[0] && r < box[2] ? line[r - box[0]] : part.cols;
    for (let c = 0; c < Math.min(limit, part.cols); c++) left.data[r * part.cols + c] = part.data[r * part.cols + c];
  }
  return [left, andNot(part, left)];
}

/**
 * Hand over pieces a straight cut left stranded: in each half, the 8-connected pieces other
 * than its largest that touch the other half go to the other half (the tip of a neighbour's loop).
 */
export function tidyHalves(left, right) {
  for (let pass = 0; pass < 2; pass++) {
    const { labels, count } = labelCells(left);
    if (count > 1) {
      const sizes = [];
      for (let k = 1; k <= count; k++) sizes.push(countCells(labelMask(labels, k)));
      const keep = 1 + sizes.indexOf(Math.max(...sizes));
      const nearRight = grow(right);
      for (let k = 1; k <= count; k++) {
        const piece = labelMask(labels, k);
        if (k !== keep && anyShared(piece, nearRight)) {
          left = andNot(left, piece);
          right = or(right, piece);
        }
      }
    }
    [left, right] = [right, left];
  }
  return [left, right];
}

/**
 * Ways to cut a part in two, as [left, right, strong]: strong cuts follow the ink's own gaps,
 * between its components or where mild erosion parts it; a wide part adds up to max_cuts
 * straight cuts through the least ink and upright cuts through its middle (cut_middles). Both
 * halves must stand as tall as a digit (fragment_height), so a sliver off a loop's side is never one.
 * @param {[number, number, number]} geometry [cell, line height, stroke width]
 */
export function splitCandidates(ink, labels, part, box, kind, geometry, config) {
  const [cell, height, width] = geometry;
  const limit = config.fragment_height * height;
  const tall = (half) => maskBox(half) !== null && boxHeight(maskBox(half)) >= limit;
  const candidates = [];
  const components = members(labels, part).map((m) => combine(part, labelMask(labels, m), (x, y) => x && y));
  const pieces =
    components.length > 1 ? byLeftEdge(components) : erodedPieces(ink, part, box, cell, height, width, config);
  for (let k = 1; k < pieces.length; k++) {
    const left = pieces.slice(0, k).reduce(or);
    const right = andNot(part, left);
    if (tall(left) && tall(right)) candidates.push([left, right, true]);
  }
  if (!kind) return candidates;
  const margin = Math.max(1, Math.floor(config.cut_margin * height + 0.5));
  // Round digits that touch along their sides (00, 69) share their most inked columns, where no
  // minimum is: upright cuts across the middle of the part join the cuts through the least ink.
  const middles = config.cut_middles.map((f) => cutLine(box, box[1] + Math.floor(f * boxWidth(box) + 0.5), 0));
  for (const line of [...cutLines(part, box, margin, config).slice(0, config.max_cuts), ...middles]) {
    const [left, right] = tidyHalves(...splitAlong(part, box, line));
    if (tall(left) && tall(right) && !candidates.some((c) => sameMask(left, c[0]))) {
      candidates.push([left, right, false]);
    }
  }
  return candidates;
}

const top1 = (probabilities) => Math.max(...probabilities);

/**
 * Index of the candidate cut to keep, or -1 to keep the part whole.
 *
 * A cut scores the product of its two halves' top probabilities. A forced part takes the
 * best cut. A strong cut stands unless the whole reads much better (strong_bias); a straight
 * cut of a wide part must read better than the whole. The first of equal scores wins.
 * @param {string} kind
 * @param {ArrayLike<number>} whole the whole part's probabilities
 * @param {ArrayLike<number>[][]} halves per candidate, [left, right] probabilities
 * @param {boolean[]} strong
 * @param {object} config
 * @returns {number}
 */
export function chooseSplit(kind, whole, halves, strong, config) {
  const scores = halves.map(([left, right]) => top1(left) * top1(right));
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  if (kind === 'force') return order[0];
  const confidence = top1(whole);
  for (const i of order) if (strong[i] && scores[i] >= config.strong_bias * confidence) return i;
  if (kind === 'wide') {
    const best = order.find((i) => !strong[i]) ?? -1;
    if (best >= 0 && scores[best] > confidence) return best;
  }
  return -1;
}

/**
 * Indices i of neighbours (i, i + 1), in reading order, that may be one digit: at most
 * attach_gap x the line height apart, and either one shorter than join_height x the line
 * height and together no wider than split_width x it (a 4 drawn in two strokes), or sharing
 * join_overlap of the narrower one's columns and together no wider than join_width x it (a 0
 * drawn or broken in two arcs).
 */
export function joinCandidates(parts, height, config) {
  const found = [];
  for (let i = 0; i + 1 < parts.length; i++) {
    const a = maskBox(parts[i]);
    const b = maskBox(parts[i + 1]);
    const union = Math.max(a[3], b[3]) - Math.min(a[1], b[1]);
    const near = -columnOverlap(a, b) <= config.attach_gap * height;
    const short = Math.min(boxHeight(a), boxHeight(b)) < config.join_height * height;
    const shared = columnOverlap(a, b) >= config.join_overlap * Math.min(boxWidth(a), boxWidth(b));
    const narrow = union <= config.split_width * height;
    if (near && ((short && narrow) || (shared && union <= config.join_width * height))) found.push(i);
  }
  return found;
}

/** The share of the narrower box's columns the wider one shares, 0 when they share none. */
export function sharedShare(a, b) {
  return Math.max(0, Math.min(1, columnOverlap(a, b) / Math.min(boxWidth(a), boxWidth(b))));
}

/**
 * The candidates to join: those whose joined reading beats the product of the two readings,
 * best margin first, none sharing a part. singles: probabilities of every part; joined: of each
 * pair; shares: each pair's sharedShare, which weighs the two readings down (digits are written
 * side by side, the pieces of one digit overlap).
 */
export function chooseJoins(candidates, singles, joined, shares) {
  const margins = [];
  candidates.forEach((i, k) => {
    const apart = top1(singles[i]) * top1(singles[i + 1]) * (1 - shares[k]);
    const margin = top1(joined[k]) - apart;
    if (margin > 0) margins.push([-margin, i]);
  });
  margins.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const chosen = [];
  for (const [, i] of margins) if (chosen.every((j) => Math.abs(i - j) > 1)) chosen.push(i);
  return chosen.sort((a, b) => a - b);
}

// --- digits ------------------------------------------------------------------------------

/**
 * The part's own ink, tightly cropped -> {pixels: RGBA light-on-black crop with a black margin,
 * box: [x, y, w, h] of the ink in image pixels}. The part reaches one cell past its ink cells,
 * for the edges of strokes, but not into other ink cells.
 * @returns {{pixels: {data: Uint8ClampedArray, width: number, height: number}, box: number[]}}
 */
export function digitCrop(ink, cells, part, cell, config) {
  const own = andNot(grow(part), andNot(cells, part));
  const [top, left, bottom, right] = maskBox(own);
  const y0 = top * cell;
  const x0 = left * cell;
  const rows = Math.min(bottom * cell, ink.height) - y0;
  const cols = Math.min(right * cell, ink.width) - x0;
  const values = new Float32Array(rows * cols);
  let [r0, r1, c0, c1] = [rows, -1, cols, -1];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const y = y0 + r;
      const x = x0 + c;
      if (!own.data[Math.floor(y / cell) * own.cols + Math.floor(x / cell)]) continue;
      const v = ink.data[y * ink.width + x];
      values[r * cols + c] = v;
      if (v > config.ink_level) {
        [r0, r1, c0, c1] = [Math.min(r0, r), Math.max(r1, r), Math.min(c0, c), Math.max(c1, c)];
      }
    }
  }
  const m = config.crop_margin;
  const width = c1 - c0 + 1 + 2 * m;
  const height = r1 - r0 + 1 + 2 * m;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const sr = r0 + r - m;
      const sc = c0 + c - m;
      const inside = sr >= r0 && sr <= r1 && sc >= c0 && sc <= c1;
      const level = inside ? Math.floor(values[sr * cols + sc] * 255 + 0.5) : 0;
      data.set([level, level, level, 255], (r * width + c) * 4);
    }
  }
  return { pixels: { data, width, height }, box: [x0 + c0, y0 + r0, c1 - c0 + 1, r1 - r0 + 1] };
}

/**
 * Each part's probabilities. Parts not in memo (an array of [part, probabilities]) are cropped
 * and classified in one batch, then remembered: no crop is classified twice.
 */
export async function readParts(ink, cells, parts, cell, memo, classify, config) {
  const found = (part) => memo.find(([m]) => sameMask(m, part))?.[1];
  const fresh = [];
  for (const part of parts) {
    if (found(part) === undefined && !fresh.some((n) => sameMask(part, n))) fresh.push(part);
  }
  if (fresh.length) {
    const probabilities = await classify(fresh.map((part) => digitCrop(ink, cells, part, cell, config).pixels));
    fresh.forEach((part, i) => memo.push([part, probabilities[i]]));
  }
  return parts.map(found);
}

/**
 * Ink image -> {number, confidence, digits: [{digit, confidence, box}], cell}.
 *
 * classify gets a list of RGBA crops and resolves to their probabilities (one array of 10
 * per crop). It runs once for the joins (when some neighbours may be one digit), once per
 * round of cuts (when some part may be two digits) and once for the digits not read yet;
 * no crop is read twice.
 * @param {{width: number, height: number, data: Float32Array}} ink light ink on black, in [0, 1]
 * @param {(crops: object[]) => Promise<ArrayLike<number>[]>} classify
 * @param {object} config metadata.json's `segment`
 */
export async function segmentNumber(ink, classify, config) {
  const cell = cellSize(ink, config);
  const cells = inkCells(ink, cell, config);
  const { labels, count } = labelCells(cells);
  let { parts, height } = groupComponents(labels, count, config);
  const geometry = [cell, height, strokeWidth(ink, config)];
  const memo = [];
  const read = (some) => readParts(ink, cells, some, cell, memo, classify, config);
  const pairs = joinCandidates(parts, height, config);
  if (pairs.length) {
    const involved = [...new Set(pairs.flatMap((i) => [i, i + 1]))].sort((a, b) => a - b);
    const joined = pairs.map((i) => or(parts[i], parts[i + 1]));
    const probabilities = await read([...involved.map((j) => parts[j]), ...joined]);
    const singles = [];
    involved.forEach((j, k) => (singles[j] = probabilities[k]));
    const shares = pairs.map((i) => sharedShare(maskBox(parts[i]), maskBox(parts[i + 1])));
    const joins = chooseJoins(pairs, singles, probabilities.slice(involved.length), shares);
    for (const i of [...joins].reverse()) parts.splice(i, 2, or(parts[i], parts[i + 1]));
  }
  const settled = [];
  for (let round = 0; round < config.max_split_rounds; round += 1) {
    const jobs = [];
    for (const part of parts) {
      const box = maskBox(part);
      const kind = splitKind(box, height, config);
      const candidates = splitCandidates(ink, labels, part, box, kind, geometry, config);
      if (candidates.length) jobs.push({ part, kind, candidates });
      else settled.push(part);
    }
    parts = [];
    if (!jobs.length) break;
    const masks = jobs.flatMap(({ part, candidates }) => [part, ...candidates.flatMap((c) => c.slice(0, 2))]);
    const probabilities = await read(masks);
    let at = 0;
    for (const { part, kind, candidates } of jobs) {
      const whole = probabilities[at];
      const halves = candidates.map((_, i) => probabilities.slice(at + 1 + 2 * i, at + 3 + 2 * i));
      at += 1 + 2 * candidates.length;
      const choice = chooseSplit(kind, whole, halves, candidates.map((c) => c[2]), config);
      if (choice < 0) settled.push(part);
      else parts.push(candidates[choice][0], candidates[choice][1]);
    }
  }
  const digits = byLeftEdge([...settled, ...parts]);
  const probabilities = await read(digits);
  const boxes = digits.map((part) => digitCrop(ink, cells, part, cell, config).box);
  return { ...decodeNumber(probabilities, boxes), cell };
}
