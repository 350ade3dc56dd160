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
