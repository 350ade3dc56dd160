// Small DOM verbs that the pages share: app.js (drawing), photo.js (house numbers) and pwa.js.
// Touches only the elements it is handed (or finds by id for its caller) and document.body's
// data-ready; it holds no state and never calls tf.

/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/** A probability as the pages show it: 0.973 -> "97.3%". */
export const percent = (p) => `${(p * 100).toFixed(1)}%`;

/** A function that puts a sentence in this status line (an aria-live region: screen readers say it). */
export function statusLine(element) {
  return (text) => {
    element.textContent = text;
  };
}

/** A function that shows an error in this box, or hides the box when the text is empty. */
export function errorBox(element) {
  return (text) => {
    element.textContent = text;
    element.hidden = !text;
  };
}

/** A span with a class and children (nodes or text). */
export function span(className, ...children) {
  const element = document.createElement('span');
  element.className = className;
  element.append(...children);
  return element;
}

/**
 * One list item per digit read: its label and confidence, marked "unsure" below `sureFrom`.
 * @param {{digit: number, confidence: number}[]} digits
 * @param {(digit: number) => string} label what to show for a digit (the model's class name)
 * @param {number} sureFrom the confidence from which a digit counts as sure
 */
export function digitItems(digits, label, sureFrom) {
  return digits.map((d) => {
    const item = document.createElement('li');
    item.className = d.confidence >= sureFrom ? 'sure' : 'unsure';
    item.append(span('digit-label', label(d.digit)), span('digit-value', percent(d.confidence)));
    return item;
  });
}

/** The page's state for people's scripts and the tests: "false" while loading, "true" when ready, "error". */
export function setPageState(state) {
  document.body.dataset.ready = state;
}

/** Resolves once the page has started: body data-ready leaves "false" (models ready, or failed). */
export function pageStarted() {
  const started = () => document.body.dataset.ready !== 'false';
  return new Promise((resolve) => {
    if (started()) return resolve();
    const observer = new MutationObserver(() => {
      if (!started()) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  });
}

/**
 * File -> {bitmap, original: {width, height}}: an ImageBitmap upright as EXIF says, at most maxSide
 * long, decoded and scaled off the main thread. Throws a readable Error for a file that is no image.
 * @param {File} file
 * @param {number} maxSide
 */
export async function decodePhoto(file, maxSide) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error(`“${file.name}” is not an image this browser can open. Choose a JPEG, PNG or WebP photo.`);
  }
  const original = { width: bitmap.width, height: bitmap.height };
  const shrink = Math.min(1, maxSide / Math.max(original.width, original.height));
  if (shrink === 1) return { bitmap, original };
  const resized = await createImageBitmap(bitmap, {
    resizeWidth: Math.max(1, Math.round(original.width * shrink)),
    resizeHeight: Math.max(1, Math.round(original.height * shrink)),
    resizeQuality: 'high',
  });
  bitmap.close();
  return { bitmap: resized, original };
}
