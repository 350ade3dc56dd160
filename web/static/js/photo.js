// The house-number page: photo -> (localizer finds the box | the person drags one) -> reader -> page.
// Touches the photo page's own elements (found by id below): file input, drop zone, the box's
// pointer events; ui.js holds the shared DOM verbs. The photo is decoded, searched and read in the
// reading worker (readerClient.js, readings.js), so the page answers while it is read; the page keeps
// the backend verdict in localStorage (backend.js).

import { contentBox } from './draw.js';
import { recallVerdict, rememberVerdict, verdictReason } from './backend.js';
import { startReader } from './readerClient.js';
import {
  byId as $,
  deviceStorage,
  digitItems,
  downloadMeter,
  errorBox,
  setPageState,
  showBackend,
  showConfidence,
  showNoBackend,
  showReadingPlace,
  statusLine,
  whenIdle,
} from './ui.js';

const ui = {
  input: $('photo-input'),
  dropZone: $('drop-zone'),
  stage: $('photo-stage'),
  canvas: $('photo-canvas'),
  box: $('crop-box'),
  find: $('find-number'),
  read: $('read-number'),
  result: $('number-result'),
  confidence: $('number-confidence'),
  lowConfidence: $('low-confidence'),
  digits: $('photo-digits'),
  status: $('status'),
  error: $('error'),
  backend: $('backend'),
  backendWhy: $('backend-why'),
  readerWhere: $('reader-where'),
};
const modelsUrl = document.body.dataset.modelsUrl;
const vendorFiles = JSON.parse(document.body.dataset.vendorFiles); // {file name: versioned URL}
const workerUrl = document.body.dataset.readerWorker; // the reading worker's script, bundled
const VERDICT_KEY = 'digit-reader:backend:photo'; // localStorage: which backend reads faster on this device

const MAX_SIDE = 1600; // a 12 MP phone photo is read at this size: plenty for a number, and fast
const MAX_FILE_BYTES = 50 * 1024 * 1024; // larger files are not photos a phone takes
const LOW_CONFIDENCE = 0.5; // below this the page says it is not sure
const MIN_BOX = 4; // photo pixels: a smaller drag is a click, not a box

// --- state --------------------------------------------------------------------------------
let engine = null; // readerClient.js's reader, once the models are in: the worker, or the page itself
const MODELS = { reader: 'house', localizer: 'localizer' }; // the names the reading side loads them under
let photo = null; // {width, height, scale: original pixels per working pixel, name}; the reading side has its pixels
let box = null; // [x, y, w, h] in working pixels (floats while dragging)
let busy = Promise.resolve();

/** For the browser tests: what the page holds and did last. Harmless to people. */
const hook = { ready: false, reads: 0, lastResult: null, lastBox: null, located: null, photoSize: null, verdict: null };
window.housePage = hook;

// --- small verbs --------------------------------------------------------------------------

const showStatus = statusLine(ui.status);
const showError = errorBox(ui.error);

function clearResult() {
  ui.result.textContent = '';
  showConfidence(ui.confidence, null);
  ui.lowConfidence.hidden = true;
  ui.digits.replaceChildren();
  hook.lastResult = null;
}

function showResult(result) {
  ui.result.textContent = result.number + (result.complete ? '' : '…');
  showConfidence(ui.confidence, result.confidence);
  ui.lowConfidence.hidden = result.confidence >= LOW_CONFIDENCE;
  ui.digits.replaceChildren(...digitItems(result.digits, String, LOW_CONFIDENCE));
}

const enableTools = (on) => {
  ui.find.disabled = !on || !photo;
  ui.read.disabled = !on || !photo || !box;
};

/** Run page work one at a time: a read never sees a half-opened photo. */
function serially(work) {
  busy = busy.then(work).catch((err) => {
    console.error(err);
    showError(err);
  });
  return busy;
}

// --- the box: working pixels inside, photo pixels in its data-* attributes ---------------

function wholeBox(b) {
  const [x, y, w, h] = b;
  const left = Math.max(0, Math.min(photo.width - 1, Math.round(x)));
  const top = Math.max(0, Math.min(photo.height - 1, Math.round(y)));
  const right = Math.max(left + 1, Math.min(photo.width, Math.round(x + w)));
  const bottom = Math.max(top + 1, Math.min(photo.height, Math.round(y + h)));
  return [left, top, right - left, bottom - top];
}

function placeBox() {
  if (!box) {
    ui.box.hidden = true;
    return;
  }
  const [x, y, w, h] = box;
  const view = ui.canvas.clientWidth / photo.width; // CSS pixels per working pixel
  Object.assign(ui.box.style, {
    left: `${ui.canvas.offsetLeft + ui.canvas.clientLeft + x * view}px`,
    top: `${ui.canvas.offsetTop + ui.canvas.clientTop + y * view}px`,
    width: `${w * view}px`,
    height: `${h * view}px`,
  });
  const inPhoto = [x, y, w, h].map((v) => Math.round(v * photo.scale));
  [ui.box.dataset.x, ui.box.dataset.y, ui.box.dataset.w, ui.box.dataset.h] = inPhoto.map(String);
  ui.box.hidden = false;
}

function setBox(next) {
  box = next ? wholeBox(next) : null;
  hook.lastBox = box && box.map((v) => Math.round(v * photo.scale));
  placeBox();
  enableTools(true);
}

// --- reading ------------------------------------------------------------------------------

function showReading(result) {
  hook.lastResult = result;
  hook.reads += 1;
  showResult(result);
  showStatus(result.confidence >= LOW_CONFIDENCE ? 'photo.readSure' : 'photo.readUnsure');
}

async function readBox() {
  if (!photo || !box || !hook.ready) return;
  const started = performance.now();
  const result = await engine.call('readHouseNumber', { reader: MODELS.reader, box: wholeBox(box) });
  hook.lastReadMs = performance.now() - started;
  showReading(result);
}

async function findNumber() {
  if (!photo || !hook.ready) return;
  showStatus('photo.looking');
  const started = performance.now();
  const found = await engine.call('findHouseNumber', MODELS);
  hook.lastLocateMs = performance.now() - started;
  hook.located = { box: found.box.map((v) => Math.round(v * photo.scale)), score: found.box_score };
  setBox(found.box);
  showReading(found);
}

// --- opening a photo ----------------------------------------------------------------------

async function openPhoto(file) {
  showError('');
  clearResult();
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) {
    showError('error.tooLarge', { name: file.name, size: Math.round(file.size / 2 ** 20) });
    return;
  }
  if (!engine) return;
  showStatus('photo.opening', { name: file.name });
  // Decoded, scaled and kept by the reading side; the page only shows the bitmap it sends back.
  const { bitmap, original } = await engine.call('openPhoto', { file, maxSide: MAX_SIDE });
  ui.canvas.width = bitmap.width;
  ui.canvas.height = bitmap.height;
  ui.canvas.getContext('bitmaprenderer').transferFromImageBitmap(bitmap);
  photo = {
    width: ui.canvas.width,
    height: ui.canvas.height,
    scale: original.width / ui.canvas.width,
    name: file.name,
  };
  hook.photoSize = [original.width, original.height];
  hook.workingSize = [photo.width, photo.height];
  ui.stage.hidden = false;
  setBox(null);
  await findNumber();
}

// --- dragging the box: mouse, pen and touch alike (Pointer Events) -----------------------

let drag = null; // {mode: 'new' | 'move' | 'nw' | 'ne' | 'sw' | 'se', start: {x, y}, from: box}

function photoPoint(event) {
  const rect = contentBox(ui.canvas);
  const x = ((event.clientX - rect.left) * photo.width) / rect.width;
  const y = ((event.clientY - rect.top) * photo.height) / rect.height;
  return { x: Math.max(0, Math.min(photo.width, x)), y: Math.max(0, Math.min(photo.height, y)) };
}

/** The box two opposite corners span. */
function spanned(a, b) {
  return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(b.x - a.x), Math.abs(b.y - a.y)];
}

/** The box a drag makes: a corner dragged to the pointer, the whole box moved, or a new box. */
function draggedBox({ mode, start, from }, point) {
  if (mode === 'move') {
    const [x, y, w, h] = from;
    const dx = Math.max(-x, Math.min(photo.width - x - w, point.x - start.x));
    const dy = Math.max(-y, Math.min(photo.height - y - h, point.y - start.y));
    return [x + dx, y + dy, w, h];
  }
  if (mode === 'new') return spanned(start, point);
  // A corner follows the pointer by as much as it moved (wherever on the handle it was grabbed);
  // the opposite corner stays put.
  const [x, y, w, h] = from;
  const anchor = { x: mode.includes('w') ? x + w : x, y: mode.includes('n') ? y + h : y };
  const corner = { x: mode.includes('w') ? x : x + w, y: mode.includes('n') ? y : y + h };
  const clamp = (v, max) => Math.max(0, Math.min(max, v));
  return spanned(anchor, {
    x: clamp(corner.x + point.x - start.x, photo.width),
    y: clamp(corner.y + point.y - start.y, photo.height),
  });
}

function startDrag(event) {
  if (!photo || event.button > 0) return;
  const handle = event.target.dataset?.handle;
  const mode = handle || (event.target === ui.box ? 'move' : 'new');
  drag = { mode, start: photoPoint(event), from: box };
  ui.stage.setPointerCapture(event.pointerId);
  event.preventDefault();
}

function moveDrag(event) {
  if (!drag) return;
  box = draggedBox(drag, photoPoint(event));
  placeBox();
  event.preventDefault();
}

function endDrag(event) {
  if (!drag) return;
  const next = draggedBox(drag, photoPoint(event));
  const wasClick = drag.mode === 'new' && (next[2] < MIN_BOX || next[3] < MIN_BOX);
  drag = null;
  if (wasClick) {
    setBox(box && box[2] >= MIN_BOX ? box : null);
    return;
  }
  setBox(next);
  serially(readBox);
}

// --- wiring -------------------------------------------------------------------------------

ui.stage.addEventListener('pointerdown', startDrag);
ui.stage.addEventListener('pointermove', moveDrag);
ui.stage.addEventListener('pointerup', endDrag);
ui.stage.addEventListener('pointercancel', () => {
  drag = null;
  placeBox();
});
ui.input.addEventListener('change', () => serially(() => openPhoto(ui.input.files[0])));
ui.find.addEventListener('click', () => serially(findNumber));
ui.read.addEventListener('click', () => serially(readBox));
window.addEventListener('resize', placeBox);
for (const type of ['dragenter', 'dragover']) {
  ui.dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    ui.dropZone.classList.add('dropping');
  });
}
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('dropping'));
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.dropZone.classList.remove('dropping');
  serially(() => openPhoto(event.dataTransfer.files[0]));
});

/** The reader's input for the current box (5 windows of 54x54x3), flat: tests compare it with Python's. */
hook.cropInput = () => engine.call('cropInput', { reader: MODELS.reader, box: wholeBox(box) });
hook.setBox = (b) => setBox(b.map((v) => v / photo.scale));
hook.tfBackend = () => engine.call('backend'); // the backend the reading side is on now
hook.numTensors = () => engine.call('numTensors');

// --- start --------------------------------------------------------------------------------

async function start() {
  const known = recallVerdict(deviceStorage(), VERDICT_KEY);
  let verdict;
  try {
    engine = await startReader(workerUrl, vendorFiles);
  } catch (err) {
    console.error(err);
    showNoBackend(ui.backend);
    setPageState('error');
    showError('error.tfMissing');
    return;
  }
  hook.inWorker = engine.inWorker;
  showReadingPlace(ui.readerWhere, engine.inWorker);
  try {
    hook.backend = await engine.call('start', { verdict: known, vendorFiles });
    verdict = known?.backend === hook.backend ? known : null;
    const why = verdict ? verdictReason(verdict) : { key: 'backend.timing' };
    showBackend(ui.backend, ui.backendWhy, hook.backend, why);
    const meter = downloadMeter($('load-progress')); // bytes and percentage while the models download
    await Promise.all(
      Object.values(MODELS).map((name) => engine.call('load', { name, url: `${modelsUrl}${name}/` }, meter.track(name))),
    );
    await engine.call('warmUpPhoto', MODELS); // every op once, so the first real photo is quick
  } catch (err) {
    setPageState('error');
    showStatus('status.cannotStart');
    showError('error.models', { message: err.message });
    return;
  }
  hook.ready = true;
  setPageState('true');
  enableTools(true);
  showStatus('photo.ready');
  hook.verdict = verdict ?? (await settle());
}

/** First visit: time the other backends on the warm-up photo, between page work, and keep the faster. */
async function settle() {
  await whenIdle();
  const warm = [['warmUpPhoto', MODELS]];
  const found = await serially(() => engine.call('settle', { warm }));
  if (!found) return null; // serially showed the error
  rememberVerdict(deviceStorage(), VERDICT_KEY, found);
  hook.backend = found.backend;
  showBackend(ui.backend, ui.backendWhy, found.backend, verdictReason(found));
  return found;
}

start();
