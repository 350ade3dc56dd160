/**
 * One benchmark per navigation: load a TF.js layers model on one backend, time the first
 * prediction from navigation start, then time warm predictions one at a time.
 *
 * performance.now() counts from navigation start, so "first prediction" includes loading
 * TF.js itself, starting the backend, downloading the model and the first (cold) predict.
 * Each timed prediction uploads a fresh input and awaits data(), as the app does.
 */

const WARMUP = 5; // predictions after the first, untimed: shader and kernel caches settle

/** Median and 95th percentile (nearest rank) of a list of milliseconds. */
export function summarize(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const rank = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, median_ms: rank(0.5), p95_ms: rank(0.95), min_ms: sorted[0], max_ms: sorted[sorted.length - 1] };
}

/** A deterministic input in [0, 1] (a linear congruential generator), the same for every model. */
export function fixedInput(length) {
  const data = new Float32Array(length);
  let state = 12345;
  for (let i = 0; i < length; i += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    data[i] = state / 2147483648;
  }
  return data;
}

async function predictOnce(model, data, shape) {
  const outputs = tf.tidy(() => {
    const y = model.predict(tf.tensor(data, shape));
    return Array.isArray(y) ? y : [y];
  });
  const values = await Promise.all(outputs.map((t) => t.data()));
  outputs.forEach((t) => t.dispose());
  return values;
}

/** Where the run is, for a harness that gives up waiting: a phase name and the times so far. */
const progress = { phase: 'starting', times: [] };
window.benchProgress = progress;

async function run({ model: url, backend, n, maxSeconds }) {
  tf.wasm?.setWasmPaths('/vendor/');
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`backend ${backend} unavailable`);
  const backendReady = performance.now();
  progress.phase = 'model download';
  const model = await tf.loadLayersModel(url);
  const modelLoaded = performance.now();
  const shape = [1, ...model.inputs[0].shape.slice(1)];
  const data = fixedInput(shape.reduce((a, b) => a * b, 1));
  progress.phase = 'first prediction';
  await predictOnce(model, data, shape);
  const firstPrediction = performance.now();
  // The cap covers warm-up too: the 15M-parameter reader takes seconds per prediction on CPU.
  const deadline = firstPrediction + maxSeconds * 1000;
  progress.phase = 'warm-up';
  for (let i = 0; i < WARMUP && performance.now() < deadline; i += 1) await predictOnce(model, data, shape);
  progress.phase = 'timed predictions';
  const times = progress.times;
  while (times.length < n && (times.length < 1 || performance.now() < deadline)) {
    const start = performance.now();
    await predictOnce(model, data, shape);
    times.push(performance.now() - start);
  }
  return {
    backend: tf.getBackend(),
    tfjs_version: tf.version_core, // tf-base.min.js carries core, layers and the backends of one TF.js release
    requested: n,
    warm: summarize(times),
    times, // the harness merges several visits
    first_prediction_ms: firstPrediction, // from navigation start
    phases_ms: {
      tfjs_and_backend: backendReady,
      model_download: modelLoaded - backendReady,
      first_predict: firstPrediction - modelLoaded,
    },
  };
}

const params = new URLSearchParams(window.location.search);
if (params.has('model')) {
  const options = {
    model: params.get('model'),
    backend: params.get('backend') || 'cpu',
    n: Number(params.get('n') || 200),
    maxSeconds: Number(params.get('max_seconds') || 60),
  };
  const box = document.getElementById('result');
  run(options)
    .then((result) => { window.benchResult = result; })
    .catch((error) => { window.benchResult = { error: String(error) }; })
    .finally(() => { box.textContent = JSON.stringify(window.benchResult, null, 2); });
}
