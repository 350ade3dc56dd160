// Small DOM verbs that the pages share: app.js (drawing), photo.js (house numbers) and pwa.js.
// Touches only the elements it is handed (or finds by id for its caller: #load-progress),
// document.body's data-ready, and hands out localStorage (deviceStorage); it holds no state of
// its own (a downloadMeter keeps its models' progress) and never calls tf. Words go through
// i18n.js's messages, so that a switch of language rewrites what these verbs wrote.

import { MessageError, errorMessage, setMessage, setPlainText } from './i18n.js';

/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/** A probability as the pages show it: 0.973 -> "97.3%". */
export const percent = (p) => `${(p * 100).toFixed(1)}%`;

/**
 * A function that puts a message in this status line (an aria-live region: screen readers say it).
 * @returns {(key: string, params?: object) => void} a key of i18n.js's tables and its parameters
 */
export function statusLine(element) {
  return (key, params) => setMessage(element, key, params);
}

/**
 * A function that shows an error in this box: a message (key and parameters) or a thrown Error
 * (its own message, see i18n.js errorMessage); an empty key hides the box.
 * @returns {(what: string|Error, params?: object) => void}
 */
export function errorBox(element) {
  return (what, params) => {
    const [key, values] = what instanceof Error ? errorMessage(what) : [what, params];
    setMessage(element, key, values);
    element.hidden = !key;
  };
}

/** A span with a class and children (nodes or text). */
export function span(className, ...children) {
  const element = document.createElement('span');
  element.className = className;
  element.append(...children);
  return element;
}

/**
 * One list item per digit read: its label and confidence, marked "unsure" below `sureFrom`.
 * @param {{digit: number, confidence: number}[]} digits
 * @param {(digit: number) => string} label what to show for a digit (the model's class name)
 * @param {number} sureFrom the confidence from which a digit counts as sure
 */
export function digitItems(digits, label, sureFrom) {
  return digits.map((d) => {
    const item = document.createElement('li');
    item.className = d.confidence >= sureFrom ? 'sure' : 'unsure';
    item.append(span('digit-label', label(d.digit)), span('digit-value', percent(d.confidence)));
    return item;
  });
}

/** The page's state for people's scripts and the tests: "false" while loading, "true" when ready, "error". */
export function setPageState(state) {
  document.body.dataset.ready = state;
}

/** Resolves once the page has started: body data-ready leaves "false" (models ready, or failed). */
export function pageStarted() {
  const started = () => document.body.dataset.ready !== 'false';
  return new Promise((resolve) => {
    if (started()) return resolve();
    const observer = new MutationObserver(() => {
      if (!started()) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  });
}

/** This device's localStorage, or null where the browser refuses it (some private modes, sandboxed frames). */
export function deviceStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/**
 * Show which TF.js backend reads and why: the name in `nameElement` (a name in every language),
 * the reason, in brackets, in `whyElement`.
 * @param {HTMLElement} nameElement
 * @param {HTMLElement|null} whyElement
 * @param {string} name e.g. "wasm"
 * @param {{key: string, params?: object}|null} why a message, e.g. model.js verdictReason's
 *   "faster here: 3 ms vs 55 ms on webgl"
 */
export function showBackend(nameElement, whyElement, name, why) {
  setPlainText(nameElement, name);
  if (whyElement) setMessage(whyElement, why ? 'backend.why' : '', { why });
}

/** Say in the backend line that no backend reads: TF.js is missing or failed. */
export function showNoBackend(nameElement) {
  setMessage(nameElement, 'backend.none');
}

/**
 * Say beside the backend where the models read: nothing in the usual case (a worker, off the page's
 * main thread); a note where this browser cannot read in a worker, so the page reads on its own.
 * @param {HTMLElement|null} element
 * @param {boolean} inWorker
 */
export function showReadingPlace(element, inWorker) {
  if (!element) return;
  setMessage(element, inWorker ? '' : 'backend.onPage');
  element.hidden = inWorker;
}

/**
 * A confidence as the pages show it, in this element: "97.3% sure"; null empties it.
 * @param {HTMLElement} element
 * @param {number|null} confidence 0..1
 */
export function showConfidence(element, confidence) {
  if (confidence === null) setMessage(element, '');
  else setMessage(element, 'reading.sure', { percent: percent(confidence) });
}

/** Resolves when the page is idle (requestIdleCallback; a timer where there is none). */
export function whenIdle(timeoutMs = 2000) {
  return new Promise((resolve) =>
    window.requestIdleCallback ? requestIdleCallback(() => resolve(), { timeout: timeoutMs }) : setTimeout(resolve, 0),
  );
}

/**
 * Bytes as the pages show them, "297 KB" or "2.5 MB": a message, whose unit is in the page's language.
 * @param {number} bytes
 * @returns {{key: string, params: {n: string}}}
 */
export function bytesText(bytes) {
  return bytes < 1e6
    ? { key: 'bytes.kb', params: { n: String(Math.round(bytes / 1e3)) } }
    : { key: 'bytes.mb', params: { n: (bytes / 1e6).toFixed(1) } };
}

/**
 * A progress bar (a <progress> and a line of text, in #load-progress) for model downloads,
 * summed over every model being loaded. track(name) gives loadModel's onProgress for one model.
 * The share done is bytes received / bytes expected once every model's sizes are known (TF.js
 * asks for all of a model's shards at once, so its onProgress passes 0.5 when their headers are
 * in), and the mean of TF.js's onProgress fractions until then.
 * @param {HTMLElement|null} element the #load-progress block: a <progress> and a .load-text
 * @returns {{track: (name: string) => (progress: {loaded: number, total: number, fraction: number}) => void}}
 */
export function downloadMeter(element) {
  const models = new Map(); // name -> its last progress
  function show() {
    const all = [...models.values()];
    const loaded = all.reduce((sum, m) => sum + m.loaded, 0);
    const total = all.reduce((sum, m) => sum + m.total, 0);
    const sized = all.every((m) => m.fraction >= 0.5) && total > 0;
    const done = all.every((m) => m.fraction >= 1);
    const share = done ? 1 : sized ? loaded / total : all.reduce((sum, m) => sum + m.fraction, 0) / all.length;
    if (!element) return;
    element.hidden = false;
    element.dataset.done = String(done);
    element.querySelector('progress').value = Math.round(share * 100);
    const amount = sized
      ? { key: 'load.amount', params: { loaded: bytesText(loaded), total: bytesText(total) } }
      : bytesText(loaded);
    const text = element.querySelector('.load-text');
    if (done) setMessage(text, 'load.done', { size: bytesText(loaded) });
    else setMessage(text, 'load.downloading', { amount, percent: Math.round(share * 100) });
  }
  return {
    track(name) {
      models.set(name, { loaded: 0, total: 0, fraction: 0 });
      show();
      return (progress) => {
        models.set(name, progress);
        show();
      };
    },
  };
}

/** Say in #load-progress that the app works without the network (the service worker holds every file). */
export function showOfflineReady() {
  const element = byId('load-progress');
  const note = element?.querySelector('.offline-ready');
  if (!note) return;
  element.hidden = false;
  note.hidden = false;
}

/**
 * File -> {bitmap, original: {width, height}}: an ImageBitmap upright as EXIF says, at most maxSide
 * long, decoded and scaled off the main thread. Throws a readable Error for a file that is no image.
 * @param {File} file
 * @param {number} maxSide
 */
export async function decodePhoto(file, maxSide) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new MessageError('error.notImage', { name: file.name });
  }
  const original = { width: bitmap.width, height: bitmap.height };
  const shrink = Math.min(1, maxSide / Math.max(original.width, original.height));
  if (shrink === 1) return { bitmap, original };
  const resized = await createImageBitmap(bitmap, {
    resizeWidth: Math.max(1, Math.round(original.width * shrink)),
    resizeHeight: Math.max(1, Math.round(original.height * shrink)),
    resizeQuality: 'high',
  });
  bitmap.close();
  return { bitmap: resized, original };
}
