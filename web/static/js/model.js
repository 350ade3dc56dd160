// Twin of reader/read.py: loads a model (metadata.json + model.json) and reads canvas pixels with it,
// function for function (readDigit <-> read_digit, readHouseNumber <-> read_house_number, ...).
// Besides the preprocessing modules (preprocess.js and those beside it), the only page file that
// calls tf; results leave as plain arrays.
// Also picks the backend by measurement (compareBackends) and keeps that verdict per device
// in the localStorage entry it is given (recallVerdict, rememberVerdict).

import { candidateBoxes, preprocessHouse } from './houseCrop.js';
import { numberStrips } from './numberStrip.js';
import { inkImage } from './paperInk.js';
import { preprocessDigit } from './preprocess.js';
import {
  agreedReading,
  combineNumberReadings,
  decodeFrames,
  decodeHouseNumber,
  frameBoxes,
  requireDigits,
} from './decode.js';
import { segmentNumber } from './segment.js';

export { EmptyImageError } from './preprocess.js';
export { NoNumberError } from './decode.js';

const tf = globalThis.tf;

/**
 * Where a page starts reading when this device has no verdict yet: WASM first, as it starts in a
 * fraction of WebGL's time (no shaders to compile) and reads these small models faster on most
 * machines; then WebGL, then plain JS. compareBackends then tells whether WebGL is faster here.
 */
export const BACKENDS = ['wasm', 'webgl', 'cpu'];
/** The backends compareBackends times against each other. */
export const CONTENDERS = ['wasm', 'webgl'];

/**
 * The order to start backends in: the device's verdict first, then BACKENDS.
 * @param {{backend: string}|null} verdict what compareBackends found on an earlier visit
 * @returns {string[]}
 */
export function startOrder(verdict) {
  return verdict ? [verdict.backend, ...BACKENDS.filter((name) => name !== verdict.backend)] : BACKENDS;
}

/**
 * The faster of the measured backends: the lowest median reading time, `current` on a tie.
 * @param {Object<string, number>} ms median milliseconds of a warm reading, per backend
 * @param {string} current the backend reading now
 * @returns {string}
 */
export function fasterBackend(ms, current) {
  return Object.keys(ms).reduce((best, name) => (ms[name] < (ms[best] ?? Infinity) ? name : best), current);
}

/**
 * Why a backend reads, as a message of i18n.js's tables (the page words it in its language):
 * "faster here: 3 ms vs 55 ms on webgl". A plain object, so this module needs no page.
 * @param {{backend: string, ms: Object<string, number>}} verdict
 * @returns {{key: string, params?: object}}
 */
export function verdictReason({ backend, ms }) {
  const others = Object.keys(ms).filter((name) => name !== backend);
  if (!(backend in ms) || !others.length) return { key: 'backend.only' };
  const round = (t) => String(t < 10 ? t.toFixed(1) : Math.round(t));
  const slower = others.map((name) => ({ key: 'backend.msOn', params: { ms: round(ms[name]), name } }));
  return { key: 'backend.faster', params: { ms: round(ms[backend]), slower } };
}

/**
 * The verdict kept in `storage` under `key`, or null (none yet, unreadable, or a backend gone).
 * @param {Storage|null} storage e.g. localStorage
 * @param {string} key
 * @returns {{backend: string, ms: Object<string, number>}|null}
 */
export function recallVerdict(storage, key) {
  try {
    const verdict = JSON.parse(storage?.getItem(key) ?? 'null');
    return verdict && BACKENDS.includes(verdict.backend) && typeof verdict.ms === 'object' ? verdict : null;
  } catch {
    return null; // storage refused (private mode) or an old format: measure again
  }
}

/**
 * Keep a verdict for the next visits on this device; a storage that refuses only costs a new measurement.
 * @param {Storage|null} storage
 * @param {string} key
 * @param {{backend: string, ms: Object<string, number>}} verdict
 */
export function rememberVerdict(storage, key, verdict) {
  try {
    storage?.setItem(key, JSON.stringify(verdict));
  } catch (err) {
    console.warn('could not keep the backend verdict', err);
  }
}

/**
 * Backends whose script the page loads only when it starts or times them: WebGL is a third of
 * TF.js, and most first visits read on WASM. Served from the vendor folder chooseBackend is given.
 */
export const ON_DEMAND = { webgl: 'tf-backend-webgl.min.js' };
let vendorFolder = '/static/vendor/'; // or {file name: URL}: see chooseBackend
const scripts = new Map(); // URL -> Promise of its loading

/** Add a classic <script> to the page once; resolves when it has run. */
function loadScript(url) {
  if (!scripts.has(url)) {
    scripts.set(
      url,
      new Promise((resolve, reject) => {
        const script = Object.assign(document.createElement('script'), { src: url, async: true });
        script.onload = resolve;
        script.onerror = () => reject(new Error(`${url} did not load`));
        document.head.append(script);
      }),
    );
  }
  return scripts.get(url);
}

/**
 * Whether backend `name` is registered with TF.js, after loading its script if it is ON_DEMAND.
 * @param {string} name
 * @returns {Promise<boolean>}
 */
export async function backendAvailable(name) {
  if (!tf.findBackendFactory(name) && ON_DEMAND[name] && typeof document === 'object') {
    await loadScript(vendorFileUrl(vendorFolder, ON_DEMAND[name])).catch((err) => console.warn(err.message));
  }
  if (name === 'webgl' && tf.findBackendFactory(name)) {
    // Each canvas crops to a different size; shape uniforms let WebGL reuse one compiled
    // shader per op instead of compiling a new one for every new shape. (The flag exists once
    // the WebGL script has run.)
    tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  }
  return Boolean(tf.findBackendFactory(name));
}

/** The median of a few numbers. */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/**
 * Time `read` on each backend of `contenders` that starts here, warm (one untimed reading first:
 * shaders compile, weights move), then leave TF.js on the fastest and return the verdict.
 * A backend already slower than the best by `giveUp` times on its first timed reading is dropped.
 * Callers run it between readings: it switches tf's backend while it runs.
 * @param {() => Promise<unknown>} read one reading, e.g. () => warmUp(classifier)
 * @param {{contenders?: string[], runs?: number, giveUp?: number}} options
 * @returns {Promise<{backend: string, ms: Object<string, number>}>}
 */
export async function compareBackends(read, { contenders = CONTENDERS, runs = 3, giveUp = 3 } = {}) {
  const current = tf.getBackend();
  const ms = {};
  for (const name of [current, ...contenders.filter((c) => c !== current)]) {
    if (!contenders.includes(name) || !(await backendAvailable(name))) continue;
    try {
      if (!(await tf.setBackend(name))) continue;
      await read();
      const times = [];
      while (times.length < runs) {
        const started = performance.now();
        await read();
        times.push(performance.now() - started);
        if (times[0] > giveUp * Math.min(...Object.values(ms))) break;
      }
      ms[name] = median(times);
    } catch (err) {
      console.warn(`TF.js backend ${name} could not be measured`, err);
    }
  }
  const backend = fasterBackend(ms, current);
  await tf.setBackend(backend);
  return { backend, ms };
}

/** True when the classic script vendor/tf-base.min.js has defined the global `tf`. */
export function tfLoaded() {
  return typeof tf === 'object' && tf !== null && typeof tf.loadLayersModel === 'function';
}

/**
 * The URL of a TF.js file that the page loads at run time.
 * @param {string|Object<string, string>} vendor a folder URL, or each file's URL by its name
 * @param {string} name e.g. 'tf-backend-webgl.min.js'
 */
export function vendorFileUrl(vendor, name) {
  return typeof vendor === 'string' ? `${vendor}${name}` : vendor[name];
}

/**
 * Start the first backend of `order` that works here, and return its name.
 * @param {string[]} order backend names, preferred first
 * @param {string|Object<string, string>} vendorUrl the TF.js files loaded at run time (the .wasm
 *   binaries and ON_DEMAND's scripts): their folder's URL, or each one's URL by its file name, as
 *   the page gives them with their versions (data-vendor-files, assets.py) so that browsers keep them
 * @returns {Promise<string>}
 */
export async function chooseBackend(order = BACKENDS, vendorUrl = vendorFolder) {
  // The WASM backend fetches its binaries at run time: from a folder, or from a URL per binary.
  tf.wasm?.setWasmPaths(vendorUrl);
  vendorFolder = vendorUrl;
  for (const name of order) {
    if (!(await backendAvailable(name))) continue; // e.g. the WASM script failed to load
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

/**
 * Start TF.js on the backend this device's verdict names (kept in storage under key), else in
 * BACKENDS order. verdict is null when there is none yet, or its backend did not start.
 * @param {Storage|null} storage
 * @param {string} key
 * @param {string} vendorUrl as chooseBackend's
 * @returns {Promise<{backend: string, verdict: {backend: string, ms: Object<string, number>}|null}>}
 */
export async function startBackend(storage, key, vendorUrl) {
  const known = recallVerdict(storage, key);
  const backend = await chooseBackend(startOrder(known), vendorUrl);
  return { backend, verdict: known?.backend === backend ? known : null };
}

/**
 * compareBackends, then keep its verdict in storage under key for the next visits.
 * @param {() => Promise<unknown>} read one reading
 * @param {Storage|null} storage
 * @param {string} key
 */
export async function settleBackend(read, storage, key) {
  const verdict = await compareBackends(read);
  rememberVerdict(storage, key, verdict);
  return verdict;
}

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

/**
 * loadModel for a digit classifier, warmed up unless `warm()` says no when it has loaded: a
 * drawing made while it loaded is read at once, and that first reading warms it up as well.
 * @param {string} baseUrl
 * @param {Function|null} onProgress as loadModel's
 * @param {() => boolean} warm
 */
export async function loadClassifier(baseUrl, onProgress = null, warm = () => true) {
  const classifier = await loadModel(baseUrl, onProgress);
  if (warm()) await warmUp(classifier);
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
