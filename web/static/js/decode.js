// Model outputs -> what a person reads. Twin of train/decode.py (same names, same order).

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

const LENGTH_MORE_THAN_FIVE = 6;

/**
 * Six heads -> {number, confidence, length, complete, digits: [{digit, confidence}]}.
 * The length head decides how many digit heads are read (L = argmax + 1); each of
 * those gives its most likely real digit (its "no digit" class is ignored, since the
 * length head has already said a digit is there). The number's confidence is the
 * product of the heads used. "More than five" reads five digits, complete = false.
 * @param {ArrayLike<number>} lengthProbabilities 6 values: lengths 1..5 and "more than five"
 * @param {ArrayLike<number>[]} digitProbabilities 5 heads of 11 values: 0..9 and "no digit"
 */
export function decodeHouseNumber(lengthProbabilities, digitProbabilities) {
  const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
  const lengths = Array.from(lengthProbabilities, Number);
  const lengthIndex = argmax(lengths);
  const length = lengthIndex + 1;
  const used = Math.min(length, digitProbabilities.length);
  let confidence = lengths[lengthIndex];
  const digits = [];
  for (const probabilities of digitProbabilities.slice(0, used)) {
    const real = Array.from(probabilities, Number).slice(0, 10);
    const digit = argmax(real);
    digits.push({ digit, confidence: round6(real[digit]) });
    confidence *= real[digit];
  }
  return {
    number: digits.map((d) => d.digit).join(''),
    confidence: round6(confidence),
    length,
    complete: length !== LENGTH_MORE_THAN_FIVE,
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
