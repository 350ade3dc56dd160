// The reading worker: TF.js, the models and every reading run here, off the page's main thread, so
// the page answers a click or a stroke while a photo is read. The page (readerClient.js) posts
// {id, op, args}; this posts back {id, progress} while a model downloads, then {id, result} or
// {id, error}. scripts/build_js.mjs bundles this module and those it imports into one classic
// script (build/readerWorker.js): a classic worker can importScripts TF.js's own builds.

import './workerTf.js'; // first: the modules below read globalThis.tf when they load
import { OPERATIONS, transferables } from './readings.js';

/** An Error as plain data: its name (EmptyImageError, NoNumberError, ...) and message, and a message key if any. */
function plainError(err) {
  const { name = 'Error', message = String(err), key, params } = err ?? {};
  return { name, message, key, params };
}

self.onmessage = async ({ data: { id, op, args } }) => {
  const progress = (value) => self.postMessage({ id, progress: value });
  try {
    if (!Object.hasOwn(OPERATIONS, op)) throw new Error(`no reading operation ${op}`);
    const result = await OPERATIONS[op](args ?? {}, progress);
    self.postMessage({ id, result }, transferables(result));
  } catch (err) {
    self.postMessage({ id, error: plainError(err) });
  }
};

self.postMessage({ ready: true }); // TF.js and the modules loaded: the page can send work
