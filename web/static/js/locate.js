// Find the house number in a photo: two looks with the localizer. Twin of reader/locate.py.
//
// The first look sees the whole photo at 256x192, where a number may be a dozen pixels
// wide; the second sees a region three times the size of what the first found
// (zoomRegion), so the box fits the digits to a pixel or two even when they are small.

import { decodeBox } from './decode.js';
import { readHouseNumbers } from './model.js';
import { fitRegion, regionScale, roundHalfEven, zoomRegion } from './preprocess.js';

const tf = globalThis.tf;

/** A box in the localizer's input -> the same box in photo pixels. */
export function photoBox(viewBox, region, config) {
  const scale = regionScale(region[2], region[3], config);
  const [x, y, w, h] = viewBox;
  return [region[0] + x / scale, region[1] + y / scale, w / scale, h / scale];
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
 * One pass of the localizer over a region -> {box (photo pixels, unrounded), score}.
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels the photo, RGBA
 * @param {{model: tf.LayersModel, metadata: object}} localizer
 */
export async function look(pixels, { model, metadata }, region) {
  const cells = tf.tidy(() => model.predict(fitRegion(pixels, region, metadata.preprocess).expandDims(0)).squeeze([0]));
  try {
    const found = decodeBox(await cells.data(), cells.shape, metadata.stride);
    return { box: photoBox(found.box, region, metadata.preprocess), score: found.score };
  } finally {
    cells.dispose();
  }
}

/**
 * RGBA photo pixels -> {box: [x, y, w, h] in photo pixels, score (0-1: how sure a number is there)}.
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels
 * @param {{model: tf.LayersModel, metadata: object}} localizer
 */
export async function locateNumber(pixels, localizer) {
  const { width, height } = pixels;
  const first = await look(pixels, localizer, [0, 0, width, height]);
  const second = await look(pixels, localizer, zoomRegion(first.box, width, height, localizer.metadata.preprocess));
  const score = Math.round(Math.min(first.score, second.score) * 1e6) / 1e6;
  return { box: clipBox(second.box, width, height), score };
}

/**
 * The found box and its variants (metadata.candidates: [width, height] scales about its centre),
 * whole pixels inside the photo. The reader reads them all and the surest reading wins.
 */
export function candidateBoxes(box, width, height, scales) {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  return scales.map(([sx, sy]) => clipBox([cx - (w * sx) / 2, cy - (h * sy) / 2, w * sx, h * sy], width, height));
}

/**
 * Readings of one number's box variants -> the index of the one to keep. Twin of
 * reader/locate.py agreed_reading: each number read gets the sum of its readings' confidences,
 * the largest sum wins (the first of equal ones), and of its readings the surest (the first of
 * equal ones). A number read from many variants beats one read very surely from one odd box.
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

/**
 * RGBA photo pixels -> the number found and read: {number, confidence, digits, ..., box, box_score}.
 * Twin of reader/read.py find_house_number: the localizer finds the box, the reader reads it
 * and its variants, and the variants vote (agreedReading) for the number and the box.
 */
export async function findHouseNumber(pixels, reader, localizer) {
  const found = await locateNumber(pixels, localizer);
  const boxes = candidateBoxes(found.box, pixels.width, pixels.height, localizer.metadata.candidates);
  const readings = await readHouseNumbers(reader, pixels, boxes);
  const kept = agreedReading(readings);
  return { ...readings[kept], box: boxes[kept], box_score: found.score };
}
