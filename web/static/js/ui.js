// Small DOM verbs that the pages share: app.js (drawing), photo.js (house numbers) and pwa.js.
// Touches only the elements it is handed (or finds by id for its caller: #load-progress),
// document.body's data-ready, and hands out localStorage (deviceStorage); it holds no state of
// its own (a downloadMeter keeps its models' progress) and never calls tf.

/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/** A probability as the pages show it: 0.973 -> "97.3%". */
export const percent = (p) => `${(p * 100).toFixed(1)}%`;

/** A function that puts a sentence in this status line (an aria-live region: screen readers say it). */
export function statusLine(element) {
  return (text) => {
    element.textContent = text;
  };
}

/** A function that shows an error in this box, or hides the box when the text is empty. */
export function errorBox(element) {
  return (text) => {
    element.textContent = text;
    element.hidden = !text;
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
 * Show which TF.js backend reads and why: the name in `nameElement`, the reason in `whyElement`.
 * @param {HTMLElement} nameElement
 * @param {HTMLElement|null} whyElement
 * @param {string} name e.g. "wasm"
 * @param {string} why e.g. "faster here: 3 ms vs 55 ms on webgl"
 */
export function showBackend(nameElement, whyElement, name, why) {
  nameElement.textContent = name;
  if (whyElement) whyElement.textContent = why ? `(${why})` : '';
}

/** Resolves when the page is idle (requestIdleCallback; a timer where there is none). */
export function whenIdle(timeoutMs = 2000) {
  return new Promise((resolve) =>
    window.requestIdleCallback ? requestIdleCallback(() => resolve(), { timeout: timeoutMs }) : setTimeout(resolve, 0),
  );
}

/** Bytes as the pages show them: 297 KB, 2.5 MB. */
export function bytesText(bytes) {
  return bytes < 1e6 ? `${Math.round(bytes / 1e3)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
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
    const amount = sized ? `${bytesText(loaded)} of ${bytesText(total)}` : bytesText(loaded);
    element.querySelector('.load-text').textContent = done
      ? `Models loaded: ${bytesText(loaded)}`
      : `Downloading the models: ${amount} (${Math.round(share * 100)}%)`;
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
    throw new Error(`“${file.name}” is not an image this browser can open. Choose a JPEG, PNG or WebP photo.`);
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
