// Twin of reader/house_crop.py: a street photo and a box around its house number -> the six-head reader's
// input (a 64x64 crop, read in five 54x54 windows), and the box's variants that are read beside it.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit;
// tests/test_parity.py and tests/test_locate.py compare them.

import { regionRGB } from './photoPixels.js';
import { resizeImage, roundHalfEven } from './preprocess.js';

const tf = globalThis.tf;

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

/**
 * RGBA pixels + box around the number ([x, y, w, h], or null for the whole image)
 * -> float32 [64, 64, 3] in [0, 1]. Aspect ratio is not kept, as in the reference design.
 */
export function cropHouseNumber(pixels, box, config) {
  return tf.tidy(() => {
    // Python scales the whole image to [0, 1] and then cuts the box; only the box's pixels are
    // copied here (regionRGB), to the same float32 values: this runs once per box variant.
    const { width, height } = pixels;
    const region = box ? expandBox(box, config.expand, width, height) : [0, 0, width, height];
    return resizeImage(regionRGB(pixels, region), config.crop_size, config.crop_size).clipByValue(0, 1);
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
 * metadata.preprocess.box_variants), whole pixels inside the photo. Twin of reader/house_crop.py
 * candidate_boxes.
 */
export function candidateBoxes(box, width, height, scales) {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  return scales.map(([sx, sy]) => clipBox([cx - (w * sx) / 2, cy - (h * sy) / 2, w * sx, h * sy], width, height));
}
