// Runs the page's own JS modules in Node with the real @tensorflow/tfjs (CPU backend),
// so Python tests can compare them with their Python twins.
//
//   node tests/js/harness.mjs < request.json > response.json
//
// request: {"op": "preprocess", "images": [{"width", "height", "rgba_base64"}], "config": {...}}
//       or {"op": "preprocess_house", "images": [{"width", "height", "rgba_base64", "box": [x, y, w, h] | null}], "config": {...}}
//       or {"op": "predict", "model_dir": "web/static/models/mnist_cnn", "inputs_base64": "...", "shape": [N, 28, 28, 1]}
//       or {"op": "decode", "probabilities": [[p0, ..., p9], ...]}
//       or {"op": "decode_house", "heads": [[length(6), digit_1(11), ..., digit_5(11)], ...]}
//       or {"op": "read_number", "model_dir": "web/static/models/mnist_cnn", "images": [{"width", "height", "rgba_base64"}]}
//       or {"op": "fit_region", "images": [{"width", "height", "rgba_base64", "region": [x, y, w, h] | null}], "config": {...}}
//       or {"op": "zoom_region", "boxes": [[x, y, w, h], ...], "width", "height", "config": {...}}
//       or {"op": "decode_box", "cells": [[...flat...], ...], "shape": [rows, cols, 5], "stride": 8}
//       or {"op": "read_photo", "reader_dir", "localizer_dir", "images": [{"width", "height", "rgba_base64", "box": [x, y, w, h] | null}]}
//          (box null: found and read as the page's automatic mode does, locate.js findHouseNumber)
//       or {"op": "agreed_reading", "cases": [[{"number", "confidence"}, ...], ...]}
//       or {"op": "number_strip", "images": [{"width", "height", "rgba_base64"}], "config": {...}}
//       or {"op": "number_strips", "images": [{"width", "height", "rgba_base64"}], "config": {...}}
//       or {"op": "ink_image", "images": [{"width", "height", "rgba_base64"}], "config": {...}}
//       or {"op": "decode_frames", "frames": [[...flat...], ...], "classes": 11}
//       or {"op": "frame_boxes", "ink": {"width", "height", "values"}, "placement", "digits", "stride", "threshold"}
//       or {"op": "stroke_features", "drawings": [[[[x, y], ...], ...], ...], "n_points": 64}
//          (each drawing a list of strokes, each stroke a list of [x, y] canvas pixels)
//       or {"op": "fuse_readings", "cases": [{"image": [p0, ..., p9], "strokes": [...], "image_weight": 0.5}, ...]}
//       or {"op": "read_strokes", "model_dir": "web/static/models/stroke_reader", "drawings": [as stroke_features]}
//          -> {"probabilities": [[p0, ..., p9], ...], "leaked_tensors": 0}
//       (read_number also takes "reader_dir": the number reader reads, segmentation gives the boxes)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

globalThis.tf = await import('@tensorflow/tfjs');
const tf = globalThis.tf;
await tf.setBackend('cpu');
// Imported once tf is global: the modules read globalThis.tf when they load.
const { preprocessDigit } = await import('../../web/static/js/digitInput.js');
const { preprocessClean } = await import('../../web/static/js/preprocess.js');
const { inkImage } = await import('../../web/static/js/paperInk.js');
const { numberStrips, preprocessNumberStrip } = await import('../../web/static/js/numberStrip.js');
const { preprocessHouse } = await import('../../web/static/js/houseCrop.js');
const { fitRegion, zoomRegion } = await import('../../web/static/js/photoView.js');
const { decodeBox, decodeDigit, decodeFrames, decodeHouseNumber, frameBoxes, fuseReadings } = await import(
  '../../web/static/js/decode.js'
);
const { strokeFeatures } = await import('../../web/static/js/strokeFeatures.js');

const fromBase64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

function preprocess(request) {
  return request.images.map((image) => {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    try {
      const out = (request.clean ? preprocessClean : preprocessDigit)(pixels, request.config);
      const values = Array.from(out.dataSync());
      out.dispose();
      return { ok: true, values };
    } catch (err) {
      return { ok: false, error: err.name, message: err.message };
    }
  });
}

function preprocessHouseOp(request) {
  return request.images.map((image) => {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    const out = preprocessHouse(pixels, image.box, request.config);
    const result = { shape: out.shape, values: Array.from(out.dataSync()) };
    out.dispose();
    return result;
  });
}

/** An IOHandler that reads model.json and its shards from disk (Node has no fetch of file://). */
function fileHandler(dir) {
  return {
    async load() {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const specs = json.weightsManifest.flatMap((group) => group.weights);
      const shards = json.weightsManifest.flatMap((group) => group.paths).map((p) => readFileSync(join(dir, p)));
      const data = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      };
    },
  };
}

async function predict(request) {
  const model = await tf.loadLayersModel(fileHandler(request.model_dir));
  const bytes = fromBase64(request.inputs_base64);
  const inputs = tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), request.shape);
  const outputs = [].concat(model.predict(inputs));
  const result = {
    output_names: model.outputNames,
    outputs: outputs.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })),
  };
  tf.dispose([inputs, ...outputs]);
  return result;
}

function decode(request) {
  return request.probabilities.map((row) => decodeDigit(row));
}

const request = JSON.parse(readFileSync(0, 'utf8'));
function decodeHouse(request) {
  return request.heads.map(([length, ...digits]) => decodeHouseNumber(length, digits, request.classes));
}

/** The page's number reading (model.js readNumber: inkImage -> segment.js -> classifyCrops) on each image. */
async function readNumberOp(request) {
  const { readNumber } = await import('../../web/static/js/model.js');
  const metadata = JSON.parse(readFileSync(join(request.model_dir, 'metadata.json'), 'utf8'));
  const classifier = { model: await tf.loadLayersModel(fileHandler(request.model_dir)), metadata };
  const reader = request.reader_dir
    ? {
        model: await tf.loadLayersModel(fileHandler(request.reader_dir)),
        metadata: JSON.parse(readFileSync(join(request.reader_dir, 'metadata.json'), 'utf8')),
      }
    : null;
  const results = [];
  for (const image of request.images) {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    try {
      results.push({ ok: true, ...(await readNumber(classifier, pixels, reader)) });
    } catch (err) {
      results.push({ ok: false, error: err.name, message: err.message });
    }
  }
  return results;
}

function fitRegionOp(request) {
  return request.images.map((image) => {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    const out = fitRegion(pixels, image.region, request.config);
    const result = { shape: out.shape, values: Array.from(out.dataSync()) };
    out.dispose();
    return result;
  });
}

function zoomRegionOp(request) {
  return request.boxes.map((box) => zoomRegion(box, request.width, request.height, request.config));
}

function decodeBoxOp(request) {
  return request.cells.map((cells) => decodeBox(cells, request.shape, request.stride));
}

/** The page's photo reading (locate.js + model.js readHouseNumber) on each image. */
async function readPhotoOp(request) {
  const { findHouseNumber } = await import('../../web/static/js/locate.js');
  const { readHouseNumber } = await import('../../web/static/js/model.js');
  const load = async (dir) => ({
    model: await tf.loadLayersModel(fileHandler(dir)),
    metadata: JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')),
  });
  const reader = await load(request.reader_dir);
  const localizer = await load(request.localizer_dir);
  const results = [];
  for (const image of request.images) {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    if (image.box) results.push({ ...(await readHouseNumber(reader, pixels, image.box)), box: image.box });
    else results.push(await findHouseNumber(pixels, reader, localizer));
  }
  return results;
}

async function agreedReadingOp(request) {
  const { agreedReading } = await import('../../web/static/js/decode.js');
  return request.cases.map((readings) => agreedReading(readings));
}

function numberStripOp(request) {
  return request.images.map((image) => {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    try {
      const { strip, placement } = preprocessNumberStrip(pixels, request.config);
      const result = { ok: true, shape: strip.shape, values: Array.from(strip.dataSync()), placement };
      strip.dispose();
      return result;
    } catch (err) {
      return { ok: false, error: err.name, message: err.message };
    }
  });
}

function numberStripsOp(request) {
  return request.images.map((image) => {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    const ink = inkImage(pixels, request.config);
    try {
      return numberStrips(ink, request.config).map(({ strip, placement }) => {
        const result = { shape: strip.shape, values: Array.from(strip.dataSync()), placement };
        strip.dispose();
        return result;
      });
    } finally {
      ink.dispose();
    }
  });
}

function inkImageOp(request) {
  return request.images.map((image) => {
    const pixels = { data: fromBase64(image.rgba_base64), width: image.width, height: image.height };
    try {
      const ink = inkImage(pixels, request.config);
      const result = { ok: true, shape: ink.shape, values: Array.from(ink.dataSync()) };
      ink.dispose();
      return result;
    } catch (err) {
      return { ok: false, error: err.name, message: err.message };
    }
  });
}

function decodeFramesOp(request) {
  return request.frames.map((frames) => decodeFrames(frames, request.classes, request.blank));
}

function frameBoxesOp(request) {
  const ink = { width: request.ink.width, height: request.ink.height, data: Float32Array.from(request.ink.values) };
  return frameBoxes(ink, request.placement, request.digits, request.stride, request.threshold);
}

/** [[x, y], ...] per stroke -> the page's strokes: {x, y} points, as draw.js records them. */
const pagePoints = (drawing) => drawing.map((stroke) => stroke.map(([x, y]) => ({ x, y })));

function strokeFeaturesOp(request) {
  return request.drawings.map((drawing) => {
    try {
      return { ok: true, values: Array.from(strokeFeatures(pagePoints(drawing), request.n_points)) };
    } catch (err) {
      return { ok: false, error: err.name, message: err.message };
    }
  });
}

function fuseReadingsOp(request) {
  return request.cases.map(({ image, strokes, image_weight: weight }) => fuseReadings(image, strokes, weight));
}

/** The page's stroke reading (model.js readStrokes: strokeFeatures -> the model) of each drawing. */
async function readStrokesOp(request) {
  const { readStrokes } = await import('../../web/static/js/model.js');
  const reader = {
    model: await tf.loadLayersModel(fileHandler(request.model_dir)),
    metadata: JSON.parse(readFileSync(join(request.model_dir, 'metadata.json'), 'utf8')),
  };
  const before = tf.memory().numTensors;
  const results = [];
  for (const drawing of request.drawings) results.push(Array.from(await readStrokes(reader, pagePoints(drawing))));
  return { probabilities: results, leaked_tensors: tf.memory().numTensors - before };
}

const handlers = {
  stroke_features: strokeFeaturesOp,
  fuse_readings: fuseReadingsOp,
  read_strokes: readStrokesOp,
  number_strip: numberStripOp,
  number_strips: numberStripsOp,
  ink_image: inkImageOp,
  decode_frames: decodeFramesOp,
  frame_boxes: frameBoxesOp,
  fit_region: fitRegionOp,
  zoom_region: zoomRegionOp,
  decode_box: decodeBoxOp,
  read_photo: readPhotoOp,
  agreed_reading: agreedReadingOp,
  preprocess,
  preprocess_house: preprocessHouseOp,
  predict,
  decode,
  decode_house: decodeHouse,
  read_number: readNumberOp,
};
const response = await handlers[request.op](request);
process.stdout.write(JSON.stringify(response));
