// The photo page's crops, cut by a loop over the box (photoPixels.js regionRGB), against the tensor
// ops they replaced (a tensor of the whole photo, divided by 255 and sliced), on random photos,
// boxes and regions, with the real @tensorflow/tfjs (CPU backend). tests/test_photo_pixels.py runs it.
//
//   node tests/js/photo_pixels_check.mjs > response.json
//
// response: {"compared": n, "thrown": n (both threw), "mismatches": [{what, width, height, box | region}, ...],
//            "peak_bytes": {"loop": bytes, "whole_photo": bytes}, "photo_bytes": bytes, "refused": [bool, ...]}

import { readFileSync } from 'node:fs';

globalThis.tf = await import('@tensorflow/tfjs');
const tf = globalThis.tf;
await tf.setBackend('cpu');
// Imported once tf is global: the modules read globalThis.tf when they load.
const { cropHouseNumber, expandBox } = await import('../../web/static/js/houseCrop.js');
const { fitRegion, regionScale } = await import('../../web/static/js/photoView.js');
const { regionRGB } = await import('../../web/static/js/photoPixels.js');
const { resizeImage, roundHalfEven } = await import('../../web/static/js/preprocess.js');

const metadataUrl = (name) => new URL(`../../web/static/models/${name}/metadata.json`, import.meta.url);
const metadata = (name) => JSON.parse(readFileSync(metadataUrl(name), 'utf8'));
const HOUSE = metadata('house').preprocess;
const PHOTO = metadata('localizer').preprocess;

// --- the tensor-op versions, as houseCrop.js and photoView.js had them ------------------------

function tensorCropHouseNumber(pixels, box, config) {
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

function tensorFitRegion(pixels, region, config) {
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

// --- random photos, boxes and regions (seeded: the same every run) ----------------------------

/** mulberry32: a small seeded generator of floats in [0, 1). */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = generator(26);
const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)); // whole, lo..hi

/** Random RGBA bytes, alpha too (the crops drop it), as a canvas's ImageData holds them. */
function randomPhoto(width, height) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = between(0, 255);
  return { data, width, height };
}

/** A whole-pixel box inside the photo, as candidateBoxes gives the reader; sometimes at an edge. */
function randomBox(width, height) {
  const w = between(1, width);
  const h = between(1, height);
  const x = random() < 0.2 ? width - w : between(0, width - w);
  const y = random() < 0.2 ? 0 : between(0, height - h);
  return [x, y, w, h];
}

/** A box with fractions: expandBox rounds it, as locate.js's unrounded boxes would be. */
const fractionalBox = (width, height) =>
  randomBox(width, height).map((v, i) => (i < 2 ? v + random() * 0.9 : v * 0.97));

// --- compare ---------------------------------------------------------------------------------

/** The same float32 values, bit for bit (NaN and -0 included). */
function sameBits(a, b) {
  const [x, y] = [a.dataSync(), b.dataSync()];
  if (a.shape.join() !== b.shape.join() || x.length !== y.length) return false;
  const bits = (values) => new Uint32Array(values.buffer, values.byteOffset, values.length);
  const [bx, by] = [bits(x), bits(y)];
  return bx.every((v, i) => v === by[i]);
}

/** A crop's tensor, or null where it throws (a box whose rounding falls off the photo's edge). */
function attempt(crop) {
  try {
    return crop();
  } catch {
    return null;
  }
}

const mismatches = [];
let compared = 0;
let thrown = 0;
function compare(what, make, old, pixels, where) {
  const [a, b] = [attempt(make), attempt(old)];
  compared += 1;
  thrown += a === null && b === null;
  const same = a === null || b === null ? a === b : sameBits(a, b);
  if (!same) mismatches.push({ what, width: pixels.width, height: pixels.height, ...where });
  tf.dispose([a, b].filter(Boolean));
}

const sizes = [
  [1, 1],
  [2, 7],
  [31, 17],
  [97, 61],
  [211, 150],
];
for (const [width, height] of sizes) {
  const pixels = randomPhoto(width, height);
  const boxes = [null, [0, 0, width, height], ...Array.from({ length: 3 }, () => randomBox(width, height))];
  boxes.push(fractionalBox(width, height));
  for (const box of boxes) {
    const [loop, ops] = [() => cropHouseNumber(pixels, box, HOUSE), () => tensorCropHouseNumber(pixels, box, HOUSE)];
    compare('cropHouseNumber', loop, ops, pixels, { box });
  }
  const regions = [null, [0, 0, width, height], ...Array.from({ length: 3 }, () => randomBox(width, height))];
  for (const region of regions) {
    const [loop, ops] = [() => fitRegion(pixels, region, PHOTO), () => tensorFitRegion(pixels, region, PHOTO)];
    compare('fitRegion', loop, ops, pixels, { region });
  }
}

// --- memory: the most the backend held at once while cropping a box out of an 800x600 photo ----

const photo = randomPhoto(800, 600);
const box = [350, 250, 120, 60];
const peak = async (crop) => {
  const info = await tf.profile(() => crop(photo, box, HOUSE));
  tf.dispose(info.result);
  return info.peakBytes;
};
const peakBytes = { loop: await peak(cropHouseNumber), whole_photo: await peak(tensorCropHouseNumber) };

// --- a region outside the photo is refused, as tf.slice refused it ----------------------------

const small = randomPhoto(20, 10);
const refusedRegions = [
  [15, 0, 6, 10],
  [0, 5, 20, 6],
  [-1, 0, 5, 5],
  [0.5, 0, 5, 5],
  [0, 0, 0, 5],
];
const refused = refusedRegions.map((region) => {
  try {
    regionRGB(small, region).dispose();
    return false;
  } catch (err) {
    return err instanceof RangeError;
  }
});

process.stdout.write(
  JSON.stringify({ compared, thrown, mismatches, peak_bytes: peakBytes, photo_bytes: photo.data.length, refused }),
);
