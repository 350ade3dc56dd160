// A region of a photo's RGBA pixels -> its RGB as a small float32 tensor: the first step of
// houseCrop.js cropHouseNumber and photoView.js fitRegion (pixels[y:y+h, x:x+w, :3] / 255 in their
// Python twins).
//
// A loop, not tensor ops: a tensor of the whole photo, divided by 255 and then sliced to the region,
// made 4 floats of every pixel (~30 MB at 1600x1200, ~190 MB for a 12 MP photo) to keep the box's,
// and the reader crops a photo once per box variant. The loop touches only the region's pixels.

const tf = globalThis.tf;

/**
 * RGBA pixels + a region [x, y, w, h] (whole pixels, inside them) -> float32 [h, w, 3] in [0, 1].
 * Each value is the byte / 255 rounded to float32, as TF.js's div and NumPy's float32 give it:
 * the quotient is worked out in float64 and rounded once when stored in the Float32Array, which
 * for a division is the same float32 as dividing in float32.
 * @param {{data: Uint8ClampedArray|Uint8Array, width: number, height: number}} pixels
 * @param {number[]} region [x, y, w, h]
 * @returns {tf.Tensor3D}
 */
export function regionRGB(pixels, region) {
  const { data, width, height } = pixels;
  const [x, y, w, h] = region;
  // tf.slice refused a region outside the tensor; a loop would read past a row's end (the next
  // row's pixels) or the data's (NaN) without a word.
  const whole = [x, y, w, h].every(Number.isInteger) && w > 0 && h > 0;
  if (!whole || x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new RangeError(`region [${region}] is not inside the ${width}x${height} pixels`);
  }
  const rgb = new Float32Array(w * h * 3);
  let k = 0;
  for (let row = y; row < y + h; row++) {
    const end = (row * width + x + w) * 4;
    for (let i = (row * width + x) * 4; i < end; i += 4) {
      rgb[k++] = data[i] / 255;
      rgb[k++] = data[i + 1] / 255;
      rgb[k++] = data[i + 2] / 255;
    }
  }
  return tf.tensor3d(rgb, [h, w, 3]);
}
