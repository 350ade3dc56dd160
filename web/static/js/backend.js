// Picks the backend TF.js reads on: where a page starts (WASM first on a new device), which is faster
// here by measurement (compareBackends), and that verdict kept per device in the localStorage entry
// it is given (recallVerdict, rememberVerdict). Loads a backend's own build only when it is tried.
// Runs where the models read: in the reading worker (readerWorker.js), or on the page where no worker
// can read; the page itself keeps the verdicts (recallVerdict, rememberVerdict), as a worker has no
// localStorage.

// Looked up at each use, not once when this module loads: the page imports this module for its
// verdicts before (or without) loading TF.js.
const tfjs = () => globalThis.tf;

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

/**
 * Run a classic script once, here: importScripts in a worker, a <script> added to the page
 * elsewhere; resolves when it has run.
 * @param {string} url
 */
export function loadScript(url) {
  if (!scripts.has(url) && typeof importScripts === 'function') {
    scripts.set(url, new Promise((resolve) => resolve(importScripts(url)))); // throws (rejects) where it fails
  }
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
  if (!tfjs().findBackendFactory(name) && ON_DEMAND[name]) {
    await loadScript(vendorFileUrl(vendorFolder, ON_DEMAND[name])).catch((err) => console.warn(err.message));
  }
  if (name === 'webgl' && tfjs().findBackendFactory(name)) {
    // Each canvas crops to a different size; shape uniforms let WebGL reuse one compiled
    // shader per op instead of compiling a new one for every new shape. (The flag exists once
    // the WebGL script has run.)
    tfjs().env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  }
  return Boolean(tfjs().findBackendFactory(name));
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
  const current = tfjs().getBackend();
  const ms = {};
  for (const name of [current, ...contenders.filter((c) => c !== current)]) {
    if (!contenders.includes(name) || !(await backendAvailable(name))) continue;
    try {
      if (!(await tfjs().setBackend(name))) continue;
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
  await tfjs().setBackend(backend);
  return { backend, ms };
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
  tfjs().wasm?.setWasmPaths(vendorUrl);
  vendorFolder = vendorUrl;
  for (const name of order) {
    if (!(await backendAvailable(name))) continue; // e.g. the WASM script failed to load
    try {
      if (await tfjs().setBackend(name)) {
        await tfjs().ready();
        return tfjs().getBackend();
      }
    } catch (err) {
      console.warn(`TF.js backend ${name} failed to start`, err);
    }
  }
  throw new Error(`none of the TF.js backends ${order.join(', ')} could start`);
}
