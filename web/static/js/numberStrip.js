// Twin of reader/number_strip.py: the ink of a written number -> the number reader's strip.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit;
// tests/test_number_reader.py compares them.

import { windowCounts } from './masks.js';
import { inkImage, inkRuns, thinFullBands } from './paperInk.js';
import { EmptyImageError, inkBoundingBox, resizeWeights } from './preprocess.js';

const tf = globalThis.tf;

// Constants come from the number reader's metadata.json preprocess: {strip_height,
// strip_width, strip_ink_height, strip_margin, strong_ink, box_reach, band_gap, centre_floor, number_gap, ink_threshold,
// min_contrast}.

/** How much an ink box of height x width is scaled into the strip to be inkHeight px high. */
export function stripScale(height, width, config, inkHeight = config.strip_ink_height) {
  return Math.min(inkHeight / height, (config.strip_width - 2 * config.strip_margin) / width);
}

/**
 * Ink box [top, left, bottom, right] -> where it lands in the strip: {scale, top, left, height,
 * width} (centred), so strip x = left + (image x - ink left) * scale and back.
 */
export function stripPlacement(box, config, inkHeight = config.strip_ink_height) {
  const [top, left, bottom, right] = box;
  const scale = stripScale(bottom - top, right - left, config, inkHeight);
  const height = Math.min(config.strip_height, Math.max(1, Math.floor((bottom - top) * scale + 0.5)));
  const width = Math.min(config.strip_width, Math.max(1, Math.floor((right - left) * scale + 0.5)));
  return {
    scale,
    top: Math.floor((config.strip_height - height) / 2 + 0.5),
    left: Math.floor((config.strip_width - width) / 2 + 0.5),
    height,
    width,
  };
}

/**
 * Counts along rows or columns -> [start, end] of the group of ink runs with the most ink (times its
 * extent when byExtent: a line under or over a number holds much ink in few rows; times centrality's
 * weight when centreFloor is given), runs joining a group when the gap to it is at most `gap` px, or
 * `share` of the longer of the two.
 */
export function heaviestGroup(counts, gap = null, share = 0, byExtent = false, centreFloor = null) {
  const groups = [];
  for (const [start, end] of inkRuns(counts)) {
    const last = groups[groups.length - 1];
    if (last) {
      const allowed = gap !== null ? gap : share * Math.max(last[1] - last[0], end - start);
      if (start - last[1] <= allowed) {
        last[1] = end;
        continue;
      }
    }
    groups.push([start, end]);
  }
  let best = null;
  let bestScore = -1;
  for (const [start, end] of groups) {
    let sum = 0;
    for (let i = start; i < end; i += 1) sum += counts[i];
    const weight = centreFloor !== null ? centrality(start, end, counts.length, centreFloor) : 1;
    const score = sum * (byExtent ? end - start : 1) * weight;
    if (score > bestScore) [best, bestScore] = [[start, end], score];
  }
  return best;
}

/** 1 for a group centred in `size`, falling linearly to centreFloor at the edge. */
export function centrality(start, end, size, centreFloor) {
  const half = size / 2;
  return Math.max(centreFloor, 1 - Math.abs((start + end) / 2 - half) / half);
}

/**
 * Uint8Array (W): the thin bands of columns (as thin as paperInk.js rules' rules) holding strong ink in
 * config.line_share of the rows, gaps of a pixel joined.
 * @param {{data: Uint8Array, rows: number, cols: number}} strong
 */
export function uprightLines(strong, config) {
  const { rows, cols } = strong;
  const joined = windowCounts(strong, 1);
  const counts = new Float64Array(cols);
  joined.forEach((n, i) => {
    if (n > 0) counts[i % cols] += 1;
  });
  return thinFullBands(counts, rows, config.line_share, config);
}

/**
 * [top, left, bottom, right], exclusive end, of the number's ink: the heaviest band of rows of strong
 * ink (config.strong_ink, config.band_gap) nearest the middle (config.centre_floor), the heaviest
 * group of its columns (config.number_gap band heights apart at most) and the faint ink within
 * config.box_reach of its height. A printed heading, an underline, a ruled line's piece or a
 * neighbour's stroke is another band or group, and one faint speck far off would shrink the digits in
 * the strip. Upright lines (uprightLines) do not make the band, nor join its columns where they reach
 * config.line_beyond band heights beyond it (a drawn 1 does not).
 * Throws EmptyImageError when blank.
 * @param {tf.Tensor2D} ink
 * @returns {number[]}
 */
export function numberBox(ink, config) {
  const [height, width] = ink.shape;
  const strong = tf.tidy(() => ink.greater(config.strong_ink).cast('int32').dataSync());
  if (!strong.some((v) => v > 0)) throw new EmptyImageError();
  const lines = uprightLines({ data: strong, rows: height, cols: width }, config);
  const total = new Float64Array(width);
  let rows = new Float64Array(height);
  const all = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = strong[y * width + x];
      all[y] += v;
      total[x] += v;
      if (!lines[x]) rows[y] += v;
    }
  }
  if (!rows.some((n) => n > 0)) rows = all; // nothing but upright strokes: a drawn 1 is the number
  const [top, bottom] = heaviestGroup(rows, null, config.band_gap, true, config.centre_floor);
  const band = new Float64Array(width);
  for (let y = top; y < bottom; y++) for (let x = 0; x < width; x++) band[x] += strong[y * width + x];
  let cols = band.map((n, x) => (lines[x] && total[x] - n >= config.line_beyond * (bottom - top) ? 0 : n));
  if (!cols.some((n) => n > 0)) cols = band;
  const [left, right] = heaviestGroup(cols, config.number_gap * (bottom - top));
  const reach = Math.floor(config.box_reach * (bottom - top) + 0.5);
  const nearTop = Math.max(0, top - reach);
  const nearLeft = Math.max(0, left - reach);
  const near = ink.slice(
    [nearTop, nearLeft],
    [Math.min(height, bottom + reach) - nearTop, Math.min(width, right + reach) - nearLeft],
  );
  try {
    const [t, l, b, r] = inkBoundingBox(near, config.ink_threshold);
    return [t + nearTop, l + nearLeft, b + nearTop, r + nearLeft];
  } finally {
    near.dispose();
  }
}

/**
 * The ink in box, scaled inkHeight px high (less when wide) and centred in a strip -> {strip:
 * float32 [32, 256] in [0, 1], light ink on black, placement}: stripPlacement's figures and the box
 * [x, y, w, h] in image pixels. The ink tensor stays the caller's.
 * @param {tf.Tensor2D} ink
 * @param {number[]} box [top, left, bottom, right], exclusive end
 * @returns {{strip: tf.Tensor2D, placement: object}}
 */
export function stripAt(ink, box, config, inkHeight = config.strip_ink_height) {
  const [top, left, bottom, right] = box;
  const place = stripPlacement(box, config, inkHeight);
  const strip = tf.tidy(() => {
    const inked = ink.slice([top, left], [bottom - top, right - left]);
    const resized = resizeWeights(inked.shape[0], place.height)
      .matMul(inked)
      .matMul(resizeWeights(inked.shape[1], place.width), false, true)
      .clipByValue(0, 1);
    return resized.pad([
      [place.top, config.strip_height - place.height - place.top],
      [place.left, config.strip_width - place.width - place.left],
    ]);
  });
  return { strip, placement: { ...place, box: [left, top, right - left, bottom - top] } };
}

/**
 * Ink image (inkImage's output) -> {strip, placement} (stripAt): the number's ink scaled to 24 px
 * high (less when wide) and centred, as the reader trained on. Throws EmptyImageError when blank.
 * The ink tensor stays the caller's.
 * @param {tf.Tensor2D} ink
 * @returns {{strip: tf.Tensor2D, placement: object}}
 */
export function numberStrip(ink, config) {
  return stripAt(ink, numberBox(ink, config), config);
}

/**
 * Ink image -> the number's strip ({strip, placement}) at each of config.strip_ink_heights, one per
 * distinct placement (a wide number fills the strip's width at every height and is read once).
 * Twin of reader/number_strip.py number_strips. Throws EmptyImageError when blank.
 * @param {tf.Tensor2D} ink
 * @returns {{strip: tf.Tensor2D, placement: object}[]}
 */
export function numberStrips(ink, config) {
  const box = numberBox(ink, config);
  const seen = new Set();
  const strips = [];
  for (const inkHeight of config.strip_ink_heights) {
    const place = stripPlacement(box, config, inkHeight);
    const key = `${place.height}x${place.width}`;
    if (!seen.has(key)) {
      seen.add(key);
      strips.push(stripAt(ink, box, config, inkHeight));
    }
  }
  return strips;
}

/**
 * Image of a written number (any size, either polarity) -> numberStrip of its ink.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 */
export function preprocessNumberStrip(pixels, config) {
  const ink = inkImage(pixels, config);
  try {
    return numberStrip(ink, config);
  } finally {
    ink.dispose();
  }
}
