// Twin of reader/preprocess.py: the steps every model's input shares (grayscale, contrast, the ink's box,
// triangle-filter resizing), and ink -> the digit classifiers' 28x28 tensor.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit; tests/test_parity.py compares them.
// The constants (input size, box size, thresholds) come from the model's
// metadata.json, written by export/tfjs.py, so they are set in one place only. The other inputs are made
// from these steps beside it: digitInput.js, paperInk.js, numberStrip.js, houseCrop.js, photoView.js.

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

/** Python's round() (half to even), so sizes and boxes round as in the Python twin. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
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

/** float32 [H, W, C] -> [outH, outW, C] with the same triangle filter as scaleIntoBox. */
export function resizeImage(rgb, outH, outW) {
  return tf.tidy(() => {
    const rows = resizeWeights(rgb.shape[0], outH);
    const cols = resizeWeights(rgb.shape[1], outW);
    const channels = tf.unstack(rgb, 2).map((c) => rows.matMul(c).matMul(cols, false, true));
    return tf.stack(channels, 2);
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
 * Ink (float32 [H, W] in [0, 1], light on black, the paper at 0) -> float32 [28, 28]: the ink's box scaled
 * into MNIST's 20x20 and centred by mass, as MNIST was made.
 * @param {tf.Tensor2D} ink
 * @param {{input_size: number, box_size: number, ink_threshold: number}} config
 * @returns {tf.Tensor2D}
 */
export function digitFromInk(ink, config) {
  const steps = [];
  const keep = (t) => (steps.push(t), t);
  try {
    const cropped = keep(cropToInk(ink, config.ink_threshold));
    const boxed = keep(scaleIntoBox(cropped, config.box_size));
    return centreByMass(boxed, config.input_size);
  } finally {
    steps.forEach((t) => t.dispose());
  }
}

/**
 * A digit on an even background, its border's level (the page's canvas, a segmented digit's crop:
 * segment.js digitCrop), either polarity -> float32 [28, 28] in [0, 1], light ink on black. Quick: the
 * page reads its canvas this way after every stroke. Any other image: digitInput.js preprocessDigit.
 * Throws EmptyImageError when there is nothing to read.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {{input_size: number, box_size: number, ink_threshold: number, min_contrast: number}} config
 * @returns {tf.Tensor2D}
 */
export function preprocessClean(pixels, config) {
  const steps = [];
  const keep = (t) => (steps.push(t), t);
  try {
    const gray = keep(toGrayscale(pixels));
    const light = keep(invertIfLightBackground(gray));
    return digitFromInk(keep(stretchContrast(light, config)), config);
  } finally {
    steps.forEach((t) => t.dispose());
  }
}
