// Twin of reader/preprocess.py: canvas or photo pixels -> the tensors the models read.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit; tests/test_parity.py compares them.
// The constants (input size, box size, thresholds) come from the model's
// metadata.json, written by export/tfjs.py, so they are set in one place only.

import { labelCells, windowCounts } from './masks.js';

const tf = globalThis.tf;

export class EmptyImageError extends Error {
  constructor(message = 'no ink found: the image is blank') {
    super(message);
    this.name = 'EmptyImageError';
  }
}

/**
 * RGBA pixels ({data, width, height}, as ImageData) -> float32 [H, W] in [0, 1].
 * Transparent pixels count as white paper, as a fresh canvas looks to a person.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @returns {tf.Tensor2D}
 */
export function toGrayscale(pixels) {
  // A loop, not tensor ops: splitting RGBA's channels took 110 ms of a 280x280 canvas's reading on
  // WASM (most of the page's first reading), the loop well under one. Every step is rounded to
  // float32 (fround), as NumPy's float32 and TF.js's kernels round it, so the result is the same.
  const f = Math.fround;
  const [wr, wg, wb] = [f(0.299), f(0.587), f(0.114)];
  const { data, width, height } = pixels;
  const gray = new Float32Array(width * height);
  for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
    const [r, g, b, a] = [f(data[j] / 255), f(data[j + 1] / 255), f(data[j + 2] / 255), f(data[j + 3] / 255)];
    const luma = f(f(f(r * wr) + f(g * wg)) + f(b * wb));
    gray[i] = f(f(luma * a) + f(1 - a));
  }
  return tf.tensor2d(gray, [height, width]);
}

/** Mean of the outermost rows and columns: the background's level. */
export function borderMean(gray) {
  return tf.tidy(() => {
    const [h, w] = gray.shape;
    const border = tf.concat([
      gray.slice([0, 0], [1, w]).flatten(),
      gray.slice([h - 1, 0], [1, w]).flatten(),
      gray.slice([0, 0], [h, 1]).flatten(),
      gray.slice([0, w - 1], [h, 1]).flatten(),
    ]);
    return border.mean().dataSync()[0];
  });
}

/** Make the ink light on black, as the models learned from MNIST. */
export function invertIfLightBackground(gray) {
  return borderMean(gray) > 0.5 ? tf.tidy(() => tf.scalar(1).sub(gray)) : gray.clone();
}

/** Map the background to 0 and the brightest ink to 1, so grey paper reads like a canvas. */
export function stretchContrast(gray, config) {
  const background = borderMean(gray);
  const peak = tf.tidy(() => gray.max().dataSync()[0]);
  if (peak - background < config.min_contrast) throw new EmptyImageError();
  return tf.tidy(() => gray.sub(background).div(peak - background).clipByValue(0, 1));
}

/** [top, left, bottom, right], exclusive end, of the pixels brighter than threshold. */
export function inkBoundingBox(gray, threshold) {
  const [rows, cols] = tf.tidy(() => {
    const ink = gray.greater(threshold);
    return [ink.any(1).dataSync(), ink.any(0).dataSync()];
  });
  const first = (a) => a.findIndex((v) => v);
  const last = (a) => a.length - 1 - [...a].reverse().findIndex((v) => v);
  if (first(rows) < 0) throw new EmptyImageError();
  return [first(rows), first(cols), last(rows) + 1, last(cols) + 1];
}

export function cropToInk(gray, threshold) {
  const [top, left, bottom, right] = inkBoundingBox(gray, threshold);
  return gray.slice([top, left], [bottom - top, right - left]);
}

/** Size that fits in box x box with the longest side = box, aspect kept. */
export function scaledSize(height, width, box) {
  const scale = box / Math.max(height, width);
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}

/**
 * [nOut, nIn] triangle-filter weights, widened when shrinking so thin strokes
 * are averaged, not skipped.
 * @returns {tf.Tensor2D}
 */
export function resizeWeights(nIn, nOut) {
  const scale = nIn / nOut;
  const support = Math.max(scale, 1);
  const weights = new Float64Array(nOut * nIn);
  for (let i = 0; i < nOut; i++) {
    const centre = (i + 0.5) * scale;
    let sum = 0;
    for (let j = 0; j < nIn; j++) {
      const w = Math.max(0, 1 - Math.abs(j + 0.5 - centre) / support);
      weights[i * nIn + j] = w;
      sum += w;
    }
    for (let j = 0; j < nIn; j++) weights[i * nIn + j] /= sum;
  }
  return tf.tensor2d(Float32Array.from(weights), [nOut, nIn]);
}

/** Resize so the longest side is `box` pixels, keeping the aspect ratio. */
export function scaleIntoBox(gray, box) {
  return tf.tidy(() => {
    const [outH, outW] = scaledSize(gray.shape[0], gray.shape[1], box);
    const resized = resizeWeights(gray.shape[0], outH).matMul(gray).matMul(resizeWeights(gray.shape[1], outW), false, true);
    return resized.clipByValue(0, 1); // float rounding can overshoot 1 by an ulp; the contract is [0, 1]
  });
}

/** [row, column] of the intensity-weighted centre, in pixel-centre coordinates. */
export function centreOfMass(gray) {
  return tf.tidy(() => {
    const [h, w] = gray.shape;
    const total = gray.sum().dataSync()[0];
    const rows = tf.range(0, h).add(0.5);
    const cols = tf.range(0, w).add(0.5);
    const row = gray.sum(1).mul(rows).sum().dataSync()[0] / total;
    const col = gray.sum(0).mul(cols).sum().dataSync()[0] / total;
    return [row, col];
  });
}

/** Paste into size x size so the centre of mass lands on the centre, as MNIST was made. */
export function centreByMass(gray, size) {
  const [row, col] = centreOfMass(gray);
  const [h, w] = gray.shape;
  const top = Math.min(Math.max(Math.floor(size / 2 - row + 0.5), 0), size - h);
  const left = Math.min(Math.max(Math.floor(size / 2 - col + 0.5), 0), size - w);
  return gray.pad([[top, size - h - top], [left, size - w - left]]);
}

/**
 * Image pixels (any size, either polarity) -> float32 [28, 28] in [0, 1], light ink on black.
 * Throws EmptyImageError when there is nothing to read.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {{input_size: number, box_size: number, ink_threshold: number, min_contrast: number}} config
 * @returns {tf.Tensor2D}
 */
export function preprocessDigit(pixels, config) {
  const steps = [];
  const keep = (t) => (steps.push(t), t);
  try {
    const gray = keep(toGrayscale(pixels));
    const light = keep(invertIfLightBackground(gray));
    const stretched = keep(stretchContrast(light, config));
    const cropped = keep(cropToInk(stretched, config.ink_threshold));
    const boxed = keep(scaleIntoBox(cropped, config.box_size));
    return centreByMass(boxed, config.input_size);
  } finally {
    steps.forEach((t) => t.dispose());
  }
}

// --- paper: a photo or scan of writing -> light ink on black, the paper gone -----------
// Plain arrays ({data: Float32Array, height, width}, row-major), not tensors: percentiles and
// running minima are loops. Constants come from metadata.json preprocess (background_config()).

/**
 * Every step-th pixel each way, at most `samples` a side: big photos are summed up as well by a sample.
 * @param {{data: ArrayLike<number>, height: number, width: number}} image
 * @param {number} samples
 * @returns {number[]}
 */
export function sampled(image, samples) {
  const { data, height, width } = image;
  const step = Math.max(1, Math.floor(Math.max(height, width) / samples));
  const sample = [];
  for (let y = 0; y < height; y += step) for (let x = 0; x < width; x += step) sample.push(data[y * width + x]);
  return sample;
}

/**
 * Light ink on dark paper, whichever way round the image came: the paper covers most of the image,
 * and it is light when the median lies above the middle of the image's range (a dim photo's paper
 * is below 0.5). Not the border: a scan's black page margin may be most of it.
 * @param {tf.Tensor2D} gray
 * @param {{samples: number}} config
 * @returns {{data: Float32Array, height: number, width: number}}
 */
export function inkPolarityGray(gray, config) {
  const [height, width] = gray.shape;
  const data = Float32Array.from(gray.dataSync());
  let low = Infinity;
  let high = -Infinity;
  for (const v of data) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const paper = lowPercentile(sampled({ data, height, width }, config.samples), 0.5);
  if (paper > (low + high) / 2) for (let i = 0; i < data.length; i++) data[i] = 1 - data[i];
  return { data, height, width };
}

/**
 * Uint8Array (H x W, 1 set): the dark blocks around the paper (ink polarity: bright): those that
 * reach the image's edge and hold a square of margin_side of the shorter side, with margin_rim around
 * them. Dark is past the middle from the paper (the median) to the darkest. Strokes are thinner, so a
 * drawing has none.
 * @param {{data: Float32Array, height: number, width: number}} ink
 * @param {{margin_side: number, margin_rim: number, samples: number}} config
 */
export function darkBlocks(ink, config) {
  const { data, height, width } = ink;
  const shorter = Math.min(height, width);
  const radius = Math.floor((config.margin_side * shorter) / 2);
  const blocks = new Uint8Array(data.length);
  if (radius < 1) return blocks;
  const peak = data.reduce((a, b) => Math.max(a, b), -Infinity);
  const level = Math.fround((paperValue(ink, config) + peak) / 2); // float32, as numpy
  const dark = { data: data.map((v) => (v > level ? 1 : 0)), rows: height, cols: width };
  const side = 2 * radius + 1;
  const squares = windowCounts(dark, radius).map((n) => (n === side * side ? 1 : 0));
  const inside = { data: squares, rows: height, cols: width };
  const reach = radius + Math.max(1, Math.floor(config.margin_rim * shorter + 0.5));
  const grown = { data: windowCounts(inside, reach).map((n) => (n > 0 ? 1 : 0)), rows: height, cols: width };
  const { labels } = labelCells(grown);
  const edge = new Set(); // a margin, a page edge, a desk reach the image's edge; ink need not
  for (let x = 0; x < width; x++) edge.add(labels.data[x]).add(labels.data[(height - 1) * width + x]);
  for (let y = 0; y < height; y++) edge.add(labels.data[y * width]).add(labels.data[y * width + width - 1]);
  edge.delete(0);
  labels.data.forEach((label, i) => (blocks[i] = edge.has(label) ? 1 : 0));
  return blocks;
}

/** Counts along rows or columns -> the [start, end] of each run of non-zero counts, exclusive end. */
export function inkRuns(counts) {
  const runs = [];
  for (let start = 0; start < counts.length; ) {
    if (!counts[start]) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < counts.length && counts[end]) end += 1;
    runs.push([start, end]);
    start = end;
  }
  return runs;
}

/** 0/1 flags -> those in runs of at most `longest` set flags side by side. */
export function thinRuns(flags, longest) {
  const kept = new Uint8Array(flags.length);
  for (const [start, end] of inkRuns(flags)) if (end - start <= longest) kept.fill(1, start, end);
  return kept;
}

/**
 * Uint8Array (H x W, 1 set): the ink of thin bands of columns and rows that hold ink nearly all along
 * the paper (rule_share, rule_thickness), and of their neighbours: a ledger's column rules, a form's
 * lines, whole or broken by gaps of a pixel or two (ink counts one pixel around it), with the faint
 * edges beside them.
 * @param {{data: Float32Array, height: number, width: number}} ink
 * @param {{rule_level: number, rule_share: number, rule_thickness: number, rule_min_thickness: number}} config
 */
export function rules(ink, config) {
  const { data, height, width } = ink;
  const peak = data.reduce((a, b) => Math.max(a, b), -Infinity);
  const level = Math.fround(config.rule_level * peak); // float32, as numpy
  const strong = windowCounts({ data: data.map((v) => (v > level ? 1 : 0)), rows: height, cols: width }, 1);
  const inColumn = new Float64Array(width);
  const inRow = new Float64Array(height);
  strong.forEach((n, i) => {
    if (n > 0) {
      inColumn[i % width] += 1;
      inRow[Math.floor(i / width)] += 1;
    }
  });
  const flagged = (counts, length, across) => {
    const thickest = Math.max(config.rule_min_thickness, config.rule_thickness * across);
    const full = thinRuns(counts.map((n) => (n / length >= config.rule_share ? 1 : 0)), thickest);
    return windowCounts({ data: full, rows: 1, cols: counts.length }, 1).map((n) => (n > 0 ? 1 : 0));
  };
  const [upright, across] = [flagged(inColumn, height, width), flagged(inRow, width, height)];
  return Uint8Array.from(data, (v, i) => ((upright[i % width] || across[Math.floor(i / width)]) && v > 0 ? 1 : 0));
}

/** The paper's level over the whole image: its median (the paper covers most of it). */
export function paperValue(ink, config) {
  return lowPercentile(sampled(ink, config.samples), 0.5);
}

/**
 * [top, left, bottom, right], exclusive end: the rows and columns that are not all dark blocks.
 * Throws EmptyImageError when none is left.
 * @param {Uint8Array} blocks darkBlocks' output
 */
export function paperBox(blocks, height, width) {
  const rowKept = new Uint8Array(height);
  const colKept = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!blocks[y * width + x]) rowKept[y] = colKept[x] = 1;
    }
  }
  const [top, left] = [rowKept.indexOf(1), colKept.indexOf(1)];
  if (top < 0) throw new EmptyImageError('no paper found: the image is all margin or desk');
  return [top, left, rowKept.lastIndexOf(1) + 1, colKept.lastIndexOf(1) + 1];
}

/** Integer edges of `cells` near-equal cells over `size` pixels. */
export function cellEdges(size, cells) {
  return Array.from({ length: cells + 1 }, (_, i) => Math.floor((i * size) / cells));
}

/** The value below which `share` of the values lie, without interpolation (as numpy's sort, picked). */
export function lowPercentile(values, share) {
  const ordered = Float32Array.from(values).sort();
  return ordered[Math.floor(share * (ordered.length - 1))];
}

/**
 * The paper's level under each pixel: a low percentile of its cell, the median of it and its
 * neighbours, interpolated between cell centres. Follows light that changes across the page, not strokes.
 */
export function paperLevel(image, config) {
  const { data, height, width } = image;
  const cell = Math.max(1, Math.min(height, width) / config.background_cells);
  const rows = Math.max(1, Math.floor(height / cell + 0.5));
  const cols = Math.max(1, Math.floor(width / cell + 0.5));
  const rowEdges = cellEdges(height, rows);
  const colEdges = cellEdges(width, cols);
  const levels = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const [y0, y1, x0, x1] = [rowEdges[i], rowEdges[i + 1], colEdges[j], colEdges[j + 1]];
      const step = Math.max(1, Math.floor(Math.max(y1 - y0, x1 - x0) / config.samples));
      const sample = [];
      for (let y = y0; y < y1; y += step) for (let x = x0; x < x1; x += step) sample.push(data[y * width + x]);
      levels[i * cols + j] = lowPercentile(sample, config.background_percentile);
    }
  }
  const ceiling = lowPercentile(sampled(image, config.samples), config.background_percentile) + config.max_shadow;
  const median = neighbourhoodMedian(levels, rows, cols).map((v) => Math.min(v, ceiling));
  return interpolateCells(median, rows, cols, height, width);
}

/** Each cell's median level (the lower middle) among itself and its neighbours inside the grid. */
export function neighbourhoodMedian(levels, rows, cols) {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const near = [];
      for (let a = Math.max(0, i - 1); a < Math.min(rows, i + 2); a++) {
        for (let b = Math.max(0, j - 1); b < Math.min(cols, j + 2); b++) near.push(levels[a * cols + b]);
      }
      out[i * cols + j] = lowPercentile(near, 0.5);
    }
  }
  return out;
}

/** Per pixel, [low cell, high cell, weight of the high one]: linear from cell centres to pixel centres. */
export function cellWeights(size, cells) {
  return Array.from({ length: size }, (_, k) => {
    const position = Math.min(Math.max(((k + 0.5) * cells) / size - 0.5, 0), cells - 1);
    const low = Math.floor(position);
    return [low, Math.min(low + 1, cells - 1), position - low];
  });
}

export function interpolateCells(levels, rows, cols, height, width) {
  const across = cellWeights(width, cols);
  const data = new Float32Array(height * width);
  cellWeights(height, rows).forEach(([r0, r1, wr], y) => {
    for (let x = 0; x < width; x++) {
      const [c0, c1, wc] = across[x];
      const top = levels[r0 * cols + c0] * (1 - wc) + levels[r0 * cols + c1] * wc;
      const bottom = levels[r1 * cols + c0] * (1 - wc) + levels[r1 * cols + c1] * wc;
      data[y * width + x] = top * (1 - wr) + bottom * wr;
    }
  });
  return { data, height, width };
}

/**
 * How bright paper grain, printed patterns and JPEG noise get above the paper level: the dim
 * pixels' median and 75th percentile are paper's; ink stands far above both. Never above floor_cap of the peak.
 */
export function noiseFloor(residue, config) {
  const sample = sampled(residue, config.samples);
  const cap = config.floor_cap * sample.reduce((a, b) => Math.max(a, b), -Infinity);
  const dim = sample.filter((v) => v < cap);
  if (dim.length === 0) return 0;
  const [median, upper] = [lowPercentile(dim, 0.5), lowPercentile(dim, 0.75)];
  return Math.min(cap, median + config.noise_spread * (upper - median));
}

/**
 * Rows of an image -> rows of width - length + 1: pick (Math.min or Math.max) over each run of
 * `length`, in linear time whatever the length (van Herk / Gil-Werman).
 */
export function slidingExtreme(image, length, pick) {
  const { data, height, width } = image;
  const count = width - length + 1;
  const out = new Float32Array(height * Math.max(0, count));
  const forward = new Float32Array(width);
  const backward = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      forward[x] = x % length === 0 ? data[row + x] : pick(forward[x - 1], data[row + x]);
    }
    for (let x = width - 1; x >= 0; x--) {
      backward[x] = x % length === length - 1 || x === width - 1 ? data[row + x] : pick(backward[x + 1], data[row + x]);
    }
    for (let x = 0; x < count; x++) out[y * count + x] = pick(backward[x], forward[x + length - 1]);
  }
  return { data: out, height, width: count };
}

/**
 * Grey opening by a horizontal segment of `length`: what of the (non-negative) image lies on
 * straight runs at least that long (ruled lines), everything shorter gone (digits).
 */
export function openingAlongRows(image, length) {
  const { height, width } = image;
  if (length > width) return { data: new Float32Array(height * width), height, width };
  const eroded = slidingExtreme(image, length, Math.min);
  const paddedWidth = width + length - 1;
  const padded = new Float32Array(height * paddedWidth);
  for (let y = 0; y < height; y++) {
    padded.set(eroded.data.subarray(y * eroded.width, (y + 1) * eroded.width), y * paddedWidth + length - 1);
  }
  return slidingExtreme({ data: padded, height, width: paddedWidth }, length, Math.max);
}

/** Shift each column up by floor(slope (x - W / 2) + 0.5) px (down when `back`), paper (0) coming in. */
export function shearRows(image, slope, back = false) {
  const { data, height, width } = image;
  const out = new Float32Array(height * width);
  for (let x = 0; x < width; x++) {
    const shift = (back ? -1 : 1) * Math.floor(slope * (x - width / 2) + 0.5);
    for (let y = Math.max(0, -shift); y < Math.min(height, height - shift); y++) {
      out[y * width + x] = data[(y + shift) * width + x];
    }
  }
  return { data: out, height, width };
}

/** Each factor x factor block -> its brightest pixel (a thin line survives). */
export function maxPool(image, factor) {
  const { data, height, width } = image;
  const rows = Math.ceil(height / factor);
  const cols = Math.ceil(width / factor);
  const out = new Float32Array(rows * cols);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = Math.floor(y / factor) * cols + Math.floor(x / factor);
      out[k] = Math.max(out[k], data[y * width + x]);
    }
  }
  return { data: out, height: rows, width: cols };
}

/**
 * The part of the ink that lies on long, near-horizontal lines (ruled lines, underlines, the
 * tops and bottoms of boxes), found on the max-pooled image.
 */
export function lineInk(ink, config) {
  const { data, height, width } = ink;
  const factor = Math.max(1, Math.ceil(Math.max(height, width) / config.line_work_side));
  const found = pooledLineInk(maxPool(ink, factor), config);
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const level = found.data[Math.floor(y / factor) * found.width + Math.floor(x / factor)];
      out[y * width + x] = Math.min(level, data[y * width + x]);
    }
  }
  return { data: out, height, width };
}

/** Where long near-horizontal lines run, at their level; columns widened down by a band first. */
export function pooledLineInk(ink, config) {
  const { data, height, width } = ink;
  const length = Math.max(
    Math.floor(config.line_length * width + 0.5),
    Math.min(height, Math.floor(config.line_min_share * width + 0.5)),
  );
  const band = Math.max(1, Math.floor(config.line_band * height + 0.5));
  const widened = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let k = y; k < Math.min(height, y + band); k++) v = Math.max(v, data[k * width + x]);
      widened[y * width + x] = v;
    }
  }
  const found = new Float32Array(height * width);
  for (const slope of config.line_slopes) {
    const opened = openingAlongRows(shearRows({ data: widened, height, width }, slope), length);
    const back = shearRows(opened, slope, true).data;
    for (let i = 0; i < found.length; i++) found[i] = Math.max(found[i], back[i]);
  }
  // What stays after a vertical opening is thick (a block of ink); a line is long and thin.
  const thick = Math.max(2, Math.floor(config.line_thickness * height + 0.5)) + band;
  const blocks = transpose(openingAlongRows(transpose({ data: found, height, width }), thick));
  for (let i = 0; i < found.length; i++) found[i] -= blocks.data[i];
  return { data: found, height, width };
}

/** Rows become columns. */
export function transpose(image) {
  const { data, height, width } = image;
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + y] = data[y * width + x];
  return { data: out, height: width, width: height };
}

/**
 * Grayscale photo, scan or canvas (either polarity) -> float32 [H, W] >= 0, light ink on black
 * with the paper at 0: a page margin or desk around the paper made paper, uneven light subtracted and
 * divided out, paper grain and patterns cut, ruled lines taken out.
 * @param {tf.Tensor2D} gray
 * @param {object} config metadata.json preprocess (background_config's keys)
 * @returns {tf.Tensor2D}
 */
export function normaliseBackground(gray, config) {
  const whole = inkPolarityGray(gray, config);
  const blocks = darkBlocks(whole, config);
  // The paper alone is normalised: the rows and columns that are all margin or desk are left out,
  // so the paper's lines are measured against the paper's size.
  const [top, left, bottom, right] = paperBox(blocks, whole.height, whole.width);
  const paper = Math.fround(paperValue(whole, config));
  const [height, width] = [bottom - top, right - left];
  const ink = { data: new Float32Array(height * width), height, width };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (top + y) * whole.width + left + x;
      ink.data[y * width + x] = blocks[at] ? paper : whole.data[at];
    }
  }
  const level = paperLevel(ink, config).data;
  const residue = { data: new Float32Array(ink.data.length), height, width };
  // Light multiplies: scaled by the best-lit paper's lightness over its own, a shadowed digit stands
  // out as its lit neighbours do (normalise_background). In float32 step by step, as numpy does.
  const minLight = Math.fround(config.min_paper_light);
  const lit = new Float32Array(level.length);
  let maxLit = 0;
  for (let i = 0; i < level.length; i++) {
    lit[i] = Math.max(Math.fround(1 - level[i]), minLight);
    maxLit = Math.max(maxLit, lit[i]);
  }
  for (let i = 0; i < level.length; i++) {
    residue.data[i] = Math.fround(Math.max(ink.data[i] - level[i], 0)) * Math.fround(maxLit / lit[i]);
  }
  const floor = noiseFloor(residue, config);
  for (let i = 0; i < level.length; i++) residue.data[i] = Math.max(residue.data[i] - floor, 0);
  const lines = lineInk(residue, config).data;
  for (let i = 0; i < lines.length; i++) residue.data[i] -= lines[i];
  const ruled = rules(residue, config);
  const out = new Float32Array(whole.height * whole.width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[(top + y) * whole.width + left + x] = ruled[y * width + x] ? 0 : residue.data[y * width + x];
    }
  }
  return tf.tensor2d(out, [whole.height, whole.width]);
}

/**
 * Image pixels (any size, either polarity, canvas or paper) -> float32 [H, W] in [0, 1], light
 * ink on black, at full size: what segment.js cuts into digits. Throws EmptyImageError when blank.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {{min_contrast: number}} config
 * @returns {tf.Tensor2D}
 */
export function inkImage(pixels, config) {
  const gray = toGrayscale(pixels);
  let flat;
  try {
    flat = normaliseBackground(gray, config);
    return stretchContrast(flat, config);
  } finally {
    gray.dispose();
    flat?.dispose();
  }
}

// --- whole numbers: the ink of a written number -> the number reader's strip ----------
// Constants come from the number reader's metadata.json preprocess: {strip_height,
// strip_width, strip_ink_height, strip_margin, strong_ink, box_reach, band_gap, number_gap, ink_threshold,
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
 * extent when byExtent: a line under or over a number holds much ink in few rows), runs joining a
 * group when the gap to it is at most `gap` px, or `share` of the longer of the two.
 */
export function heaviestGroup(counts, gap = null, share = 0, byExtent = false) {
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
    const score = sum * (byExtent ? end - start : 1);
    if (score > bestScore) [best, bestScore] = [[start, end], score];
  }
  return best;
}

/**
 * [top, left, bottom, right], exclusive end, of the number's ink: the heaviest band of rows of strong
 * ink (config.strong_ink, config.band_gap), the heaviest group of its columns (config.number_gap band
 * heights apart at most) and the faint ink within config.box_reach of its height. A printed heading,
 * an underline, a ruled line's piece or a neighbour's stroke is another band or group, and one faint
 * speck far off would shrink the digits in the strip.
 * @param {tf.Tensor2D} ink
 * @returns {number[]}
 */
export function numberBox(ink, config) {
  const [height, width] = ink.shape;
  const strong = tf.tidy(() => ink.greater(config.strong_ink).cast('int32'));
  let top, left, bottom, right;
  try {
    const rowCounts = tf.tidy(() => strong.sum(1).dataSync());
    if (!rowCounts.some((n) => n > 0)) throw new EmptyImageError();
    [top, bottom] = heaviestGroup(rowCounts, null, config.band_gap, true);
    const colCounts = tf.tidy(() => strong.slice([top, 0], [bottom - top, width]).sum(0).dataSync());
    [left, right] = heaviestGroup(colCounts, config.number_gap * (bottom - top));
  } finally {
    strong.dispose();
  }
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
 * Twin of reader/preprocess.py number_strips. Throws EmptyImageError when blank.
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

// --- house numbers: a box around the number -> the six-head reader's input ------------
// Constants come from the house model's metadata.json: {crop_size, input_size, expand}.

/** Grow [x, y, w, h] by `factor` around its centre, clipped to the image. */
export function expandBox(box, factor, width, height) {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  const halfW = (w * (1 + factor)) / 2;
  const halfH = (h * (1 + factor)) / 2;
  const left = Math.max(0, Math.floor(cx - halfW + 0.5));
  const top = Math.max(0, Math.floor(cy - halfH + 0.5));
  const right = Math.min(width, Math.floor(cx + halfW + 0.5));
  const bottom = Math.min(height, Math.floor(cy + halfH + 0.5));
  return [left, top, Math.max(1, right - left), Math.max(1, bottom - top)];
}

/** float32 [H, W, C] -> [outH, outW, C] with the same triangle filter as scaleIntoBox. */
export function resizeImage(rgb, outH, outW) {
  return tf.tidy(() => {
    const rows = resizeWeights(rgb.shape[0], outH);
    const cols = resizeWeights(rgb.shape[1], outW);
    const channels = tf.unstack(rgb, 2).map((c) => rows.matMul(c).matMul(cols, false, true));
    return tf.stack(channels, 2);
  });
}

/**
 * RGBA pixels + box around the number ([x, y, w, h], or null for the whole image)
 * -> float32 [64, 64, 3] in [0, 1]. Aspect ratio is not kept, as in the reference design.
 */
export function cropHouseNumber(pixels, box, config) {
  return tf.tidy(() => {
    const rgba = tf.tensor3d(Float32Array.from(pixels.data), [pixels.height, pixels.width, 4]).div(255);
    let rgb = rgba.slice([0, 0, 0], [pixels.height, pixels.width, 3]);
    if (box) {
      const [x, y, w, h] = expandBox(box, config.expand, pixels.width, pixels.height);
      rgb = rgb.slice([y, x, 0], [h, w, 3]);
    }
    return resizeImage(rgb, config.crop_size, config.crop_size).clipByValue(0, 1);
  });
}

/**
 * [64, 64, 3] number crop -> [5, 54, 54, 3]: the centre window and four shifted diagonally
 * (config.offsets, [dy, dx] each). The reader's heads are averaged over them.
 */
export function houseWindows(crop, config) {
  return tf.tidy(() => {
    const size = config.input_size;
    const top = Math.floor((crop.shape[0] - size) / 2);
    const left = Math.floor((crop.shape[1] - size) / 2);
    return tf.stack(config.offsets.map(([dy, dx]) => crop.slice([top + dy, left + dx, 0], [size, size, 3])));
  });
}

/** Image + optional number box -> float32 [5, 54, 54, 3]: the windows the six-head reader reads. */
export function preprocessHouse(pixels, box, config) {
  return tf.tidy(() => houseWindows(cropHouseNumber(pixels, box, config), config));
}

// --- street photos: a region of the photo -> the localizer's input ---------------------
// Constants come from the localizer's metadata.json "preprocess":
// {photo_width, photo_height, photo_pad, zoom, min_zoom_width}.

/** How much a width x height region is scaled to fit photo_width x photo_height whole. */
export function regionScale(width, height, config) {
  return Math.min(config.photo_width / width, config.photo_height / height);
}

/** Python's round() (half to even), so sizes and boxes round as in the Python twin. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * RGBA photo pixels + region ([x, y, w, h], or null for all of it) -> float32
 * [photo_height, photo_width, 3] in [0, 1]. The region keeps its aspect ratio, scaled by
 * regionScale and placed top-left, with photo_pad grey beside it.
 */
export function fitRegion(pixels, region, config) {
  return tf.tidy(() => {
    const [x, y, w, h] = region ?? [0, 0, pixels.width, pixels.height];
    const scale = regionScale(w, h, config);
    const outW = Math.max(1, Math.min(config.photo_width, roundHalfEven(w * scale)));
    const outH = Math.max(1, Math.min(config.photo_height, roundHalfEven(h * scale)));
    const rgba = tf.tensor3d(Float32Array.from(pixels.data), [pixels.height, pixels.width, 4]);
    const rgb = rgba.slice([y, x, 0], [h, w, 3]).div(255);
    const fitted = resizeImage(rgb, outH, outW).clipByValue(0, 1);
    return fitted.pad(
      [
        [0, config.photo_height - outH],
        [0, config.photo_width - outW],
        [0, 0],
      ],
      config.photo_pad,
    );
  });
}

/**
 * A 4:3 region [x, y, w, h] around a number's box in a width x height photo, for a closer
 * look: `zoom` times the box (its wider side, at 4:3), centred on it, then pushed inside.
 */
export function zoomRegion(box, width, height, config) {
  const [x, y, w, h] = box;
  // The same arithmetic, in the same order, as Python: the regions match to the pixel.
  const [pw, ph] = [config.photo_width, config.photo_height];
  let regionW = Math.max(w * config.zoom, (h * config.zoom * pw) / ph, config.min_zoom_width);
  regionW = Math.min(regionW, width, (height * pw) / ph);
  const regionH = (regionW * ph) / pw;
  const left = Math.min(Math.max(0, x + w / 2 - regionW / 2), width - regionW);
  const top = Math.min(Math.max(0, y + h / 2 - regionH / 2), height - regionH);
  return [Math.floor(left), Math.floor(top), Math.max(1, Math.floor(regionW)), Math.max(1, Math.floor(regionH))];
}

/** Round a box to whole pixels inside the photo, at least 1x1. */
export function clipBox(box, width, height) {
  const left = Math.min(Math.max(0, roundHalfEven(box[0])), width - 1);
  const top = Math.min(Math.max(0, roundHalfEven(box[1])), height - 1);
  const right = Math.min(width, Math.max(left + 1, roundHalfEven(box[0] + box[2])));
  const bottom = Math.min(height, Math.max(top + 1, roundHalfEven(box[1] + box[3])));
  return [left, top, right - left, bottom - top];
}

/**
 * A box and its variants ([width, height] scales about its centre: the house reader's
 * metadata.preprocess.box_variants), whole pixels inside the photo. Twin of reader/preprocess.py
 * candidate_boxes.
 */
export function candidateBoxes(box, width, height, scales) {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  return scales.map(([sx, sy]) => clipBox([cx - (w * sx) / 2, cy - (h * sy) / 2, w * sx, h * sy], width, height));
}
