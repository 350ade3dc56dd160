// The reading side of both pages, as named operations on plain data: start a backend, load a model,
// read a drawing, a number, a photo. readerWorker.js runs them in a Web Worker, so TF.js, the models
// and every reading stay off the page's main thread; readerClient.js runs them on the page itself
// where a browser cannot read in a worker. Holds the loaded models by name and the photo being read;
// touches no DOM. Results are plain arrays and objects, as model.js returns them.

import { chooseBackend, compareBackends, startOrder } from './backend.js';
import { preprocessHouse } from './houseCrop.js';
import { findHouseNumber } from './locate.js';
import {
  loadModel,
  loadNumberReader,
  loadStrokeReader,
  numberInk,
  readAlone,
  readBoth,
  readDigit,
  readHouseNumber,
  readNumber,
  tensorCount,
  warmUp,
  warmUpStrokes,
} from './model.js';
import { decodePhoto } from './ui.js';

const models = new Map(); // name -> Promise of {model, metadata}
let photo = null; // the photo page's photo, RGBA {data, width, height}, kept here between its readings

const LOADERS = { model: loadModel, numberReader: loadNumberReader, strokeReader: loadStrokeReader };

/** The loaded model `name`: its {model, metadata}; an Error when it was never asked for. */
async function loaded(name) {
  if (!models.has(name)) throw new Error(`the model ${name} is not loaded`);
  return models.get(name);
}

/** A grey photo with a dark block: runs every op of finding and reading once, so the first photo is quick. */
function warmUpPhoto(width = 320, height = 240) {
  const data = new Uint8ClampedArray(width * height * 4).fill(200);
  for (let y = 100; y < 140; y++) data.fill(30, (y * width + 140) * 4, (y * width + 180) * 4);
  return { data, width, height };
}

/**
 * File -> the photo's pixels kept here for the readings that follow, upright as EXIF says, at most
 * maxSide long (ui.js decodePhoto); -> {width, height, original: {width, height}}, and a bitmap of the
 * pixels for the page to show unless `show` is false.
 */
async function openPhoto({ file, maxSide, show = true }) {
  const { bitmap, original } = await decodePhoto(file, maxSide);
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  photo = { data: ctx.getImageData(0, 0, width, height).data, width, height };
  return { bitmap: show ? canvas.transferToImageBitmap() : null, width, height, original };
}

/** The operations, by name: each takes one plain object (and a progress callback where it loads). */
export const OPERATIONS = {
  /** Start the backend the page's kept verdict names, else the default order; -> its name. */
  start: async ({ verdict, vendorFiles }) => chooseBackend(startOrder(verdict), vendorFiles),
  backend: async () => globalThis.tf.getBackend(),
  numTensors: async () => tensorCount(),
  /** Resource Timing of the files fetched here (a worker's are not among the page's): for the benches. */
  resources: async () => performance.getEntriesByType('resource').map((entry) => entry.toJSON()),

  /** Load a model once under `name` (kind: model, numberReader or strokeReader); -> its metadata. */
  async load({ name, url, kind = 'model' }, progress) {
    if (!models.has(name)) models.set(name, LOADERS[kind](url, progress));
    try {
      return (await models.get(name)).metadata;
    } catch (err) {
      models.delete(name); // a later call tries again
      throw err;
    }
  },
  warmUp: async ({ name }) => warmUp(await loaded(name)),
  warmUpStrokes: async ({ name }) => warmUpStrokes(await loaded(name)),

  /**
   * A drawing -> {input (28x28), reading}: read by its image, and by its movement too where `points`
   * and the stroke reader `strokeReader` are given (model.js readBoth, readAlone).
   */
  async readDrawing({ name, pixels, points, strokeReader }) {
    const { input, probabilities } = await readDigit(await loaded(name), pixels);
    const reading = points && strokeReader ? await readBoth(await loaded(strokeReader), probabilities, points) : null;
    return { input, reading: reading ?? readAlone(probabilities) };
  },
  /** A written number in `pixels`, or in the photo kept here. */
  readNumber: async ({ name, pixels, numberReader }) =>
    readNumber(await loaded(name), pixels ?? photo, numberReader ? await loaded(numberReader) : null),
  numberInk: async ({ name, pixels }) => numberInk(await loaded(name), pixels ?? photo),

  openPhoto,
  /** The number found in the photo kept here (or in `pixels`) and read. */
  findHouseNumber: async ({ reader, localizer, pixels }) =>
    findHouseNumber(pixels ?? photo, await loaded(reader), await loaded(localizer)),
  warmUpPhoto: async ({ reader, localizer }) =>
    findHouseNumber(warmUpPhoto(), await loaded(reader), await loaded(localizer)),
  readHouseNumber: async ({ reader, box }) => readHouseNumber(await loaded(reader), photo, box),
  /** The reader's input for `box` of the kept photo, flat: the tests compare it with Python's. */
  async cropInput({ reader, box }) {
    const { metadata } = await loaded(reader);
    return globalThis.tf.tidy(() => Array.from(preprocessHouse(photo, box, metadata.preprocess).dataSync()));
  },

  /**
   * Time each backend on `warm` (operations run in turn, e.g. [['warmUp', {name}]]) and stay on the
   * fastest (backend.js compareBackends); -> the verdict, for the page to keep.
   */
  async settle({ warm }) {
    const read = async () => {
      for (const [op, args] of warm) await OPERATIONS[op](args);
    };
    return compareBackends(read);
  },
};

/**
 * What a result carries that is moved rather than copied to the page: a photo's bitmap, an ink image's data.
 * @returns {Transferable[]}
 */
export function transferables(result) {
  if (result?.bitmap) return [result.bitmap];
  if (result?.data instanceof Float32Array) return [result.data.buffer];
  return [];
}
