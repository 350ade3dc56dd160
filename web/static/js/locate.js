// Find the house number in a photo: two looks with the localizer. Twin of reader/locate.py.
//
// The first look sees the whole photo at 256x192, where a number may be a dozen pixels
// wide; the second sees a region three times the size of what the first found
// (zoomRegion), so the box fits the digits to a pixel or two even when they are small.

import { decodeBox } from './decode.js';
import { readBoxVariants } from './model.js';
import { clipBox } from './houseCrop.js';
import { fitRegion, regionScale, zoomRegion } from './photoView.js';

const tf = globalThis.tf;

/** A box in the localizer's input -> the same box in photo pixels. */
export function photoBox(viewBox, region, config) {
  const scale = regionScale(region[2], region[3], config);
  const [x, y, w, h] = viewBox;
  return [region[0] + x / scale, region[1] + y / scale, w / scale, h / scale];
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
 * RGBA photo pixels -> the number found and read: {number, confidence, digits, ..., box, box_score}.
 * Twin of reader/read.py find_house_number: the localizer finds the box, the reader reads it
 * and its variants, and the variants vote for the number and the box (readBoxVariants).
 */
export async function findHouseNumber(pixels, reader, localizer) {
  const found = await locateNumber(pixels, localizer);
  const [reading, box] = await readBoxVariants(reader, pixels, found.box);
  return { ...reading, box, box_score: found.score };
}
