// Twin of reader/paper_ink.py: a photo or scan of writing (or a canvas) -> light ink on black, the paper gone.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit;
// tests/test_parity.py compares them (inkImage). Its output is what numberStrip.js and segment.js read.

import { labelCells, windowCounts } from './masks.js';
import { EmptyImageError, stretchContrast, toGrayscale } from './preprocess.js';

const tf = globalThis.tf;

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

/** Every step-th pixel each way, at most `samples` a side, as an image: sampled's pixels in their places. */
export function sampledImage(image, samples) {
  const step = Math.max(1, Math.floor(Math.max(image.height, image.width) / samples));
  return {
    data: sampled(image, samples),
    height: Math.ceil(image.height / step),
    width: Math.ceil(image.width / step),
  };
}

/**
 * Lengths of the runs of set pixels along the rows, then along the columns, that touch no edge of the
 * image (a margin or the paper around a tight crop is cut by the edge; a stroke is not).
 * @param {{data: ArrayLike<number>, rows: number, cols: number}} mask 1 set
 * @returns {number[]}
 */
export function innerRunLengths(mask) {
  const { data, rows, cols } = mask;
  const lengths = [];
  const along = (count, size, at) => {
    for (let line = 0; line < count; line++) {
      let start = -1;
      for (let i = 0; i <= size; i++) {
        const set = i < size && data[at(line, i)];
        if (set && start < 0) start = i;
        if (!set && start >= 0) {
          if (start > 0 && i < size) lengths.push(i - start);
          start = -1;
        }
      }
    }
  };
  along(rows, cols, (y, x) => y * cols + x);
  along(cols, rows, (x, y) => y * cols + x);
  return lengths;
}

/**
 * True when the ink is the dark shade, false when the light, null when stroke widths do not say:
 * across a stroke the ink's runs are short and the paper's long, wherever a margin or desk lies.
 * @param {{data: ArrayLike<number>, height: number, width: number}} sample
 * @param {number} middle float32
 * @param {{polarity_runs: number, polarity_ratio: number}} config
 */
export function strokePolarity(sample, middle, config) {
  const { data, height, width } = sample;
  const dark = innerRunLengths({ data: Array.from(data, (v) => (v < middle ? 1 : 0)), rows: height, cols: width });
  const light = innerRunLengths({ data: Array.from(data, (v) => (v >= middle ? 1 : 0)), rows: height, cols: width });
  if (dark.length < config.polarity_runs || light.length < config.polarity_runs) return null;
  const darkWidth = lowPercentile(dark, 0.5);
  const lightWidth = lowPercentile(light, 0.5);
  if (lightWidth >= config.polarity_ratio * darkWidth) return true;
  if (darkWidth >= config.polarity_ratio * lightWidth) return false;
  return null;
}

/**
 * Light ink on dark paper, whichever way round the image came: the paper covers most of the image, and
 * it is light when the median lies above the middle of the image's range (a dim photo's paper is below
 * 0.5). Not the border: a scan's black page margin may be most of it. A dark median may be such a
 * margin, or a desk: then the strokes decide (strokePolarity). A light median is trusted: a lone stroke
 * leaves the paper no runs clear of the edges, and its strokes cannot say.
 * @param {tf.Tensor2D} gray
 * @param {{samples: number, polarity_runs: number, polarity_ratio: number}} config
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
  const middle = (low + high) / 2;
  const sample = sampledImage({ data, height, width }, config.samples);
  const darkInk =
    lowPercentile(sample.data, 0.5) > middle || strokePolarity(sample, Math.fround(middle), config) === true;
  if (darkInk) for (let i = 0; i < data.length; i++) data[i] = 1 - data[i];
  return { data, height, width };
}

/**
 * Uint8Array (H x W, 1 set): the dark blocks around the paper (ink polarity: bright): those that
 * reach the image's edge and hold a square of margin_side of the shorter side, with margin_rim around
 * them, and the narrower bands of edgeBands. Dark is margin_darkness of the way from the paper
 * (paperValue) to the darkest. Strokes are thinner, so a drawing has none.
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
  const paper = paperValue(ink, config);
  const level = Math.fround(paper + config.margin_darkness * (peak - paper)); // float32, as numpy
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
  const bands = edgeBands(dark, reach - radius, config);
  labels.data.forEach((label, i) => (blocks[i] = edge.has(label) || bands[i] ? 1 : 0));
  return blocks;
}

/** How many flags are set from the start, and from the end. */
export function edgeRun(flags) {
  let lead = 0;
  while (lead < flags.length && flags[lead]) lead++;
  let trail = 0;
  while (trail < flags.length && flags[flags.length - 1 - trail]) trail++;
  return [lead, trail];
}

/**
 * Uint8Array (H x W, 1 set): bands of whole columns at the left or right edge (rows at the top or
 * bottom) dark in edge_share of their pixels, wider than edge_strokes stroke widths and edge_min_share
 * of the side, leaving paper (edge_max_share), with `rim` px beyond: a page margin or a scanner's edge
 * too narrow for darkBlocks' square. No strokes (no dark runs clear of the edges), no bands.
 * @param {{data: Uint8Array, rows: number, cols: number}} dark
 */
export function edgeBands(dark, rim, config) {
  const { data, rows, cols } = dark;
  const bands = new Uint8Array(data.length);
  const runs = innerRunLengths(dark);
  if (runs.length === 0) return bands;
  const stroke = lowPercentile(runs, 0.5);
  const colCounts = new Float64Array(cols);
  const rowCounts = new Float64Array(rows);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      colCounts[x] += data[y * cols + x];
      rowCounts[y] += data[y * cols + x];
    }
  }
  // Whole columns at the left and right, then whole rows at the top and bottom.
  for (const [counts, length, mark] of [
    [colCounts, rows, (x) => { for (let y = 0; y < rows; y++) bands[y * cols + x] = 1; }],
    [rowCounts, cols, (y) => bands.fill(1, y * cols, (y + 1) * cols)],
  ]) {
    const size = counts.length;
    const full = Array.from(counts, (n) => n / length >= config.edge_share);
    const least = Math.max(config.edge_min_share * size, config.edge_strokes * stroke);
    const [lead, trail] = edgeRun(full);
    if (least <= lead && lead <= config.edge_max_share * size) for (let i = 0; i < Math.min(size, lead + rim); i++) mark(i);
    if (least <= trail && trail <= config.edge_max_share * size) for (let i = Math.max(0, size - trail - rim); i < size; i++) mark(i);
  }
  return bands;
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
 * Each column's (row's) count of inked pixels out of `length` -> the columns (rows) with at least
 * `share` of them, in bands as thin as a rule (rule_thickness of the side, at least rule_min_thickness px).
 * @returns {Uint8Array}
 */
export function thinFullBands(counts, length, share, config) {
  const thickest = Math.max(config.rule_min_thickness, config.rule_thickness * counts.length);
  return thinRuns(Array.from(counts, (n) => (n / length >= share ? 1 : 0)), thickest);
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
  const flagged = (counts, length) => {
    const full = thinFullBands(counts, length, config.rule_share, config);
    return windowCounts({ data: full, rows: 1, cols: counts.length }, 1).map((n) => (n > 0 ? 1 : 0));
  };
  const [upright, across] = [flagged(inColumn, height), flagged(inRow, width)];
  return Uint8Array.from(data, (v, i) => ((upright[i % width] || across[Math.floor(i / width)]) && v > 0 ? 1 : 0));
}

/**
 * The paper's level over the whole image (ink polarity): a low percentile, paper_percentile. Ink, page
 * margins and desks lie above the paper, and a margin or desk may cover more than half the image.
 */
export function paperValue(ink, config) {
  return lowPercentile(sampled(ink, config.samples), config.paper_percentile);
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
 * Grayscale photo, scan or canvas (either polarity) -> {residue: float32 >= 0 over the paper's box, light
 * ink on black with the paper at 0; box: [top, left, bottom, right] in gray}: a page margin or desk around
 * the paper made paper, uneven light subtracted and divided out, paper grain and patterns cut.
 * @param {tf.Tensor2D} gray
 * @param {object} config metadata.json preprocess (background_config's keys)
 * @returns {{residue: {data: Float32Array, height: number, width: number}, box: number[]}}
 */
export function paperResidue(gray, config) {
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
  // out as its lit neighbours do (paper_residue). In float32 step by step, as numpy does.
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
  return { residue, box: [top, left, bottom, right] };
}

/**
 * Zeros of [height, width] with part at box ([top, left, bottom, right]): the paper back in the image.
 * @returns {tf.Tensor2D}
 */
export function onPage(part, box, height, width) {
  const [top, left] = box;
  const out = new Float32Array(height * width);
  for (let y = 0; y < part.height; y++) {
    out.set(part.data.subarray(y * part.width, (y + 1) * part.width), (top + y) * width + left);
  }
  return tf.tensor2d(out, [height, width]);
}

/**
 * Grayscale photo, scan or canvas (either polarity) -> float32 [H, W] >= 0, light ink on black
 * with the paper at 0: paperResidue, with ruled lines and box edges taken out.
 * @param {tf.Tensor2D} gray
 * @param {object} config metadata.json preprocess (background_config's keys)
 * @returns {tf.Tensor2D}
 */
export function normaliseBackground(gray, config) {
  const { residue, box } = paperResidue(gray, config);
  const lines = lineInk(residue, config).data;
  for (let i = 0; i < lines.length; i++) residue.data[i] -= lines[i];
  const ruled = rules(residue, config);
  for (let i = 0; i < ruled.length; i++) if (ruled[i]) residue.data[i] = 0;
  return onPage(residue, box, gray.shape[0], gray.shape[1]);
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

/**
 * Image of one digit (any size, either polarity, canvas or paper) -> float32 [H, W] in [0, 1], light ink
 * on black: paperResidue without the search for lines, which in a crop as tight as one digit's would
 * take its strokes (a 1 spans the crop as a rule spans a ledger). Throws EmptyImageError when blank.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {object} config metadata.json preprocess (background_config's keys and min_contrast)
 * @returns {tf.Tensor2D}
 */
export function digitInk(pixels, config) {
  const gray = toGrayscale(pixels);
  let flat;
  try {
    const { residue, box } = paperResidue(gray, config);
    flat = onPage(residue, box, gray.shape[0], gray.shape[1]);
    return stretchContrast(flat, config);
  } finally {
    gray.dispose();
    flat?.dispose();
  }
}
