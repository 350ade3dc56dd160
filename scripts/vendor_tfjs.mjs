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
  ['@tensorflow/tfjs/dist', ['tf.min.js']],
  ['@tensorflow/tfjs-backend-wasm/dist', ['tf-backend-wasm.min.js']],
];
for (const [dir, names] of copies) {
  for (const name of names) copyFileSync(join(root, 'node_modules', dir, name), join(dest, name));
}
// The WASM backend fetches its .wasm binaries at run time from a path the page sets.
const wasmDir = join(root, 'node_modules', '@tensorflow/tfjs-backend-wasm/dist');
for (const name of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, name), join(dest, name));
}
console.log(`TF.js copied to ${dest}`);
