// Twin of reader/read.py: loads a model (metadata.json + model.json) and reads canvas pixels with it,
// function for function (readDigit <-> read_digit, readHouseNumber <-> read_house_number, ...).
// Besides the preprocessing modules (preprocess.js and those beside it), the only page file that
// calls tf; results leave as plain arrays.
// The backend it reads on is picked in backend.js.

import { candidateBoxes, preprocessHouse } from './houseCrop.js';
import { numberStrips } from './numberStrip.js';
import { inkImage } from './paperInk.js';
import { preprocessClean } from './preprocess.js';
import {
  agreedReading,
  combineNumberReadings,
  decodeFrames,
  decodeHouseNumber,
  frameBoxes,
  fuseReadings,
  requireDigits,
} from './decode.js';
import { segmentNumber } from './segment.js';
import { strokeFeatures } from './strokeFeatures.js';

export { EmptyImageError } from './preprocess.js';
export { NoNumberError } from './decode.js';
export { NoStrokesError } from './strokeFeatures.js';

const tf = globalThis.tf;

/** GET a JSON file, with an error that names the URL and the HTTP status. */
async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/**
 * A fetch for tf.loadLayersModel that reports the bytes received so far, summed over every file
 * it asks for (model.json and the weight shards, which TF.js requests all at once): `total` adds
 * each file's Content-Length as its headers arrive, grown to what came where a file has none.
 * @param {(bytes: {loaded: number, total: number}) => void} report
 * @returns {(url: string, init?: RequestInit) => Promise<Response>}
 */
export function countingFetch(report) {
  const files = new Set(); // {loaded, total} per file asked for
  const sum = () => {
    let loaded = 0;
    let total = 0;
    for (const file of files) [loaded, total] = [loaded + file.loaded, total + Math.max(file.total, file.loaded)];
    report({ loaded, total });
  };
  return async (url, init) => {
    const response = await fetch(url, init);
    const file = { loaded: 0, total: Number(response.headers.get('Content-Length')) || 0 };
    files.add(file);
    sum();
    if (!response.body) return response;
    const reader = response.body.getReader();
    const counted = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        file.loaded += value.byteLength;
        sum();
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    const { status, statusText, headers } = response;
    return new Response(counted, { status, statusText, headers });
  };
}

/**
 * Load metadata.json and the layers model of one exported model.
 * @param {string} baseUrl folder URL ending in '/', e.g. '/static/models/house/'
 * @param {((progress: {loaded: number, total: number, fraction: number}) => void)|null} onProgress
 *   download progress: bytes so far and expected, and TF.js's own onProgress fraction (1 when loaded)
 * @returns {Promise<{model: tf.LayersModel, metadata: object}>}
 */
export async function loadModel(baseUrl, onProgress = null) {
  const metadata = await fetchJson(`${baseUrl}metadata.json`);
  let progress = { loaded: 0, total: 0, fraction: 0 };
  const tell = (change) => onProgress?.((progress = { ...progress, ...change }));
  const options = onProgress && {
    fetchFunc: countingFetch((bytes) => tell(bytes)),
    onProgress: (fraction) => tell({ fraction }),
  };
  try {
    // The version (a digest of the weights) in the URL keys caches to these exact weights;
    // TF.js appends the same query to the shard URLs.
    const model = await tf.loadLayersModel(`${baseUrl}model.json?v=${encodeURIComponent(metadata.version)}`, options);
    return { model, metadata };
  } catch (err) {
    throw new Error(`${baseUrl}model.json: ${err.message}`);
  }
}

/** A white canvas with a dark square: something to read, so warm-up runs every op a drawing runs. */
function warmUpPixels(size = 280) {
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = size / 4; y < (size * 3) / 4; y++) {
    for (let x = size / 2 - 10; x < size / 2 + 10; x++) data.fill(0, (y * size + x) * 4, (y * size + x) * 4 + 3);
  }
  return { data, width: size, height: size };
}

/** loadModel for the number reader, warmed up on a drawn bar so the first number is read quickly. */
export async function loadNumberReader(baseUrl, onProgress = null) {
  const reader = await loadModel(baseUrl, onProgress);
  const ink = inkImage(warmUpPixels(), reader.metadata.preprocess);
  try {
    await readStrips(reader, numberStrips(ink, reader.metadata.preprocess));
  } finally {
    ink.dispose();
  }
  return reader;
}

/** An L drawn in two strokes: a movement to read, so warm-up runs every op a drawing runs. */
const WARM_UP_STROKES = [
  [{ x: 100, y: 60 }, { x: 100, y: 220 }],
  [{ x: 100, y: 220 }, { x: 180, y: 220 }],
];

/**
 * loadModel for the stroke reader, warmed up on a made-up drawing, so the first drawing it reads
 * beside the classifier costs no more than the next.
 * @param {string} baseUrl e.g. '/static/models/stroke_reader/'
 * @param {Function|null} onProgress as loadModel's
 */
export async function loadStrokeReader(baseUrl, onProgress = null) {
  const reader = await loadModel(baseUrl, onProgress);
  await warmUpStrokes(reader);
  return reader;
}

/**
 * Read a made-up drawing with the stroke reader, as warmUp does with a classifier.
 * @param {{model: tf.LayersModel, metadata: object}} reader the stroke reader
 */
export async function warmUpStrokes(reader) {
  await readStrokes(reader, WARM_UP_STROKES);
}

/**
 * Run preprocessing and the model once, so shaders are compiled and weights uploaded
 * before the first real drawing: the first prediction a person sees is then fast.
 * @param {{model: tf.LayersModel, metadata: object}} classifier
 */
export async function warmUp(classifier) {
  await readDigit(classifier, warmUpPixels());
}

/** The probabilities tensor among the model's outputs: the head metadata.json names first. */
function classifierOutput(model, metadata, outputs) {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  return list[Math.max(0, model.outputNames.indexOf(metadata.output_names[0]))];
}

/**
 * Canvas pixels -> what the model sees and what it thinks.
 * Throws EmptyImageError when the canvas holds no ink.
 * @param {{model: tf.LayersModel, metadata: object}} classifier
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels e.g. an ImageData
 * @returns {Promise<{input: Float32Array, probabilities: Float32Array}>} input: 28x28, row-major
 */
export async function readDigit({ model, metadata }, pixels) {
  // tidy keeps only the returned tensor: intermediate ones preprocessing leaves behind
  // (stretchContrast's max) are freed too, so a long drawing session cannot fill memory.
  const input = tf.tidy(() => preprocessClean(pixels, metadata.preprocess));
  try {
    const probabilities = tf.tidy(() => {
      const outputs = model.predict(input.reshape([1, ...metadata.input_shape]));
      return classifierOutput(model, metadata, outputs).squeeze([0]);
    });
    try {
      return { input: await input.data(), probabilities: await probabilities.data() };
    } finally {
      probabilities.dispose();
    }
  } finally {
    input.dispose();
  }
}

/**
 * The drawn strokes -> the stroke reader's class probabilities: how the digit was drawn
 * (strokeFeatures.js), read by the model. Throws NoStrokesError when no stroke has a point.
 * No twin in reader/read.py (the server reads images only): tests/test_stroke_features.py checks it
 * against Keras on reader/stroke_features.py's features.
 * @param {{model: tf.LayersModel, metadata: object}} reader the stroke reader
 * @param {{x: number, y: number}[][]} strokes canvas pixels, in drawing order (draw.js inkStrokes)
 * @returns {Promise<Float32Array>}
 */
export async function readStrokes({ model, metadata }, strokes) {
  const features = strokeFeatures(strokes, metadata.preprocess.n_points);
  const probabilities = tf.tidy(() => {
    const outputs = model.predict(tf.tensor(features, [1, ...metadata.input_shape]));
    return classifierOutput(model, metadata, outputs).squeeze([0]);
  });
  try {
    return await probabilities.data();
  } finally {
    probabilities.dispose();
  }
}

/** A drawing read by its image alone: {way: 'image', image, strokes: null, fused: null, ...} as readBoth's. */
export function readAlone(image) {
  const values = Array.from(image);
  return { way: 'image', image: values, strokes: null, fused: null, disagree: false, imageWeight: 1, points: null };
}

/** A drawing read by its image and by its movement, fused with the weight in the stroke reader's metadata. */
export async function readBoth(reader, image, points) {
  const strokes = Array.from(await readStrokes(reader, points));
  const imageWeight = reader.metadata.fusion.image_weight;
  const { probabilities: fused, disagree } = fuseReadings(image, strokes, imageWeight);
  return { way: 'fused', image: Array.from(image), strokes, fused, disagree, imageWeight, points };
}

/**
 * On WebGL, run `work` on TF.js's plain-JS backend, then switch back. Preprocessing a small
 * crop is a dozen tiny ops that each read a value back; on a GPU every read-back waits for the
 * pipeline, so dozens of crops go several times faster on the CPU. The weights stay where they are.
 */
async function offTheGpu(work) {
  const backend = tf.getBackend();
  if (backend !== 'webgl' || !tf.findBackendFactory('cpu')) return work();
  await tf.setBackend('cpu');
  try {
    return work();
  } finally {
    await tf.setBackend(backend);
  }
}

/**
 * Digit crops -> the classifier's probabilities, all crops in one predict call.
 * @param {{model: tf.LayersModel, metadata: object}} classifier
 * @param {{data: Uint8ClampedArray, width: number, height: number}[]} crops
 * @returns {Promise<Float32Array[]>} one array of class probabilities per crop
 */
export async function classifyCrops({ model, metadata }, crops) {
  const size = metadata.preprocess.input_size;
  const inputs = new Float32Array(crops.length * size * size);
  await offTheGpu(() =>
    crops.forEach((crop, i) => {
      inputs.set(tf.tidy(() => preprocessClean(crop, metadata.preprocess).dataSync()), i * size * size);
    }),
  );
  const probabilities = tf.tidy(() => {
    const outputs = model.predict(tf.tensor(inputs, [crops.length, ...metadata.input_shape]));
    return classifierOutput(model, metadata, outputs);
  });
  try {
    const values = await probabilities.data();
    const classes = probabilities.shape[1];
    return crops.map((_, i) => values.slice(i * classes, (i + 1) * classes));
  } finally {
    probabilities.dispose();
  }
}

/**
 * A number's strips ([{strip, placement}], numberStrips' output; the strips are disposed here), all
 * in one batch -> [the decodeFrames reading they agree on (agreedReading), its strip's placement
 * with the strip columns per frame as "stride"]. Twin of reader/read.py read_strips.
 * @param {{model: tf.LayersModel, metadata: object}} reader the number reader
 */
export async function readStrips({ model, metadata }, strips) {
  const frames = tf.tidy(() =>
    model.predict(tf.stack(strips.map(({ strip }) => strip)).reshape([strips.length, ...metadata.input_shape])),
  );
  strips.forEach(({ strip }) => strip.dispose());
  try {
    const values = await frames.data();
    const [, count, classes] = frames.shape;
    const readings = strips.map((_, i) =>
      decodeFrames(values.subarray(i * count * classes, (i + 1) * count * classes), classes, metadata.blank),
    );
    const kept = agreedReading(readings);
    return [readings[kept], { ...strips[kept].placement, stride: Math.floor(metadata.preprocess.strip_width / count) }];
  } finally {
    frames.dispose();
  }
}

/**
 * Canvas pixels of a handwritten number -> {number, confidence, digits: [{digit, confidence, box}]}.
 * segment.js cuts the ink into digits, asking the classifier where a cut is in doubt; with the
 * number reader, that reads the whole row and the cuts only give the boxes (as Python's
 * read_number). Throws EmptyImageError when the canvas holds no ink, NoNumberError when no digit
 * is made out in the ink.
 * @param {{model: tf.LayersModel, metadata: object}} classifier
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels e.g. an ImageData
 * @param {{model: tf.LayersModel, metadata: object}|null} reader the number reader, if loaded
 */
export async function readNumber(classifier, pixels, reader = null) {
  const tensor = inkImage(pixels, classifier.metadata.preprocess);
  let ink;
  let strips = []; // from the same ink: they are computed once
  try {
    ink = { width: pixels.width, height: pixels.height, data: await tensor.data() };
    if (reader) strips = numberStrips(tensor, reader.metadata.preprocess);
  } finally {
    tensor.dispose();
  }
  let segmented;
  try {
    segmented = await segmentNumber(ink, (crops) => classifyCrops(classifier, crops), classifier.metadata.segment);
  } catch (err) {
    strips.forEach(({ strip }) => strip.dispose());
    throw err;
  }
  if (!reader) return requireDigits(segmented);
  const [sequence, placement] = await readStrips(reader, strips);
  const threshold = reader.metadata.preprocess.ink_threshold;
  const boxes = frameBoxes(ink, placement, sequence.digits, placement.stride, threshold);
  return requireDigits(combineNumberReadings(sequence, segmented, boxes));
}

/**
 * The ink readNumber reads from an image: paper normalised, light ink on black, as plain numbers.
 * @param {{model: tf.LayersModel, metadata: object}} classifier
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels
 * @returns {{data: Float32Array, width: number, height: number}}
 */
export function numberInk(classifier, pixels) {
  const ink = inkImage(pixels, classifier.metadata.preprocess);
  try {
    return { data: ink.dataSync(), width: pixels.width, height: pixels.height };
  } finally {
    ink.dispose();
  }
}

/**
 * A photo and the box around its number -> {number, confidence, length, complete, digits},
 * decoded as the Python CLI decodes (decode.js): the length head, then that many digit heads.
 * A box is read with its narrower and wider variants, which vote (readBoxVariants); with no box,
 * the whole photo is read once. Twin of reader/read.py read_house_number.
 * @param {{model: tf.LayersModel, metadata: object}} reader the six-head house-number reader
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels the photo, RGBA
 * @param {number[]|null} box [x, y, w, h] in photo pixels, or null for the whole photo
 */
export async function readHouseNumber(reader, pixels, box) {
  if (!box) return (await readHouseNumbers(reader, pixels, [null]))[0];
  return (await readBoxVariants(reader, pixels, box))[0];
}

/**
 * A box around the number -> [the reading its variants agree on, the variant it came from]: the
 * box and its variants (candidateBoxes, metadata.preprocess.box_variants) in one batch, and they
 * vote (agreedReading). Twin of reader/read.py read_box_variants.
 * @param {{model: tf.LayersModel, metadata: object}} reader the six-head house-number reader
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels the photo, RGBA
 * @param {number[]} box [x, y, w, h] in photo pixels
 */
export async function readBoxVariants(reader, pixels, box) {
  const boxes = candidateBoxes(box, pixels.width, pixels.height, reader.metadata.preprocess.box_variants);
  const readings = await readHouseNumbers(reader, pixels, boxes);
  const kept = agreedReading(readings);
  return [readings[kept], boxes[kept]];
}

/**
 * A photo and several boxes -> one reading per box, all read in one batch.
 * Twin of reader/read.py read_house_numbers.
 * @param {{model: tf.LayersModel, metadata: object}} reader the six-head house-number reader
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels the photo, RGBA
 * @param {(number[]|null)[]} boxes [x, y, w, h] in photo pixels, or null for the whole photo
 */
export async function readHouseNumbers({ model, metadata }, pixels, boxes) {
  const heads = tf.tidy(() => {
    const windows = boxes.map((box) => preprocessHouse(pixels, box, metadata.preprocess));
    const outputs = [].concat(model.predict(tf.concat(windows)));
    // Heads in metadata.json's order, looked up by name (never trust the output order), each
    // averaged over each crop's windows.
    const sizes = windows.map((w) => w.shape[0]);
    return metadata.output_names.map((name) =>
      tf.split(outputs[model.outputNames.indexOf(name)], sizes).map((part) => part.mean(0)),
    );
  });
  try {
    const values = await Promise.all(heads.map((perBox) => Promise.all(perBox.map((t) => t.data()))));
    return boxes.map((_, i) => {
      const [length, ...digits] = values.map((perBox) => perBox[i]);
      return decodeHouseNumber(length, digits, metadata);
    });
  } finally {
    tf.dispose(heads);
  }
}

/** Number of live tensors: a test watches it to catch leaks. */
export function tensorCount() {
  return tf.memory().numTensors;
}
