// Twin of reader/segment_cuts.py: segmentation's cuts, a part that may be two digits -> the ways to cut it
// in two and the choice among them (reader/segment.py tells the algorithm).
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit;
// tests/test_segment.py compares them. Grids, parts and boxes as segment.js says.

import {
  andNot,
  anyShared,
  combine,
  countCells,
  emptyMask,
  labelCells,
  labelHeights,
  labelMask,
  neighbours,
  or,
  sameMask,
  windowCounts,
} from './masks.js';
import { boxHeight, boxWidth, byLeftEdge, maskBox, mergeOverlapping } from './segmentParts.js';

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
 * (masks.js windowCounts), so a blot's strokes thousands of pixels wide cost no more than a pen's.
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

export const top1 = (probabilities) => Math.max(...probabilities);

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
