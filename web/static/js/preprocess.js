// Twin of reader/preprocess.py: canvas or photo pixels -> the tensors the models read.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit; tests/test_parity.py compares them.
// The constants (input size, box size, thresholds) come from the model's
// metadata.json, written by export/tfjs.py, so they are set in one place only.

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
  return tf.tidy(() => {
    const rgba = tf.tensor3d(Float32Array.from(pixels.data), [pixels.height, pixels.width, 4]).div(255);
    const [r, g, b, a] = tf.split(rgba, 4, 2);
    const gray = r.mul(0.299).add(g.mul(0.587)).add(b.mul(0.114));
    return gray.mul(a).add(tf.scalar(1).sub(a)).squeeze([2]);
  });
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

/**
 * Image pixels (any size, either polarity) -> float32 [H, W] in [0, 1], light ink on black,
 * at full size: what segment.js cuts into digits. Throws EmptyImageError when blank.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {{min_contrast: number}} config
 * @returns {tf.Tensor2D}
 */
export function inkImage(pixels, config) {
  return tf.tidy(() => stretchContrast(invertIfLightBackground(toGrayscale(pixels)), config));
}

// --- whole numbers: the ink of a written number -> the number reader's strip ----------
// Constants come from the number reader's metadata.json preprocess: {strip_height,
// strip_width, strip_ink_height, strip_margin, ink_threshold, min_contrast}.

/** How much an ink box of height x width is scaled into the strip. */
export function stripScale(height, width, config) {
  return Math.min(config.strip_ink_height / height, (config.strip_width - 2 * config.strip_margin) / width);
}

/**
 * Ink box [top, left, bottom, right] -> where it lands in the strip: {scale, top, left, height,
 * width} (centred), so strip x = left + (image x - ink left) * scale and back.
 */
export function stripPlacement(box, config) {
  const [top, left, bottom, right] = box;
  const scale = stripScale(bottom - top, right - left, config);
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
 * Ink image (inkImage's output) -> {strip: float32 [32, 256] in [0, 1], light ink on black,
 * placement}: the ink's box scaled to 24 px high (less when wide) and centred. placement holds
 * stripPlacement's figures and the ink box [x, y, w, h] in image pixels. Throws EmptyImageError
 * when blank. The ink tensor stays the caller's.
 * @param {tf.Tensor2D} ink
 * @returns {{strip: tf.Tensor2D, placement: object}}
 */
export function numberStrip(ink, config) {
  const box = inkBoundingBox(ink, config.ink_threshold);
  const [top, left, bottom, right] = box;
  const place = stripPlacement(box, config);
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
