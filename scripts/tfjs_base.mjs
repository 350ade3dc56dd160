// The TF.js every page starts with, bundled by scripts/vendor_tfjs.mjs into
// web/static/vendor/tf-base.min.js (global `tf`): core, the layers API the models load with,
// the plain-JS backend and the chained ops (tensor.div(...)) the page's code uses.
// What the tfjs union bundle adds is left out: the converter and tf.data, which the page never
// uses, and the WebGL backend, which model.js loads from its own file when it starts or times it.
// The WASM and WebGL backends' own builds add themselves to this global `tf`, so they must find
// everything they import from core and the CPU backend on it.
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
export * from '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
