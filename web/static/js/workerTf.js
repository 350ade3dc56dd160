// Loads TF.js into the reading worker (readerWorker.js) before the reading modules run, as they find
// it as globalThis.tf when they load: core, layers and CPU, then the WASM backend. The page names
// their versioned URLs in the worker's URL, after the '#' (readerClient.js), so the browser keeps
// them as it keeps every other versioned file (assets.py).

const files = JSON.parse(decodeURIComponent(self.location.hash.slice(1)));
importScripts(files['tf-base.min.js'], files['tf-backend-wasm.min.js']);
