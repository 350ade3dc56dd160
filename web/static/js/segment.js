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
//
// The cells and the grouping are in segmentParts.js, the cuts in segmentCuts.js; this module holds the
// joins and the digits, and runs them all (segmentNumber).

import { decodeNumber } from './decode.js';
import { andNot, labelCells, or, sameMask } from './masks.js';
import { chooseSplit, grow, splitCandidates, splitKind, strokeWidth, top1 } from './segmentCuts.js';
import {
  boxHeight,
  boxWidth,
  byLeftEdge,
  cellSize,
  columnOverlap,
  groupComponents,
  inkCells,
  maskBox,
} from './segmentParts.js';

// --- joining neighbours -----------------------------------------------------------------

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
