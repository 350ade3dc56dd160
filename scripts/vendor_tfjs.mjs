// Copies the TF.js builds the page needs from node_modules into web/static/vendor/,
// so the server sends the exact npm-locked files and no CDN is ever involved.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dest = join(root, 'web', 'static', 'vendor');
mkdirSync(dest, { recursive: true });

const copies = [
  // UMD builds: they define the global `tf` that the page's modules share, and the
  // WASM backend registers itself on it (its ES build imports a bare specifier).
  // Both are the ES2017 builds, under the names the page loads: the ES5 tf.min.js carries a
  // regenerator runtime that calls Function("r", "regeneratorRuntime = r"), which the page's
  // Content-Security-Policy (no 'unsafe-eval') blocks, so TF.js would not load; and the WASM
  // backend's classes extend tf's, so its build must match. Browsers that run the page's ES
  // modules all run ES2017.
  ['@tensorflow/tfjs/dist', [['tf.es2017.min.js', 'tf.min.js']]],
  ['@tensorflow/tfjs-backend-wasm/dist', [['tf-backend-wasm.es2017.min.js', 'tf-backend-wasm.min.js']]],
];
for (const [dir, names] of copies) {
  for (const [from, to] of names) copyFileSync(join(root, 'node_modules', dir, from), join(dest, to));
}
// The WASM backend fetches its .wasm binaries at run time from a path the page sets.
const wasmDir = join(root, 'node_modules', '@tensorflow/tfjs-backend-wasm/dist');
for (const name of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, name), join(dest, name));
}
console.log(`TF.js copied to ${dest}`);
