// Twin of reader/digit_input.py: an image of one digit (a canvas, an upload, a scan or a photo) -> the digit
// classifiers' 28x28 tensor: its ink found on its paper (paperInk.js digitInk), then the ink's box scaled and
// centred as MNIST was made (preprocess.js digitFromInk).
//
// The drawing page reads its own canvas with preprocess.js preprocessClean: its paper is known to be even.
// Same steps, same names in camelCase. Change both in one commit; tests/test_parity.py compares them.

import { digitInk } from './paperInk.js';
import { digitFromInk } from './preprocess.js';

/**
 * Image pixels (any size, either polarity) -> float32 [28, 28] in [0, 1], light ink on black.
 * Throws EmptyImageError when there is nothing to read.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {object} config metadata.json preprocess (digit_config's keys)
 * @returns {tf.Tensor2D}
 */
export function preprocessDigit(pixels, config) {
  const ink = digitInk(pixels, config);
  try {
    return digitFromInk(ink, config);
  } finally {
    ink.dispose();
  }
}
