// Drawn strokes -> the stroke reader's input: how the digit was drawn, not only how it looks.
// Twin of reader/stroke_features.py (same names, parity in tests/test_stroke_features.py).
//
// The whole movement is one path: the pen-down strokes in the order drawn, joined by the
// pen-up jumps between them. N_POINTS points are taken along it at equal arc length, so
// neither the mouse's event rate nor the drawing's speed changes the input. Each point
// carries its position (centred on the ink's box and scaled by its longer side, so the
// aspect stays), the unit direction of the path there, and whether the pen was down.
// Plain numbers in, plain arrays out: no tf here (model.js makes the tensor).

export const N_POINTS = 64;
export const N_FEATURES = 5; // x, y, direction x, direction y, pen down (1) or up (0)

/** Thrown when nothing was drawn: no stroke has a point. */
export class NoStrokesError extends Error {
  constructor(message = 'no strokes to read') {
    super(message);
    this.name = 'NoStrokesError';
  }
}

/**
 * The movement as segments [x0, y0, x1, y1, pen down]: each stroke's own steps, and a pen-up
 * jump from each stroke's end to the next one's start.
 * @param {{x: number, y: number}[][]} strokes canvas pixels (x right, y down), in drawing order
 * @returns {[number, number, number, number, boolean][]}
 */
export function pathSegments(strokes) {
  const segments = [];
  let previous = null;
  for (const stroke of strokes) {
    const points = stroke.map((p) => [Number(p.x), Number(p.y)]);
    if (!points.length) continue;
    if (previous !== null) segments.push([...previous, ...points[0], false]);
    if (points.length === 1) segments.push([...points[0], ...points[0], true]); // a tap: a dot of ink
    for (let i = 1; i < points.length; i++) segments.push([...points[i - 1], ...points[i], true]);
    previous = points[points.length - 1];
  }
  return segments;
}

/**
 * strokes -> n_points rows [x, y, pen down (1 or 0)], at equal steps of arc length along the path.
 *
 * A point on a boundary between segments belongs to the earlier one; zero-length segments hold
 * no point unless the whole path has no length (a single tap), when every point is the tap.
 * Throws NoStrokesError when no stroke has a point.
 * @param {{x: number, y: number}[][]} strokes
 * @param {number} nPoints
 * @returns {number[][]}
 */
export function resampleTrajectory(strokes, nPoints = N_POINTS) {
  const segments = pathSegments(strokes);
  if (!segments.length) throw new NoStrokesError();
  const lengths = segments.map(([x0, y0, x1, y1]) => Math.hypot(x1 - x0, y1 - y0));
  let total = 0;
  const ends = lengths.map((length) => (total += length));
  if (total === 0) {
    const [x0, y0, , , down] = segments[0];
    return Array.from({ length: nPoints }, () => [x0, y0, down ? 1 : 0]);
  }
  const out = [];
  let j = 0;
  for (let k = 0; k < nPoints; k++) {
    const target = (total * k) / (nPoints - 1);
    while (j < segments.length - 1 && (ends[j] < target || lengths[j] === 0)) j++;
    const [x0, y0, x1, y1, down] = segments[j];
    const t = lengths[j] === 0 ? 1 : Math.min(1, Math.max(0, (target - (ends[j] - lengths[j])) / lengths[j]));
    out.push([x0 + t * (x1 - x0), y0 + t * (y1 - y0), down ? 1 : 0]);
  }
  return out;
}

/**
 * [centre x, centre y, half the longer side] of the drawn points' box; 1 for a dot.
 * @param {{x: number, y: number}[][]} strokes
 * @returns {[number, number, number]}
 */
export function inkExtent(strokes) {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const stroke of strokes) {
    for (const p of stroke) {
      const [x, y] = [Number(p.x), Number(p.y)];
      [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
    }
  }
  const half = Math.max(maxX - minX, maxY - minY) / 2;
  return [(minX + maxX) / 2, (minY + maxY) / 2, half > 0 ? half : 1];
}

/**
 * strokes in canvas pixels -> the stroke reader's input: nPoints rows of N_FEATURES, row-major.
 * Throws NoStrokesError when no stroke has a point.
 * @param {{x: number, y: number}[][]} strokes
 * @param {number} nPoints
 * @returns {Float32Array} nPoints * N_FEATURES values
 */
export function strokeFeatures(strokes, nPoints = N_POINTS) {
  const trajectory = resampleTrajectory(strokes, nPoints);
  const [cx, cy, half] = inkExtent(strokes);
  const features = new Float32Array(nPoints * N_FEATURES); // computed in doubles, rounded once as numpy's astype
  for (let k = 0; k < nPoints; k++) {
    const row = k * N_FEATURES;
    features[row] = (trajectory[k][0] - cx) / half;
    features[row + 1] = (trajectory[k][1] - cy) / half;
    // The way the path goes on from here; the last point keeps the way it came.
    const [a, b] = k < nPoints - 1 ? [k, k + 1] : [k - 1, k];
    const [dx, dy] = [trajectory[b][0] - trajectory[a][0], trajectory[b][1] - trajectory[a][1]];
    const norm = Math.hypot(dx, dy);
    if (norm > 1e-9 * half) [features[row + 2], features[row + 3]] = [dx / norm, dy / norm];
    features[row + 4] = trajectory[k][2];
  }
  return features;
}
