// Builds and copies the TF.js files the page needs from node_modules into web/static/vendor/,
// so the server sends the exact npm-locked code and no CDN is ever involved.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dest = join(root, 'web', 'static', 'vendor');
mkdirSync(dest, { recursive: true });

// tf-base.min.js: core, layers, the CPU backend and the chained ops, bundled from npm by esbuild
// (scripts/tfjs_base.mjs), as TF.js's own size-optimised bundles are made: 0.7 MB where the
// tfjs union bundle is 1.1 MB, most of it the converter and WebGL, which a first visit does not
// need. The backends are their packages' own UMD builds, which add themselves to the global
// `tf`: WASM at once, WebGL when model.js asks for it.
// All are ES2017: the ES5 builds carry a regenerator runtime that calls
// Function("r", "regeneratorRuntime = r"), which the page's Content-Security-Policy (no
// 'unsafe-eval') blocks; and the backends' classes extend core's, so the builds must match.
const copies = [
  ['tfjs-backend-wasm', 'tf-backend-wasm'],
  ['tfjs-backend-webgl', 'tf-backend-webgl'],
];
const copied = new Set(['tf-base.min.js']);
buildSync({
  entryPoints: [join(root, 'scripts', 'tfjs_base.mjs')],
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'tf',
  target: 'es2017',
  legalComments: 'eof', // the packages' Apache-2.0 notices
  outfile: join(dest, 'tf-base.min.js'),
  logLevel: 'warning',
});
for (const [pkg, name] of copies) {
  copyFileSync(join(root, 'node_modules', '@tensorflow', pkg, 'dist', `${name}.es2017.min.js`), join(dest, `${name}.min.js`));
  copied.add(`${name}.min.js`);
}
// The WASM backend fetches its .wasm binaries at run time from a path the page sets.
const wasmDir = join(root, 'node_modules', '@tensorflow/tfjs-backend-wasm/dist');
for (const name of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, name), join(dest, name));
  copied.add(name);
}
// Files an older version put here (tf.min.js): the offline cache takes the whole folder.
for (const name of readdirSync(dest).filter((n) => !copied.has(n))) rmSync(join(dest, name));
console.log(`TF.js built and copied to ${dest}`);
