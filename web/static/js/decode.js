// Model outputs -> what a person reads. Twin of reader/decode.py (same names, same order).

export const NO_NUMBER =
  'ink found, but no digit could be made out in it (too faint, too small, or only lines and specks)';

/** Thrown when an image holds ink but neither reader makes out a digit in it. */
export class NoNumberError extends Error {
  constructor(message = NO_NUMBER) {
    super(message);
    this.name = 'NoNumberError';
  }
}

/**
 * A number's reading, as it is when it holds a digit; throws NoNumberError when it holds none,
 * rather than answering an empty number that a person would take for a reading.
 * @param {{digits: object[]}} reading
 */
export function requireDigits(reading) {
  if (!reading.digits.length) throw new NoNumberError();
  return reading;
}

/** Round like Python's round(x, 6) for the values a softmax gives (no ties in practice). */
const round6 = (x) => Math.round(x * 1e6) / 1e6;

/**
 * 10 class probabilities -> {digit, confidence, probabilities}.
 * The first of equal maxima wins, as numpy's argmax does.
 * @param {ArrayLike<number>} probabilities
 * @returns {{digit: number, confidence: number, probabilities: number[]}}
 */
export function decodeDigit(probabilities) {
  const values = Array.from(probabilities, Number);
  let digit = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[digit]) digit = i;
  return { digit, confidence: round6(values[digit]), probabilities: values.map(round6) };
}

export const FLOOR = 1e-7; // no class is impossible: a log of 0 would let one model veto a digit alone

/**
 * A drawing read two ways -> {probabilities, disagree}: a weighted mean of the two models' log
 * probabilities, normalised again. The weight is chosen on held-out writers
 * (train/stroke_reader.py, carried in the stroke reader's metadata.json); disagree is true when
 * the two models' own best digits differ (the first of equal maxima, as numpy's argmax).
 * @param {ArrayLike<number>} image the image model's class probabilities
 * @param {ArrayLike<number>} strokes the stroke reader's, same classes
 * @param {number} imageWeight 0..1, the image model's share
 * @returns {{probabilities: number[], disagree: boolean}}
 */
export function fuseReadings(image, strokes, imageWeight) {
  const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
  const shape = Array.from(image, (p) => Math.max(Number(p), FLOOR));
  const movement = Array.from(strokes, (p) => Math.max(Number(p), FLOOR));
  const logs = shape.map((p, i) => imageWeight * Math.log(p) + (1 - imageWeight) * Math.log(movement[i]));
  const top = Math.max(...logs);
  const fused = logs.map((l) => Math.exp(l - top));
  const sum = fused.reduce((a, b) => a + b, 0);
  return { probabilities: fused.map((p) => p / sum), disagree: argmax(shape) !== argmax(movement) };
}

/**
 * Six heads -> {number, confidence, length, complete, digits: [{digit, confidence}]}.
 * The length head decides how many digit heads are read (L = argmax + 1); each of
 * those gives its most likely real digit (its "no digit" class is ignored, since the
 * length head has already said a digit is there). The number's confidence is the
 * product of the heads used. "More than five" reads five digits, complete = false.
 * @param {ArrayLike<number>} lengthProbabilities 6 values: lengths 1..5 and "more than five"
 * @param {ArrayLike<number>[]} digitProbabilities 5 heads of 11 values: 0..9 and "no digit"
 * @param {{no_digit: number, more_than_five: number}} classes special indices, from metadata.json
 */
export function decodeHouseNumber(lengthProbabilities, digitProbabilities, classes) {
  const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
  const lengths = Array.from(lengthProbabilities, Number);
  const lengthIndex = argmax(lengths);
  const length = lengthIndex + 1;
  const used = Math.min(length, digitProbabilities.length);
  let confidence = lengths[lengthIndex];
  const digits = [];
  for (const probabilities of digitProbabilities.slice(0, used)) {
    const real = Array.from(probabilities, Number);
    real[classes.no_digit] = -1; // never the argmax of probabilities
    const digit = argmax(real);
    digits.push({ digit, confidence: round6(real[digit]) });
    confidence *= real[digit];
  }
  return {
    number: digits.map((d) => d.digit).join(''),
    confidence: round6(confidence),
    length,
    complete: lengthIndex !== classes.more_than_five,
    digits,
  };
}

/**
 * Each digit's 10 probabilities, left to right, and its box -> {number, confidence, digits}.
 * The number's confidence is the product of its digits' confidences.
 * @param {ArrayLike<number>[]} probabilities
 * @param {number[][]} boxes [x, y, w, h] per digit
 * @returns {{number: string, confidence: number, digits: {digit: number, confidence: number, box: number[]}[]}}
 */
export function decodeNumber(probabilities, boxes) {
  let confidence = 1;
  const digits = Array.from(probabilities, (row, i) => {
    const { digit, confidence: digitConfidence } = decodeDigit(row);
    confidence *= Number(row[digit]);
    return { digit, confidence: digitConfidence, box: boxes[i].map((v) => Math.trunc(v)) };
  });
  return { number: digits.map((d) => String(d.digit)).join(''), confidence: round6(confidence), digits };
}

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

/**
 * The localizer's [rows, cols, 5] output (flat, row-major) -> {box: [x, y, w, h] in input
 * pixels, score}. The number's centre is in the cell with the highest centre logit (the
 * first of equal ones, in reading order); the cell gives the offset within it and the box's
 * log size in cells.
 * @param {ArrayLike<number>} cells
 * @param {number[]} shape [rows, cols, 5]
 * @param {number} stride input pixels per cell
 */
export function decodeBox(cells, shape, stride) {
  const [rows, cols, channels] = shape;
  let best = 0;
  for (let i = 1; i < rows * cols; i++) if (cells[i * channels] > cells[best * channels]) best = i;
  const row = Math.floor(best / cols);
  const col = best % cols;
  const [logit, offsetX, offsetY, logW, logH] = Array.from(cells.slice(best * channels, best * channels + 5), Number);
  const cx = (col + sigmoid(offsetX)) * stride;
  const cy = (row + sigmoid(offsetY)) * stride;
  const w = Math.exp(logW) * stride;
  const h = Math.exp(logH) * stride;
  return { box: [cx - w / 2, cy - h / 2, w, h], score: sigmoid(logit) };
}

/**
 * The number reader's [frames, 11] probabilities (flat, row-major) -> {number, confidence,
 * digits: [{digit, confidence, frames: [first, last]}]}.
 * Greedy CTC: the likeliest class per frame (the first of equal ones), runs of one class
 * collapsed, blanks dropped. A digit's confidence is its highest probability over its run;
 * the number's is the product of its digits'.
 * @param {ArrayLike<number>} frames
 * @param {number} classes values per frame (11)
 * @param {number} blank the blank class (CTC's), from metadata.json
 */
export function decodeFrames(frames, classes, blank) {
  const digits = [];
  let previous = blank;
  for (let t = 0; t * classes < frames.length; t++) {
    let label = 0;
    for (let c = 1; c < classes; c++) if (frames[t * classes + c] > frames[t * classes + label]) label = c;
    const p = Number(frames[t * classes + label]);
    if (label !== blank && label === previous) {
      const last = digits[digits.length - 1];
      last.frames[1] = t;
      last.confidence = Math.max(last.confidence, p);
    } else if (label !== blank) {
      digits.push({ digit: label, confidence: p, frames: [t, t] });
    }
    previous = label;
  }
  const confidence = digits.length ? digits.reduce((product, d) => product * d.confidence, 1) : 0;
  for (const d of digits) d.confidence = round6(d.confidence);
  return { number: digits.map((d) => String(d.digit)).join(''), confidence: round6(confidence), digits };
}

/**
 * Boxes [x, y, w, h] in image pixels of the digits decodeFrames read, from where their frames are.
 * A digit's frames sit about its middle, so the ink's columns are split halfway between
 * neighbouring digits' frames, and each box is the ink (above threshold) in its share.
 * @param {{data: Float32Array, width: number, height: number}} ink light-on-black ink in [0, 1]
 */
export function frameBoxes(ink, placement, digits, stride, threshold) {
  const [x0, y0, w, h] = placement.box;
  const centres = digits.map(
    (d) => x0 + (((d.frames[0] + d.frames[1] + 1) / 2) * stride - placement.left) / placement.scale,
  );
  const middles = centres.slice(1).map((b, i) => Math.floor((centres[i] + b) / 2 + 0.5));
  // Kept inside the ink's box and in order, wherever the frames are.
  const edges = [x0, ...middles.map((m) => Math.min(Math.max(m, x0), x0 + w)), x0 + w];
  for (let i = 1; i < edges.length; i++) edges[i] = Math.max(edges[i], edges[i - 1]);
  const boxes = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const [left, right] = [edges[k], edges[k + 1]];
    let [top, bottom, first, last] = [Infinity, -1, Infinity, -1];
    for (let y = y0; y < y0 + h; y++) {
      for (let x = left; x < right; x++) {
        if (ink.data[y * ink.width + x] > threshold) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          first = Math.min(first, x);
          last = Math.max(last, x);
        }
      }
    }
    boxes.push(bottom < 0 ? [left, y0, Math.max(1, right - left), h] : [first, top, last - first + 1, bottom - top + 1]);
  }
  return boxes;
}

/**
 * The number reader's reading (decodeFrames), with boxes: the segmentation's where it found as
 * many digits (its cuts follow the ink), else `boxes` (frameBoxes). -> {number, confidence,
 * digits: [{digit, confidence, box}], readings: what each read on its own}, as decodeNumber
 * gives with readings added.
 */
export function combineNumberReadings(sequence, segmented, boxes) {
  const readings = { reader: sequence.number, segmentation: segmented.number };
  if (!sequence.digits.length) return { ...segmented, readings }; // the reader saw no digit: keep what segmentation found
  const chosen = segmented.digits.length === sequence.digits.length ? segmented.digits.map((d) => d.box) : boxes;
  const digits = sequence.digits.map((d, i) => ({ digit: d.digit, confidence: d.confidence, box: chosen[i] }));
  return { number: sequence.number, confidence: sequence.confidence, digits, readings };
}

/**
 * Readings of one number's variants (boxes of a photo, sizes of a strip) -> the index of the one
 * to keep. Twin of reader/decode.py agreed_reading: each number read gets the sum of its readings' confidences,
 * the largest sum wins (the first of equal ones), and of its readings the surest (the first of
 * equal ones). A number read from many variants beats one read very surely from one odd variant.
 */
export function agreedReading(readings) {
  const votes = new Map();
  for (const { number, confidence } of readings) votes.set(number, (votes.get(number) ?? 0) + confidence);
  let winner = null;
  for (const [number, sum] of votes) if (winner === null || sum > votes.get(winner)) winner = number;
  let kept = -1;
  readings.forEach((reading, i) => {
    if (reading.number === winner && (kept < 0 || reading.confidence > readings[kept].confidence)) kept = i;
  });
  return kept;
}
