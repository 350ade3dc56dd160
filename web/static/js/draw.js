// Canvas strokes -> ImageData, and the points the pen went through (inkStrokes, for the stroke
// reader): the only drawing code of the page.
// Touches the canvases it is handed: their pointer, wheel and contextmenu events and their
// cursor (a ring the brush's size, drawn as an SVG in a blob: URL, which the CSP allows).
//
// The canvas keeps an internal resolution of CANVAS_SIZE x CANVAS_SIZE whatever its
// CSS size, so the pixels handed to preprocessing do not depend on the screen, and
// train/pendigits.py's render_strokes (280 px, round brush) draws digits the same way.

export const CANVAS_SIZE = 280;
/** The number mode's wide canvas: as tall as the digit canvas, room for 8 digits in a row. */
export const NUMBER_CANVAS = { width: 1120, height: 280 };
/** Brush widths as fractions of the canvas height, so strokes scale with the canvas. */
export const BRUSHES = { thin: 0.035, medium: 0.065, thick: 0.1 };
export const INK = '#000000';
export const PAPER = '#ffffff'; // the eraser paints paper, so erasing is an undoable stroke too

/**
 * Where the canvas's pixels are on screen: its content box, inside the CSS border.
 * @param {HTMLCanvasElement} canvas
 * @returns {{left: number, top: number, width: number, height: number}}
 */
export function contentBox(canvas) {
  const rect = canvas.getBoundingClientRect();
  return {
    left: rect.left + canvas.clientLeft,
    top: rect.top + canvas.clientTop,
    width: canvas.clientWidth,
    height: canvas.clientHeight,
  };
}

/**
 * Pointer position -> canvas pixel coordinates, whatever the CSS size of the canvas.
 * @param {{clientX: number, clientY: number}} event
 * @param {{left: number, top: number, width: number, height: number}} box the canvas's content box
 * @param {number} width internal canvas width in pixels
 * @param {number} height internal canvas height in pixels (square by default)
 * @returns {{x: number, y: number}}
 */
export function toCanvasPoint(event, box, width = CANVAS_SIZE, height = width) {
  return {
    x: ((event.clientX - box.left) * width) / box.width,
    y: ((event.clientY - box.top) * height) / box.height,
  };
}

/**
 * Trace a stroke's path: quadratic curves through the midpoints of successive points,
 * so a polyline sampled from a pointer becomes a smooth curve that passes near every sample.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{x: number, y: number}[]} points
 */
export function traceSmoothPath(ctx, points) {
  ctx.beginPath();
  ctx.moveTo(points[0].x, points[0].y);
  if (points.every((p) => p.x === points[0].x && p.y === points[0].y)) {
    // A tap: Chromium strokes nothing for a zero-length line, so the line is a hundredth of a
    // pixel long, and the round caps make it a dot.
    ctx.lineTo(points[0].x + 0.01, points[0].y);
    return;
  }
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    ctx.quadraticCurveTo(points[i].x, points[i].y, mid.x, mid.y);
  }
  const last = points[points.length - 1];
  ctx.lineTo(last.x, last.y);
}

/**
 * Paint one stroke ({points, width, color}) with a round brush.
 * @param {CanvasRenderingContext2D} ctx
 * @param {{points: {x: number, y: number}[], width: number, color: string}} stroke
 */
export function paintStroke(ctx, stroke) {
  ctx.save();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = stroke.width;
  ctx.strokeStyle = stroke.color;
  traceSmoothPath(ctx, stroke.points);
  ctx.stroke();
  ctx.restore();
}

/**
 * Fill with paper, then paint the strokes in order.
 * @param {CanvasRenderingContext2D} ctx
 * @param {object[]} strokes
 */
export function paintAll(ctx, strokes) {
  ctx.fillStyle = PAPER;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  strokes.forEach((stroke) => paintStroke(ctx, stroke));
}

/**
 * True when the strokes leave no ink: none at all, or only eraser strokes.
 * @param {{color: string}[]} strokes
 * @returns {boolean}
 */
export function isBlank(strokes) {
  return strokes.every((stroke) => stroke.color === PAPER);
}

/**
 * The ink's strokes as the pen moved: each stroke's points in canvas pixels, in drawing order; null
 * when a stroke is an eraser's, as the strokes then no longer describe the ink that is there.
 * @param {{points: {x: number, y: number}[], color: string}[]} strokes
 * @returns {{x: number, y: number}[][]|null} copies: later drawing does not change them
 */
export function inkStrokes(strokes) {
  if (strokes.some((stroke) => stroke.color === PAPER)) return null;
  return strokes.map((stroke) => stroke.points.map(({ x, y }) => ({ x, y })));
}

/** Wheel travel (CSS pixels) per brush step: one notch of a mouse wheel, a short swipe on a touchpad. */
export const WHEEL_STEP = 100;
const LINE_PIXELS = 16; // a wheel event in lines (Firefox), counted as pixels
const ringUrls = new Map(); // "diameter,erasing" -> blob: URL of the ring cursor, made once each

/**
 * The CSS cursor that shows the brush: a ring of `diameter` CSS pixels (dashed for the eraser),
 * its hotspot at the centre; a crosshair where the browser cannot show it (too big, or no blobs).
 * @param {number} diameter the brush width in CSS pixels
 * @param {boolean} erasing
 * @returns {string} a value for style.cursor
 */
export function ringCursor(diameter, erasing = false) {
  const d = Math.max(4, Math.min(120, Math.round(diameter))); // browsers ignore cursors over 128 px
  const size = d + 4;
  const key = `${d},${erasing}`;
  if (!ringUrls.has(key) && typeof URL.createObjectURL === 'function') {
    const dash = erasing ? ' stroke-dasharray="3 2"' : '';
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<circle cx="${size / 2}" cy="${size / 2}" r="${d / 2}" fill="none" stroke="#fff" stroke-width="3"/>` +
      `<circle cx="${size / 2}" cy="${size / 2}" r="${d / 2}" fill="none" stroke="#0b5cad" stroke-width="1.5"` +
      `${dash}/>` +
      '</svg>';
    ringUrls.set(key, URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' })));
  }
  const url = ringUrls.get(key);
  return url ? `url("${url}") ${size / 2} ${size / 2}, crosshair` : 'crosshair';
}

/**
 * Make a canvas drawable with Pointer Events (mouse, pen and touch alike). With a mouse, the
 * left button draws (or erases, with the eraser on), the right button erases without opening
 * the context menu, and the wheel asks for a bigger or smaller brush (onBrushStep); touch and
 * pen draw as always.
 *
 * Finished strokes live on an offscreen layer; while a stroke is drawn, the visible
 * canvas shows that layer plus the whole current stroke, so the live picture is exactly
 * what a redraw after undo gives.
 * @param {HTMLCanvasElement} canvas
 * @param {{onStrokeEnd?: (pad: object) => void, onBrushStep?: (step: number) => void, brush?: number,
 *   width?: number, height?: number}} options
 *   onBrushStep: called with +1 (wheel up: bigger) or -1 (wheel down: smaller);
 *   width, height: the canvas's internal size (CANVAS_SIZE square by default)
 * @returns {{clear: () => void, undo: () => void, setBrush: (fraction: number) => void,
 *   setEraser: (on: boolean) => void, imageData: () => ImageData, strokeCount: () => number,
 *   isBlank: () => boolean, inkStrokes: () => ({x: number, y: number}[][]|null),
 *   lastPointerType: () => string|null, isDrawing: () => boolean}}
 *   inkStrokes: the finished strokes' points (see inkStrokes), null after an eraser stroke
 */
export function createDrawingPad(
  canvas,
  {
    onStrokeEnd = () => {},
    onBrushStep = () => {},
    brush = BRUSHES.medium,
    width = CANVAS_SIZE,
    height = CANVAS_SIZE,
  } = {},
) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const layer = document.createElement('canvas');
  layer.width = width;
  layer.height = height;
  const layerCtx = layer.getContext('2d', { willReadFrequently: true }); // CPU raster, as the visible canvas

  const strokes = [];
  let brushFraction = brush;
  let erasing = false;
  let current = null; // {pointerId, stroke}
  let pointerType = null;
  let wheelTravel = 0; // pixels of wheel travel not yet turned into a brush step

  function show() {
    ctx.drawImage(layer, 0, 0);
    if (current) paintStroke(ctx, current.stroke);
  }

  function redrawLayer() {
    paintAll(layerCtx, strokes);
    show();
  }

  /** The ring cursor at the brush's size as it looks now (the canvas's CSS height may change). */
  function showRing() {
    canvas.style.cursor = ringCursor(brushFraction * contentBox(canvas).height, erasing);
  }

  function addPoints(event) {
    const box = contentBox(canvas);
    // Coalesced events carry the samples the browser merged into one frame: more of the real path.
    const samples = event.getCoalescedEvents?.().length ? event.getCoalescedEvents() : [event];
    samples.forEach((sample) => current.stroke.points.push(toCanvasPoint(sample, box, width, height)));
  }

  function finish(event) {
    if (!current || event.pointerId !== current.pointerId) return;
    strokes.push(current.stroke);
    paintStroke(layerCtx, current.stroke);
    current = null;
    show();
    onStrokeEnd(pad);
  }

  canvas.addEventListener('pointerdown', (event) => {
    const mouse = event.pointerType === 'mouse';
    if (current || (mouse && event.button !== 0 && event.button !== 2)) return; // one finger draws
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    pointerType = event.pointerType;
    const rubbing = erasing || (mouse && event.button === 2); // the right button always erases
    current = {
      pointerId: event.pointerId,
      stroke: { points: [], width: brushFraction * height, color: rubbing ? PAPER : INK },
    };
    addPoints(event);
    show();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!current || event.pointerId !== current.pointerId) return;
    event.preventDefault();
    addPoints(event);
    show();
  });
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);
  canvas.addEventListener('pointerenter', showRing);
  canvas.addEventListener('contextmenu', (event) => {
    // The right mouse button erases; a long press of a finger or pen, or the menu key, keeps its menu.
    if (event.button === 2 && event.pointerType !== 'touch' && event.pointerType !== 'pen') event.preventDefault();
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      if (event.ctrlKey) return; // a pinch on a touchpad: the browser zooms
      event.preventDefault(); // the page does not scroll under the brush
      wheelTravel -= event.deltaMode === 1 ? event.deltaY * LINE_PIXELS : event.deltaY;
      if (Math.abs(wheelTravel) < WHEEL_STEP / 2) return;
      const step = Math.sign(wheelTravel);
      wheelTravel = 0;
      onBrushStep(step);
    },
    { passive: false },
  );

  const pad = {
    clear() {
      strokes.length = 0;
      current = null;
      redrawLayer();
    },
    undo() {
      strokes.pop();
      redrawLayer();
    },
    setBrush(fraction) {
      brushFraction = fraction;
      showRing();
    },
    setEraser(on) {
      erasing = on;
      showRing();
    },
    imageData: () => ctx.getImageData(0, 0, width, height),
    strokeCount: () => strokes.length,
    isBlank: () => isBlank(strokes),
    inkStrokes: () => inkStrokes(strokes),
    lastPointerType: () => pointerType,
    isDrawing: () => current !== null,
  };
  redrawLayer();
  showRing();
  return pad;
}
