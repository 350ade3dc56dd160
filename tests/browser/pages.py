"""The drawing page as the browser tests use it: draw strokes, read what the page shows.

Strokes are numpy arrays of canvas pixels (0..280, y down), as train/strokes.py makes them;
this object turns them into real mouse or touch input at the canvas's place on the screen.
"""

from __future__ import annotations

import base64
import json

import numpy as np
from playwright.sync_api import Page

from tests.numbers import NUMBER_HEIGHT, NUMBER_WIDTH
from train.strokes import CANVAS_SIZE, resample

POINT_SPACING = 8.0  # canvas px between pointer samples: a hand at ~700 px/s sampled at 60 Hz; the page interpolates

# The canvas's pixels fill its content box, inside the CSS border.
CONTENT_BOX_JS = """() => {
  const canvas = document.querySelector('[data-testid=draw-canvas]');
  const rect = canvas.getBoundingClientRect();
  return {left: rect.left + canvas.clientLeft, top: rect.top + canvas.clientTop,
          width: canvas.clientWidth, height: canvas.clientHeight};
}"""
CANVAS_RGBA_JS = """() => {
  const canvas = document.querySelector('[data-testid=draw-canvas]');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let text = '';
  for (let i = 0; i < data.length; i += 0x8000) text += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(text);
}"""


VERDICT_KEYS = ("digit-reader:backend:draw", "digit-reader:backend:photo")  # localStorage, per page


def known_device(backend: str, ms: dict[str, float] | None = None) -> str:
    """An init script for a browser context: a device whose backend verdict the pages kept on an
    earlier visit (`backend` reads faster here), so they start on it and time nothing."""
    verdict = json.dumps({"backend": backend, "ms": ms or {}})
    return "".join(f"localStorage.setItem({json.dumps(key)}, {json.dumps(verdict)});" for key in VERDICT_KEYS)


# The same for any canvas, by its test id (the number mode's is "number-canvas").
CANVAS_BOX_JS = """(testid) => {
  const canvas = document.querySelector(`[data-testid=${testid}]`);
  const rect = canvas.getBoundingClientRect();
  return {left: rect.left + canvas.clientLeft, top: rect.top + canvas.clientTop,
          width: canvas.clientWidth, height: canvas.clientHeight};
}"""
NUMBER_SIZE = (NUMBER_WIDTH, NUMBER_HEIGHT)  # the number canvas's pixels, width x height


def to_screen(stroke: np.ndarray, box: dict, size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> np.ndarray:
    """Canvas pixels -> CSS pixels of the viewport, given the canvas's content box (CONTENT_BOX_JS)
    and its pixel size (width, height)."""
    scale = np.array([box["width"], box["height"]]) / np.array(size)
    return stroke * scale + np.array([box["left"], box["top"]])


class DrawingPage:
    def __init__(self, page: Page):
        self.page = page

    def open(self, url: str, wait_ready: bool = True) -> DrawingPage:
        self.page.goto(url)
        if wait_ready and self.wait_ready() == "true":
            self.wait_stroke_reader()
        return self

    def wait_stroke_reader(self) -> str | None:
        """Wait until the stroke reader, which loads after the classifier, is in (or failed): from then on
        digit mode reads every drawing with both. Its "name@version", or None when it failed."""
        return self.page.evaluate("() => window.digitApp.strokeReaderLoaded")

    def wait_ready(self, timeout_ms: float = 60_000) -> str:
        """Wait until the model is loaded and warmed up (or failed); returns data-ready."""
        # A function, not a bare expression: Playwright re-evals an expression on every poll,
        # and the page's Content-Security-Policy (no 'unsafe-eval') refuses that.
        self.page.wait_for_function("() => document.body.dataset.ready !== 'false'", timeout=timeout_ms)
        return self.page.evaluate("document.body.dataset.ready")

    def testid(self, name: str):
        return self.page.get_by_test_id(name)

    def to_screen(self, stroke: np.ndarray) -> np.ndarray:
        """Canvas pixels -> CSS pixels of the viewport."""
        return to_screen(stroke, self.page.evaluate(CONTENT_BOX_JS))

    def draw(self, strokes: list[np.ndarray], button: str = "left") -> None:
        """Draw with the mouse, one press of `button` per stroke, then wait for the live prediction."""
        self.mouse_strokes([self.to_screen(resample(stroke, POINT_SPACING)) for stroke in strokes], button)
        self.wait_idle()

    def mouse_strokes(self, strokes: list[np.ndarray], button: str = "left") -> None:
        """One mouse press per stroke, along viewport points."""
        mouse = self.page.mouse
        for points in strokes:
            mouse.move(*points[0])
            mouse.down(button=button)
            for x, y in points[1:]:
                mouse.move(x, y)
            mouse.up(button=button)

    def wheel_over_canvas(self, delta_y: float) -> None:
        """Turn the mouse wheel with the pointer over the drawing canvas (negative: away from you, up)."""
        box = self.page.evaluate(CONTENT_BOX_JS)
        self.page.mouse.move(box["left"] + box["width"] / 2, box["top"] + box["height"] / 2)
        self.page.mouse.wheel(0, delta_y)

    def draw_by_touch(self, strokes: list[np.ndarray]) -> None:
        """Draw with a finger, then wait for the live prediction."""
        for stroke in strokes:
            self.touch_path(self.to_screen(resample(stroke, POINT_SPACING)))
        self.wait_idle()

    def touch_path(self, points: np.ndarray) -> None:
        """One finger along viewport points: real touch input through the DevTools protocol, so
        Chromium makes pointer events of type "touch" and scrolls the page where it may."""
        cdp = self.page.context.new_cdp_session(self.page)
        for i, (x, y) in enumerate(points):
            kind = "touchStart" if i == 0 else "touchMove"
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": float(x), "y": float(y)}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()

    def set_brush(self, label: str) -> None:
        """Pick a brush by its label: Thin, Medium or Thick."""
        self.testid("brush").select_option(label=label)

    def wait_idle(self) -> None:
        """Wait until the page has read the canvas as it is now."""
        self.page.evaluate("() => window.digitApp.whenIdle()")

    def clear(self) -> None:
        self.testid("clear").click()
        self.wait_idle()

    def prediction(self) -> str:
        return self.testid("prediction").text_content()

    def model_name(self) -> str:
        """ "<name>@<version>" of the model the page reads with."""
        return self.page.evaluate("window.digitApp.model")

    def canvas_rgba(self) -> np.ndarray:
        """uint8 (280, 280, 4): the canvas pixels, as preprocessing read them."""
        raw = base64.b64decode(self.page.evaluate(CANVAS_RGBA_JS))
        return np.frombuffer(raw, dtype=np.uint8).reshape(CANVAS_SIZE, CANVAS_SIZE, 4)

    # --- number mode ---------------------------------------------------------------------

    def use_mode(self, mode: str) -> None:
        """Pick "digit" or "number" in the mode switch."""
        self.testid("mode-select").select_option(mode)
        self.wait_idle()

    def draw_number(self, strokes: list[np.ndarray]) -> None:
        """Draw on the number canvas with the mouse, then wait for the reading (after the pen rests)."""
        box = self.page.evaluate(CANVAS_BOX_JS, "number-canvas")
        self.mouse_strokes([to_screen(resample(stroke, POINT_SPACING), box, NUMBER_SIZE) for stroke in strokes])
        self.wait_idle()

    def number_prediction(self) -> str:
        return self.testid("number-prediction").text_content()

    def number_result(self) -> dict | None:
        """What the page read last in number mode: {number, confidence, digits: [{digit, confidence, box}]}."""
        return self.page.evaluate("window.digitApp.lastNumber")

    def open_number_photo(self, data: bytes, name: str = "number.jpg", mime: str = "image/jpeg") -> None:
        """Choose a photo in number mode's photo input, as a person does, and wait for its reading."""
        done = self.page.evaluate("window.digitApp.photosRead")
        self.testid("number-photo-input").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
        self.page.wait_for_function("(n) => window.digitApp.photosRead > n", arg=done, timeout=120_000)

    def number_canvas_rgba(self) -> np.ndarray:
        """uint8 (280, 1120, 4): the number canvas's pixels, as the page read them."""
        raw = base64.b64decode(self.page.evaluate(CANVAS_RGBA_JS.replace("draw-canvas", "number-canvas")))
        return np.frombuffer(raw, dtype=np.uint8).reshape(NUMBER_HEIGHT, NUMBER_WIDTH, 4)

    def model_input(self) -> np.ndarray:
        """float32 (28, 28): the tensor the model read last."""
        values = self.page.evaluate("Array.from(window.digitApp.lastInput)")
        return np.array(values, dtype=np.float32).reshape(28, 28)

    def probabilities(self) -> np.ndarray:
        """The probabilities the page shows: fused when both models read, else the image model's."""
        return np.array(self.page.evaluate("Array.from(window.digitApp.lastProbabilities)"), dtype=np.float32)

    def reading(self) -> dict | None:
        """Digit mode's last reading, each model's own: {way: "fused" or "image", image, strokes, fused,
        disagree, imageWeight, points}; strokes, fused and points are None when the image alone read."""
        return self.page.evaluate("window.digitApp.lastReading")
