// The page's side of reading: starts the reading worker (readerWorker.js) and sends it work, or, where a
// browser cannot read in a worker, loads TF.js into the page and runs the same operations here
// (readings.js). Either way the page gets one object: reader.call(op, args, onProgress) -> Promise of
// the result, and reader.inWorker says which. Touches no element; loads scripts only in the fallback.

import { loadScript } from './backend.js';
import { MessageError } from './i18n.js';

/** TF.js's own files, loaded where the models read (workerTf.js in the worker). */
export const TF_FILES = ['tf-base.min.js', 'tf-backend-wasm.min.js'];

/**
 * Canvas ImageData -> [plain pixels for the reading side, what to move rather than copy]: a canvas's
 * pixels are read afresh for each reading, so the page has no use for them once sent.
 * @param {ImageData} image
 */
export function plainPixels(image) {
  return [{ data: image.data, width: image.width, height: image.height }, [image.data.buffer]];
}

/** An error as the worker sent it (readerWorker.js plainError) -> an Error with the same name and message key. */
export function reviveError({ name, message, key, params }) {
  const err = key ? new MessageError(key, params) : new Error(message);
  err.name = name;
  return err;
}

/**
 * Start the reading worker; resolves once it has loaded TF.js and the reading modules, rejects
 * where it fails to (no worker, a script that fails to load or to run).
 * @param {string} workerUrl the bundled worker script (build/readerWorker.js)
 * @param {Object<string, string>} vendorFiles each TF.js file's versioned URL, by its name
 */
export function workerReader(workerUrl, vendorFiles) {
  const tfFiles = Object.fromEntries(TF_FILES.map((name) => [name, vendorFiles[name]]));
  const worker = new Worker(`${workerUrl}#${encodeURIComponent(JSON.stringify(tfFiles))}`);
  const pending = new Map(); // id -> {resolve, reject, onProgress}
  let next = 0;
  const reader = {
    inWorker: true,
    call(op, args = {}, onProgress = null, transfer = []) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onProgress });
        worker.postMessage({ id, op, args }, transfer);
      });
    },
  };
  return new Promise((resolve, reject) => {
    worker.onerror = (event) => {
      const err = new Error(event.message || 'the reading worker stopped');
      reject(err); // before it was ready: the page reads on its own thread instead
      for (const call of pending.values()) call.reject(err);
      pending.clear();
    };
    worker.onmessage = ({ data }) => {
      if (data.ready) return resolve(reader);
      const call = pending.get(data.id);
      if (!call) return;
      if ('progress' in data) return call.onProgress?.(data.progress);
      pending.delete(data.id);
      if (data.error) call.reject(reviveError(data.error));
      else call.resolve(data.result);
    };
  });
}

/** The same operations on the page's own thread: TF.js loaded into the page, then readings.js. */
export async function pageReader(vendorFiles) {
  for (const name of TF_FILES) await loadScript(vendorFiles[name]);
  const { OPERATIONS } = await import('./readings.js');
  return { inWorker: false, call: async (op, args = {}, onProgress = null) => OPERATIONS[op](args, onProgress) };
}

/**
 * The reader: in a worker where the browser can run one, else on the page. Rejects where TF.js
 * cannot load at all.
 * @param {string} workerUrl
 * @param {Object<string, string>} vendorFiles
 */
export async function startReader(workerUrl, vendorFiles) {
  if (typeof Worker === 'function' && typeof OffscreenCanvas === 'function' && workerUrl) {
    try {
      return await workerReader(workerUrl, vendorFiles);
    } catch (err) {
      console.warn('reading on the page: the reading worker did not start', err);
    }
  }
  return pageReader(vendorFiles);
}
