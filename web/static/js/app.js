// Wires the drawing page: draw -> preprocess -> model -> decode -> page. In digit mode a drawing is
// read twice, by its image (the classifier) and by its movement (the stroke reader), and the two
// readings are fused (decode.js fuseReadings).
// Touches the drawing page's own elements (found by id below) and their keyboard, click and
// change events (keys on a canvas: C clears, E toggles the eraser, Ctrl+Z undoes); draw.js owns
// the canvases' pointer and wheel events, ui.js the shared DOM verbs. TF.js, the models and the
// readings run in the reading worker (readerClient.js, readings.js): the page sends it pixels and
// strokes and shows what comes back, so it answers the pen while a drawing is read.

import { decodeDigit } from './decode.js';
import { BRUSHES, NUMBER_CANVAS, createDrawingPad } from './draw.js';
import { numberView } from './numberView.js';
import { recallVerdict, rememberVerdict, verdictReason } from './backend.js';
import { plainPixels, startReader } from './readerClient.js';
import {
  byId as $,
  deviceStorage,
  downloadMeter,
  errorBox,
  percent,
  setPageState,
  showBackend,
  showConfidence,
  showNoBackend,
  showReadingPlace,
  span,
  statusLine,
  whenIdle,
} from './ui.js';

const ui = {
  canvas: $('draw-canvas'),
  clear: $('clear'),
  undo: $('undo'),
  eraser: $('eraser'),
  brush: $('brush'),
  modelSelect: $('model-select'),
  predict: $('predict'),
  prediction: $('prediction'),
  confidence: $('confidence'),
  disagreement: $('disagreement'),
  status: $('status'),
  error: $('error'),
  bars: $('bars'),
  preview: $('preview'),
  backend: $('backend'),
  backendWhy: $('backend-why'),
  readerWhere: $('reader-where'),
  modeSelect: $('mode-select'),
  numberPad: $('number-pad'),
  numberCanvas: $('number-canvas'),
  numberBoxes: $('number-boxes'),
  digitReading: $('digit-reading'),
  details: $('details'),
  numberReading: $('number-reading'),
  numberPrediction: $('number-prediction'),
  numberConfidence: $('number-confidence'),
  numberDigits: $('number-digits'),
  numberPhotoBar: $('number-photo-bar'),
  numberPhotoInput: $('number-photo-input'),
  numberPhotoFigure: $('number-photo-figure'),
  numberPhotoInk: $('number-photo-ink'),
};
const modelsUrl = document.body.dataset.modelsUrl;
const vendorFiles = JSON.parse(document.body.dataset.vendorFiles); // {file name: versioned URL}
const workerUrl = document.body.dataset.readerWorker; // the reading worker's script, bundled
const VERDICT_KEY = 'digit-reader:backend:draw'; // localStorage: which backend reads faster on this device
const meter = downloadMeter($('load-progress')); // bytes and percentage while models download

// --- small verbs on the page ----------------------------------------------------------

const showStatus = statusLine(ui.status);
const showError = errorBox(ui.error);
const showDisagreementLine = statusLine(ui.disagreement);
const hideError = () => showError('');

function setReady(state) {
  setPageState(state);
  ui.predict.disabled = state !== 'true';
}

/** One row per class: digit, bar, percentage. Rebuilt only when the classes change. */
function buildBars(classes) {
  if (ui.bars.children.length === classes.length) return;
  ui.bars.replaceChildren(
    ...classes.map((label) => {
      const row = document.createElement('li');
      const track = span('bar-track', span('bar-fill'));
      track.setAttribute('aria-hidden', 'true'); // the percentage beside it says the same in words
      row.append(span('bar-label', label), track, span('bar-value'));
      return row;
    }),
  );
}

function showBars(probabilities, best) {
  [...ui.bars.children].forEach((row, i) => {
    const p = probabilities ? probabilities[i] : 0;
    row.querySelector('.bar-fill').style.setProperty('--p', String(p));
    row.querySelector('.bar-value').textContent = probabilities ? percent(p) : '';
    row.classList.toggle('best', i === best);
  });
}

/** Paint the model's 28x28 input (light ink on black) into the small preview canvas. */
function showPreview(input) {
  const ctx = ui.preview.getContext('2d');
  const size = ui.preview.width;
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const level = input ? Math.round(Math.min(1, Math.max(0, input[i])) * 255) : 0;
    image.data.set([level, level, level, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

function showReading(result, classes) {
  ui.prediction.textContent = classes[result.digit];
  showConfidence(ui.confidence, result.confidence);
  showStatus('draw.readDigit', { digit: classes[result.digit] });
}

/** Say what each model read when the shape and the movement read different digits; hide the line otherwise. */
function showDisagreement(reading, classes) {
  const best = (values) => decodeDigit(values).digit;
  const differ = Boolean(reading?.disagree);
  if (differ) {
    const params = { shape: classes[best(reading.image)], movement: classes[best(reading.strokes)] };
    showDisagreementLine('draw.disagree', params);
  } else showDisagreementLine('');
  ui.disagreement.hidden = !differ;
}

function showEmpty() {
  ui.prediction.textContent = '';
  showConfidence(ui.confidence, null);
  showDisagreement(null);
  showBars(null, -1);
  showPreview(null);
  showStatus('draw.empty');
}

// --- number mode -----------------------------------------------------------------------

/** Show one mode's canvas and reading, hide the other's; CSS widens the pad in number mode. */
function showMode(mode) {
  const number = mode === 'number';
  document.body.dataset.mode = mode;
  ui.canvas.hidden = number;
  ui.numberPad.hidden = !number;
  ui.digitReading.hidden = number;
  if (number) showDisagreement(null);
  ui.details.hidden = number;
  ui.numberReading.hidden = !number;
  ui.numberPhotoBar.hidden = !number;
  ui.numberPhotoFigure.hidden = !number || !hook.lastPhoto;
}

const { showNumberBoxes, showPhotoInk, showNumber, showNumberEmpty } = numberView(ui, showStatus);

// --- state -------------------------------------------------------------------------------

let engine = null; // readerClient.js's reader: the worker, or the page itself where there is none
/** A model on the reading side: its name there and its metadata. */
async function loadOn(name, kind, progress) {
  const metadata = await engine.call('load', { name, url: `${modelsUrl}${name}/`, kind }, progress);
  return { name, metadata };
}

const classifiers = new Map(); // model name -> Promise of {name, metadata}, loaded once each
let active = null; // the classifier predictions use now
let numberReader = null; // Promise of the number reader (null if it failed), loaded on number mode's first use

/** The number reader, loading it the first time. Without it, numbers are read digit by digit. */
function useNumberReader() {
  numberReader ??= loadOn('number_reader', 'numberReader', meter.track('number_reader')).then(
    (reader) => {
      hook.numberReader = `${reader.metadata.name}@${reader.metadata.version}`;
      return reader;
    },
    (err) => {
      showError('error.numberReader', { message: err.message });
      return null;
    },
  );
  return numberReader;
}
// The stroke reader: loaded in the background once the first classifier reads (the first reading
// waits for nothing more), then read beside the classifier its metadata names (fusion.with).
let strokeReader = null; // {name, metadata} once loaded
let strokeReading = null; // Promise of the stroke reader (null if it failed), started once
let markStrokeReader;
const strokeReaderLoaded = new Promise((resolve) => (markStrokeReader = resolve));
let strokeProgress = null; // its share of the download bar, set up when the classifier starts loading

/** Load the stroke reader, once; a drawing made meanwhile is read again with it. Never rejects. */
function useStrokeReader() {
  strokeReading ??= loadOn('stroke_reader', 'strokeReader', strokeProgress).then(
    (reader) => {
      strokeReader = reader;
      hook.strokeReader = `${reader.metadata.name}@${reader.metadata.version}`;
      markStrokeReader(hook.strokeReader);
      if (hook.mode === 'digit' && !pad.isBlank()) requestPrediction();
      return reader;
    },
    (err) => {
      // The image alone still reads every drawing, as before the stroke reader existed.
      console.warn('the stroke reader could not be loaded; drawings are read by their image alone', err);
      strokeProgress({ loaded: 0, total: 0, fraction: 1 }); // nothing more to wait for in the bar
      markStrokeReader(null);
      return null;
    },
  );
  return strokeReading;
}

/** The stroke reader, when drawings read with `classifier` are read with it too; else null. */
const fusedWith = (classifier) =>
  strokeReader && classifier.metadata.name === strokeReader.metadata.fusion?.with ? strokeReader : null;

let wanted = ui.modelSelect.value;
let running = null; // the prediction loop's promise while it runs
let again = false; // the drawing changed since the loop last read it
// Number mode reads once the pen rests, not after every stroke: a number takes many
// strokes, and reading all of it each time would keep the page busy while a person writes.
const NUMBER_PAUSE_MS = 350;
let pause = null; // {timer, done: Promise, resolve} while a reading waits for the pen to rest
let markReady;
let markFailed;
const ready = new Promise((resolve, reject) => {
  markReady = resolve;
  markFailed = reject;
});
ready.catch(() => {}); // the page shows the error itself; tests may still await the rejection

const hook = {
  ready,
  backend: null,
  verdict: null, // {backend, ms: {wasm, webgl}}: compareBackends' measurement, now or on an earlier visit
  settled: null, // Promise of the verdict, once the page has started
  model: null, // "<name>@<version>" of the classifier in use
  lastInput: null, // Float32Array(28 * 28): what the model read last
  lastProbabilities: null, // the 10 probabilities shown: fused in digit mode when both models read
  lastResult: null, // decodeDigit's output
  // Digit mode, per reading: {way: "fused" or "image", image, strokes, fused (each model's 10
  // probabilities; strokes and fused null when the image alone read), disagree, imageWeight,
  // points: the strokes read ({x, y} canvas pixels) or null}
  lastReading: null,
  strokeReader: null, // "name@version" once the stroke reader is loaded
  strokeReaderLoaded, // Promise of that name once loaded (null if it failed)
  mode: ui.modeSelect.value, // "digit" or "number"
  lastNumber: null, // number mode: {number, confidence, digits: [{digit, confidence, box}]}
  numberReader: null, // "name@version" once the number reader is loaded
  lastPhoto: null, // {name, width, height} of the last photo of a number read
  photosRead: 0, // photos whose reading finished, read or refused
  predictions: 0,
  lastReadMs: null, // how long the last reading took, preprocessing included
  whenIdle: () => pause?.done ?? running ?? Promise.resolve(),
  numTensors: () => engine.call('numTensors'),
  tfBackend: () => engine.call('backend'), // the backend the reading side is on now
  resources: () => engine.call('resources'), // Resource Timing where the models download
  inWorker: null, // true where the models read in a worker, false where on the page itself
  pointerType: () => activePad().lastPointerType(),
};
window.digitApp = hook; // read by the browser tests; harmless to people

/** The wheel over a canvas: the next brush up (+1) or down (-1) in the Brush control, if there is one. */
function stepBrush(step) {
  const index = ui.brush.selectedIndex + step;
  if (index < 0 || index >= ui.brush.options.length) return;
  ui.brush.selectedIndex = index;
  ui.brush.dispatchEvent(new Event('change')); // as if picked by hand: one path sets the brush
}

let lastStroke = 0; // performance.now() when the last stroke ended (or the page became ready)
const pad = createDrawingPad(ui.canvas, {
  brush: Number(ui.brush.value),
  onStrokeEnd: () => {
    lastStroke = performance.now();
    requestPrediction();
  },
  onBrushStep: stepBrush,
});
const numberPad = createDrawingPad(ui.numberCanvas, {
  ...NUMBER_CANVAS,
  brush: Number(ui.brush.value),
  onStrokeEnd: () => {
    lastStroke = performance.now();
    requestAfterPause();
  },
  onBrushStep: stepBrush,
});
const activePad = () => (hook.mode === 'number' ? numberPad : pad);

async function readNumberOnce() {
  if (numberPad.isBlank()) {
    hook.lastNumber = null;
    showNumberEmpty();
    return;
  }
  try {
    const started = performance.now();
    const [pixels, transfer] = plainPixels(numberPad.imageData());
    const args = { name: active.name, pixels, numberReader: (await useNumberReader())?.name };
    const result = await engine.call('readNumber', args, null, transfer);
    hook.lastReadMs = performance.now() - started;
    hook.lastNumber = result;
    hook.predictions += 1;
    showNumber(result, active.metadata.classes);
  } catch (err) {
    if (err.name !== 'EmptyImageError' && err.name !== 'NoNumberError') throw err;
    hook.lastNumber = null;
    showNumberEmpty(); // everything was erased
    if (err.name === 'NoNumberError') showStatus('draw.noDigit');
  }
}

async function predictOnce() {
  if (!active) return;
  if (hook.mode === 'number') {
    await readNumberOnce();
    return;
  }
  if (pad.isBlank()) {
    hook.lastInput = hook.lastProbabilities = hook.lastResult = hook.lastReading = null;
    showEmpty();
    return;
  }
  const classes = active.metadata.classes;
  try {
    const started = performance.now();
    const reader = fusedWith(active);
    // Both from the same moment: after an eraser stroke the points no longer describe the ink (null).
    const [[pixels, transfer], points] = [plainPixels(pad.imageData()), reader ? pad.inkStrokes() : null];
    const args = { name: active.name, pixels, points, strokeReader: reader?.name };
    const { input, reading } = await engine.call('readDrawing', args, null, transfer);
    hook.lastReadMs = performance.now() - started;
    const probabilities = reading.fused ?? reading.image;
    const result = decodeDigit(probabilities);
    Object.assign(hook, { lastInput: input, lastProbabilities: probabilities, lastResult: result });
    hook.lastReading = reading;
    hook.predictions += 1;
    showReading(result, classes);
    showBars(probabilities, result.digit);
    showDisagreement(reading, classes);
    showPreview(input);
  } catch (err) {
    if (err.name !== 'EmptyImageError') throw err;
    hook.lastInput = hook.lastProbabilities = hook.lastResult = hook.lastReading = null;
    showEmpty(); // everything was erased
  }
}

/** Read the canvas soon; strokes that end while a reading runs are read right after it. */
function requestPrediction() {
  again = true;
  running ??= (async () => {
    try {
      while (again) {
        again = false;
        await predictOnce();
      }
    } catch (err) {
      showError('error.reading', { message: err.message });
    } finally {
      running = null;
    }
  })();
  return running;
}

/** Run `work` while no reading runs; readings asked for meanwhile run right after it. */
async function betweenReadings(work) {
  while (running) await running;
  running = (async () => {
    try {
      return await work();
    } finally {
      running = null;
      if (again) requestPrediction();
    }
  })();
  return running;
}

// Timing WebGL compiles its shaders, which holds the page for a moment (seconds on a software
// GPU): it waits until nobody has drawn for this long.
const QUIET_MS = 2000;

/** Resolves once the page is idle, no pen is down and no stroke has ended for QUIET_MS. */
async function quietMoment() {
  for (;;) {
    await whenIdle();
    const left = lastStroke + QUIET_MS - performance.now();
    if (left <= 0 && !pad.isDrawing() && !numberPad.isDrawing()) return;
    await new Promise((resolve) => setTimeout(resolve, Math.max(left, 100)));
  }
}

/**
 * The backend: keep the device's verdict, or (first visit) time the others against the one that
 * started, at a quiet moment, and switch if one reads faster here. Resolves to the verdict.
 */
async function settle(verdict) {
  if (verdict) return verdict;
  lastStroke = Math.max(lastStroke, performance.now()); // the quiet time counts from ready
  await quietMoment();
  // A reading now runs both models: time both.
  const warm = [['warmUp', { name: active.name }]];
  if (strokeReader) warm.push(['warmUpStrokes', { name: strokeReader.name }]);
  const found = await betweenReadings(() => engine.call('settle', { warm }));
  rememberVerdict(deviceStorage(), VERDICT_KEY, found);
  hook.backend = found.backend;
  showBackend(ui.backend, ui.backendWhy, found.backend, verdictReason(found));
  return found;
}

/** Read the canvas once no stroke has ended for NUMBER_PAUSE_MS; resolves when that reading is done. */
function requestAfterPause() {
  if (pause) clearTimeout(pause.timer);
  else {
    pause = {};
    pause.done = new Promise((resolve) => (pause.resolve = resolve));
  }
  pause.timer = setTimeout(() => {
    const waited = pause;
    pause = null;
    requestPrediction().then(waited.resolve, waited.resolve);
  }, NUMBER_PAUSE_MS);
  return pause.done;
}

async function useModel(name) {
  wanted = name;
  setReady('false');
  showStatus('draw.loadingNamed', { name: ui.modelSelect.selectedOptions[0].textContent });
  if (!classifiers.has(name)) {
    // Warmed up unless a drawing waits: its own first reading warms the model up as well.
    const loading = loadOn(name, 'model', meter.track(name)).then(async (classifier) => {
      if (activePad().isBlank()) await engine.call('warmUp', { name });
      return classifier;
    });
    classifiers.set(name, loading);
  }
  try {
    const classifier = await classifiers.get(name);
    if (wanted !== name) return; // the user switched again while this one loaded
    active = classifier;
    hook.model = `${classifier.metadata.name}@${classifier.metadata.version}`;
    buildBars(classifier.metadata.classes);
    hideError();
    setReady('true');
    markReady(hook.backend);
    if (hook.mode === 'number') showNumberEmpty();
    else showEmpty();
    requestPrediction();
  } catch (err) {
    classifiers.delete(name); // let a later switch try again
    if (wanted !== name) return;
    setReady('error');
    showStatus('draw.modelFailed');
    showError('error.model', { name, message: err.message });
    markFailed(err);
  }
}

// --- a photo of a written number -----------------------------------------------------------

const PHOTO_SIDE = 1600; // photos are read at most this long: 12 MP takes seconds more and reads no better

async function readPhoto(file) {
  if (!file || !active) return;
  hideError();
  showStatus('draw.readingPhoto', { name: file.name });
  try {
    // Decoded and kept by the reading side, which reads it (no pixels given) and makes its ink.
    const { width, height } = await engine.call('openPhoto', { file, maxSide: PHOTO_SIDE, show: false });
    const started = performance.now();
    const args = { name: active.name, numberReader: (await useNumberReader())?.name };
    const result = await engine.call('readNumber', args);
    hook.lastReadMs = performance.now() - started;
    hook.lastNumber = result;
    hook.lastPhoto = { name: file.name, width, height };
    hook.predictions += 1;
    showNumber(result, active.metadata.classes);
    showNumberBoxes([]); // the boxes belong to the photo, not to the drawing
    showPhotoInk(await engine.call('numberInk', { name: active.name }), result.digits);
    showStatus('draw.readPhoto', { name: file.name, number: ui.numberPrediction.textContent });
  } catch (err) {
    hook.lastNumber = null;
    showNumberEmpty();
    if (err.name === 'EmptyImageError') showError('error.blankPhoto', { name: file.name });
    else if (err.name === 'NoNumberError') showError('error.noNumberPhoto', { name: file.name });
    else showError(err);
  } finally {
    ui.numberPhotoInput.value = ''; // the same file chosen again is read again
    hook.photosRead += 1;
  }
}

// --- controls ----------------------------------------------------------------------------

function clearCanvas() {
  activePad().clear();
  requestPrediction();
}

function undoStroke() {
  activePad().undo();
  requestPrediction();
}

function useMode(mode) {
  hook.mode = mode;
  if (mode === 'number') useNumberReader();
  showMode(mode);
  requestPrediction();
}

ui.clear.addEventListener('click', clearCanvas);
ui.undo.addEventListener('click', undoStroke);
ui.predict.addEventListener('click', () => requestPrediction());
function toggleEraser() {
  const on = ui.eraser.getAttribute('aria-pressed') !== 'true';
  ui.eraser.setAttribute('aria-pressed', String(on));
  pad.setEraser(on);
  numberPad.setEraser(on);
}

ui.eraser.addEventListener('click', toggleEraser);
ui.brush.addEventListener('change', () => {
  const brush = Number(ui.brush.value) || BRUSHES.medium;
  pad.setBrush(brush);
  numberPad.setBrush(brush);
});
ui.modeSelect.addEventListener('change', () => useMode(ui.modeSelect.value));
ui.numberPhotoInput.addEventListener('change', () => readPhoto(ui.numberPhotoInput.files[0]));
ui.modelSelect.addEventListener('change', () => useModel(ui.modelSelect.value));
/** Keys on a focused canvas, as in desktop drawing apps; #draw-help lists them. */
function drawingKeys(event) {
  const key = event.key.toLowerCase();
  const command = event.ctrlKey || event.metaKey;
  if (event.altKey) return;
  if (key === 'backspace' || (command && key === 'z' && !event.shiftKey)) undoStroke();
  else if (command) return; // Ctrl+C, Ctrl+R, ...: the browser's, not ours
  else if (key === 'delete' || key === 'escape' || key === 'c') clearCanvas();
  else if (key === 'e') toggleEraser();
  else return;
  event.preventDefault();
}
ui.canvas.addEventListener('keydown', drawingKeys);
ui.numberCanvas.addEventListener('keydown', drawingKeys);

// --- start -------------------------------------------------------------------------------

async function start() {
  showMode(hook.mode); // a reload may keep the select on "number"
  showEmpty();
  try {
    engine = await startReader(workerUrl, vendorFiles);
  } catch (err) {
    console.error(err);
    setReady('error');
    showNoBackend(ui.backend);
    showStatus('status.cannotStart');
    showError('error.tfMissing');
    markFailed(new Error('TF.js did not load'));
    return;
  }
  hook.inWorker = engine.inWorker;
  showReadingPlace(ui.readerWhere, engine.inWorker);
  const known = recallVerdict(deviceStorage(), VERDICT_KEY);
  let verdict;
  try {
    hook.backend = await engine.call('start', { verdict: known, vendorFiles });
    verdict = known?.backend === hook.backend ? known : null;
    const why = verdict ? verdictReason(verdict) : { key: 'backend.timing' };
    showBackend(ui.backend, ui.backendWhy, hook.backend, why);
  } catch (err) {
    setReady('error');
    showNoBackend(ui.backend);
    showError('error.tfStart', { message: err.message });
    markFailed(err);
    return;
  }
  if (hook.mode === 'number') useNumberReader();
  strokeProgress = meter.track('stroke_reader'); // in the bar from the start: the page downloads both
  await useModel(ui.modelSelect.value);
  if (!active) return;
  hook.settled = (async () => {
    await running; // a drawing made while the classifier loaded is read first, before anything else loads
    await useStrokeReader(); // the backends are timed with it in (or failed): its warm-up never overlaps
    return settle(verdict);
  })().then(
    (found) => (hook.verdict = found),
    (err) => console.warn('the backends could not be compared', err),
  );
}

start();
