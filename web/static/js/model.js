// Twin of reader/read.py: loads a model (metadata.json + model.json) and reads canvas pixels with it,
// function for function (readDigit <-> read_digit, readHouseNumber <-> read_house_number, ...).
// Besides preprocess.js, the only page file that calls tf; results leave as plain arrays.

import { inkImage, numberStrip, preprocessDigit, preprocessHouse, preprocessNumberStrip } from './preprocess.js';
import { combineNumberReadings, decodeFrames, decodeHouseNumber, frameBoxes } from './decode.js';
import { segmentNumber } from './segment.js';

export { EmptyImageError } from './preprocess.js';

const tf = globalThis.tf;

/** Fastest first: WebGL where the GPU (or SwiftShader) allows, then WASM, then plain JS. */
export const BACKENDS = ['webgl', 'wasm', 'cpu'];

/** True when the classic script vendor/tf.min.js has defined the global `tf`. */
export function tfLoaded() {
  return typeof tf === 'object' && tf !== null && typeof tf.loadLayersModel === 'function';
}

/**
 * Start the first backend of `order` that works here, and return its name.
 * @param {string[]} order backend names, preferred first
 * @param {string} wasmPath URL folder holding the tfjs-backend-wasm .wasm files
 * @returns {Promise<string>}
 */
export async function chooseBackend(order = BACKENDS, wasmPath = '/static/vendor/') {
  // Each canvas crops to a different size; shape uniforms let WebGL reuse one compiled
  // shader per op instead of compiling a new one for every new shape.
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  // The WASM backend fetches its binaries at run time; they are served beside tf.min.js.
  tf.wasm?.setWasmPaths(wasmPath);
  for (const name of order) {
    if (!tf.findBackendFactory(name)) continue; // e.g. the WASM script failed to load
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch (err) {
      console.warn(`TF.js backend ${name} failed to start`, err);
    }
  }
  throw new Error(`none of the TF.js backends ${order.join(', ')} could start`);
}

/** GET a JSON file, with an error that names the URL and the HTTP status. */
async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/**
 * Load metadata.json and the layers model of one exported model.
 * @param {string} baseUrl folder URL ending in '/', e.g. '/static/models/house/'
 * @returns {Promise<{model: tf.LayersModel, metadata: object}>}
 */
export async function loadModel(baseUrl) {
  const metadata = await fetchJson(`${baseUrl}metadata.json`);
  try {
    // The version (a digest of the weights) in the URL keys caches to these exact weights;
    // TF.js appends the same query to the shard URLs.
    const model = await tf.loadLayersModel(`${baseUrl}model.json?v=${encodeURIComponent(metadata.version)}`);
    return { model, metadata };
  } catch (err) {
    throw new Error(`${baseUrl}model.json: ${err.message}`);
  }
}

/** loadModel for a digit classifier, warmed up. */
export async function loadClassifier(baseUrl) {
  const classifier = await loadModel(baseUrl);
  await warmUp(classifier);
  return classifier;
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
export async function loadNumberReader(baseUrl) {
  const reader = await loadModel(baseUrl);
  await readFrames(reader, preprocessNumberStrip(warmUpPixels(), reader.metadata.preprocess));
  return reader;
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
  const input = tf.tidy(() => preprocessDigit(pixels, metadata.preprocess));
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
      inputs.set(tf.tidy(() => preprocessDigit(crop, metadata.preprocess).dataSync()), i * size * size);
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
 * A number strip ({strip, placement}, numberStrip's output; the strip is disposed here) ->
 * [decodeFrames' reading, the placement with the strip columns per frame as "stride"].
 * @param {{model: tf.LayersModel, metadata: object}} reader the number reader
 */
export async function readFrames({ model, metadata }, { strip, placement }) {
  const frames = tf.tidy(() => model.predict(strip.reshape([1, ...metadata.input_shape])));
  strip.dispose();
  try {
    const values = await frames.data();
    const [, count, classes] = frames.shape;
    return [decodeFrames(values, classes, metadata.blank), { ...placement, stride: Math.floor(metadata.preprocess.strip_width / count) }];
  } finally {
    frames.dispose();
  }
}

/**
 * Canvas pixels of a handwritten number -> {number, confidence, digits: [{digit, confidence, box}]}.
 * segment.js cuts the ink into digits, asking the classifier where a cut is in doubt; with the
 * number reader, that reads the whole row and the cuts only give the boxes (as Python's
 * read_number). Throws EmptyImageError when the canvas holds no ink.
 * @param {{model: tf.LayersModel, metadata: object}} classifier
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels e.g. an ImageData
 * @param {{model: tf.LayersModel, metadata: object}|null} reader the number reader, if loaded
 */
export async function readNumber(classifier, pixels, reader = null) {
  const tensor = inkImage(pixels, classifier.metadata.preprocess);
  let ink;
  let strip = null; // from the same ink: it is computed once
  try {
    ink = { width: pixels.width, height: pixels.height, data: await tensor.data() };
    if (reader) strip = numberStrip(tensor, reader.metadata.preprocess);
  } finally {
    tensor.dispose();
  }
  let segmented;
  try {
    segmented = await segmentNumber(ink, (crops) => classifyCrops(classifier, crops), classifier.metadata.segment);
  } catch (err) {
    strip?.strip.dispose();
    throw err;
  }
  if (!reader) return segmented;
  const [sequence, placement] = await readFrames(reader, strip);
  const threshold = reader.metadata.preprocess.ink_threshold;
  return combineNumberReadings(sequence, segmented, frameBoxes(ink, placement, sequence.digits, placement.stride, threshold));
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
 * @param {{model: tf.LayersModel, metadata: object}} reader the six-head house-number reader
 * @param {{data: Uint8ClampedArray, width: number, height: number}} pixels the photo, RGBA
 * @param {number[]|null} box [x, y, w, h] in photo pixels, or null for the whole photo
 */
export async function readHouseNumber({ model, metadata }, pixels, box) {
  const heads = tf.tidy(() => {
    const outputs = [].concat(model.predict(preprocessHouse(pixels, box, metadata.preprocess)));
    // Heads in metadata.json's order, looked up by name (never trust the output order), each
    // averaged over the crop's windows.
    return metadata.output_names.map((name) => outputs[model.outputNames.indexOf(name)].mean(0));
  });
  try {
    const [length, ...digits] = await Promise.all(heads.map((t) => t.data()));
    return decodeHouseNumber(length, digits, metadata);
  } finally {
    tf.dispose(heads);
  }
}

/** Number of live tensors: a test watches it to catch leaks. */
export function tensorCount() {
  return tf.memory().numTensors;
}
