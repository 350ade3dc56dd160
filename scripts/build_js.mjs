// Bundles and minifies the page's own modules into web/static/build/, with source maps that name
// web/static/js/ (the files a person edits; Node's tests import them as they are):
//   app.js, photo.js   each page's script with pwa.js, one ES module per page: the browser fetches one
//                      file instead of a dozen, and i18n.js runs once (its language switch, its tables)
//   readerWorker.js    the reading worker, one classic script: TF.js's own builds are loaded into it
//                      with importScripts (workerTf.js), which a module worker cannot do
// The reading modules a page imports only where it cannot read in a worker (readerClient.js's
// import('./readings.js')) stay in its bundle but run only then. Run by `npm ci` (postinstall), by
// scripts/setup.sh when a module is newer than the bundles, and by the browser tests' servers
// (tests/live_server.py) for the same reason.
import { buildSync } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const js = join(root, 'web', 'static', 'js');
const out = join(root, 'web', 'static', 'build');
const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  sourcemap: 'linked', // <bundle>.map beside it, named by the bundle's last line
  logLevel: 'warning',
};

for (const page of ['app.js', 'photo.js']) {
  buildSync({
    ...common,
    stdin: { contents: `import './${page}';\nimport './pwa.js';\n`, resolveDir: js, sourcefile: `${page} + pwa.js` },
    format: 'esm',
    outfile: join(out, page),
  });
}
buildSync({ ...common, entryPoints: [join(js, 'readerWorker.js')], format: 'iife', outdir: out });
console.log(`our modules bundled into ${out}`);
