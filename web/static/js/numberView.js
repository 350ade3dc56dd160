// What number mode shows: each digit read, outlined on the canvas overlay or on a photo's ink with its
// digit and confidence, and the number with its digits listed. Moved unchanged from app.js, which
// wires the page and hands these functions its elements and status line.

import { digitItems, showConfidence } from './ui.js';

export const SURE_DIGIT = 0.9; // a digit read less surely is shown in red

/**
 * The number mode's views over the page's elements.
 * @param {object} ui app.js's elements: numberBoxes, numberPhotoInk, numberPhotoFigure, numberPrediction,
 *   numberConfidence, numberDigits
 * @param {(key: string, params?: object) => void} showStatus the page's status line
 */
export function numberView(ui, showStatus) {
  /** Outline each digit read on a canvas (the overlay, or the photo's ink), with its digit and confidence above it. */
  function showNumberBoxes(digits, canvas = ui.numberBoxes, scale = 1) {
    const ctx = canvas.getContext('2d');
    if (canvas === ui.numberBoxes) ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 3 * scale;
    ctx.font = `bold ${Math.round(18 * scale)}px system-ui, sans-serif`;
    ctx.textBaseline = 'bottom';
    for (const { digit, confidence, box } of digits) {
      const [x, y, w, h] = box;
      ctx.strokeStyle = ctx.fillStyle = confidence >= SURE_DIGIT ? '#0b5cad' : '#b3261e';
      ctx.strokeRect(x - 4 * scale, y - 4 * scale, w + 8 * scale, h + 8 * scale);
      ctx.fillText(`${digit} ${Math.round(confidence * 100)}%`, x - 4 * scale, Math.max(18 * scale, y - 6 * scale));
    }
  }

  /** The ink read from a photo (light ink on black, as the reader sees it), with each digit's box on it. */
  function showPhotoInk(ink, digits) {
    const canvas = ui.numberPhotoInk;
    canvas.width = ink.width;
    canvas.height = ink.height;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(ink.width, ink.height);
    for (let i = 0; i < ink.data.length; i++) {
      const level = Math.round(Math.min(1, Math.max(0, ink.data[i])) * 255);
      image.data.set([level, level, level, 255], i * 4);
    }
    ctx.putImageData(image, 0, 0);
    showNumberBoxes(digits, canvas, Math.max(1, ink.height / 280));
    ui.numberPhotoFigure.hidden = false;
  }

  function showNumber(result, classes) {
    const text = result.digits.map((d) => classes[d.digit]).join('');
    ui.numberPrediction.textContent = text;
    showConfidence(ui.numberConfidence, result.confidence);
    ui.numberDigits.replaceChildren(...digitItems(result.digits, (digit) => classes[digit], SURE_DIGIT));
    showNumberBoxes(result.digits);
    showStatus('draw.readNumber', { number: text });
  }

  function showNumberEmpty() {
    ui.numberPrediction.textContent = '';
    showConfidence(ui.numberConfidence, null);
    ui.numberDigits.replaceChildren();
    showNumberBoxes([]);
    showStatus('draw.emptyNumber');
  }

  return { showNumberBoxes, showPhotoInk, showNumber, showNumberEmpty };
}
