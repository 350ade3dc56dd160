// Twin of reader/photo_view.py: a region of a street photo -> the localizer's input, and the region of a
// closer look around a number found in it.
//
// The same steps, with the same names in camelCase, in the same order. Change both in one commit;
// tests/test_locate.py compares them.

import { regionRGB } from './photoPixels.js';
import { resizeImage, roundHalfEven } from './preprocess.js';

const tf = globalThis.tf;

// Constants come from the localizer's metadata.json "preprocess":
// {photo_width, photo_height, photo_pad, zoom, min_zoom_width}.

/** How much a width x height region is scaled to fit photo_width x photo_height whole. */
export function regionScale(width, height, config) {
  return Math.min(config.photo_width / width, config.photo_height / height);
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
    const rgb = regionRGB(pixels, [x, y, w, h]); // only the region's pixels: not a tensor of the whole photo
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
