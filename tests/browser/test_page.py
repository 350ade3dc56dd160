"""The drawing page in real headless Chromium: backend, drawing by mouse and finger, controls,
empty canvas, errors, phone layout, and parity of the browser's numbers with Python's."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from reader.preprocess import preprocess_clean
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.browser.pages import DrawingPage, known_device
from tests.conftest import ROOT
from train.strokes import place_strokes

MODELS_DIR = ROOT / "web" / "static" / "models"

# Hand-drawn digits in unit coordinates (x right, y down), as one would draw them.
ONE = [[(0.45, 0.0), (0.5, 1.0)]]
SEVEN = [[(0.1, 0.05), (0.9, 0.05), (0.4, 1.0)]]
ZERO = [[(0.5 + 0.35 * np.sin(t), 0.5 - 0.5 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]]
TWO = [
    [(0.5 + 0.38 * np.cos(t), 0.3 - 0.28 * np.sin(t)) for t in np.linspace(np.pi * 0.95, -np.pi * 0.3, 20)]
    + [(0.1, 1.0), (0.95, 1.0)]
]


def on_canvas(drawing: list, size: float = 0.6, offset: tuple[float, float] = (0.5, 0.5)) -> list[np.ndarray]:
    return place_strokes([np.array(s, dtype=np.float64) for s in drawing], size, offset, y_up=False)


# --- backend and start-up ------------------------------------------------------------------


def test_a_new_device_reads_on_wasm_at_once_then_keeps_the_faster_backend(browser: Browser, live_server: str) -> None:
    context = browser.new_context(**DESKTOP)  # a new visitor: no verdict kept on this device
    drawing = DrawingPage(context.new_page()).open(live_server)
    assert drawing.testid("backend").text_content() == "wasm"  # no shaders to compile before the first reading
    assert "timing the others" in drawing.testid("backend-why").text_content()
    drawing.draw(on_canvas(ONE))
    assert drawing.prediction() == "1"
    drawing.page.wait_for_function("() => window.digitApp.verdict !== null", timeout=180_000)
    verdict = drawing.page.evaluate("window.digitApp.verdict")
    assert set(verdict["ms"]) == {"wasm", "webgl"}  # both timed, warm, on this device
    faster = min(verdict["ms"], key=verdict["ms"].get)
    assert verdict["backend"] == faster == drawing.page.evaluate("window.digitApp.tfBackend()")
    assert drawing.testid("backend").text_content() == faster
    assert re.fullmatch(r"\(faster here: [\d.]+ ms vs [\d.]+ ms on \w+\)", drawing.testid("backend-why").text_content())
    drawing.draw(on_canvas(SEVEN, offset=(0.5, 0.5)))
    assert drawing.prediction() != ""  # still reads after the switch (or the switch back)
    drawing.page.reload()  # the next visit starts on the verdict kept in localStorage, and times nothing
    drawing.wait_ready()
    assert drawing.page.evaluate("window.digitApp.tfBackend()") == faster
    assert drawing.page.evaluate("window.digitApp.settled.then((v) => v.ms)") == verdict["ms"]
    context.close()


def test_webgl_reads_where_it_was_measured_faster(browser: Browser, live_server: str) -> None:
    context = browser.new_context(**DESKTOP)
    context.add_init_script(known_device("webgl", {"webgl": 2.5, "wasm": 9}))
    drawing = DrawingPage(context.new_page()).open(live_server)
    assert drawing.page.evaluate("window.digitApp.tfBackend()") == "webgl"
    assert drawing.testid("backend").text_content() == "webgl"
    assert drawing.testid("backend-why").text_content() == "(faster here: 2.5 ms vs 9.0 ms on wasm)"
    drawing.draw(on_canvas(SEVEN))
    assert drawing.prediction() == "7"
    assert drawing.page.evaluate("window.digitApp.tfBackend()") == "webgl"
    context.close()


CHOICE_JS = """async () => {
  const m = await import('/static/js/backend.js');
  return {
    webglFaster: m.fasterBackend({wasm: 50, webgl: 5}, 'wasm'),
    wasmFaster: m.fasterBackend({wasm: 3.4, webgl: 55}, 'wasm'),
    onlyOne: m.fasterBackend({}, 'cpu'),
    newDevice: m.startOrder(null),
    knownDevice: m.startOrder({backend: 'webgl', ms: {}}),
    garbage: m.recallVerdict({getItem: () => '{"backend": "metal"}'}, 'k'),
    refused: m.recallVerdict({getItem: () => { throw new Error('denied'); }}, 'k'),
  };
}"""


def test_the_backend_measured_faster_wins_and_a_new_device_starts_on_wasm(drawing: DrawingPage) -> None:
    choice = drawing.page.evaluate(CHOICE_JS)
    assert choice["webglFaster"] == "webgl" and choice["wasmFaster"] == "wasm" and choice["onlyOne"] == "cpu"
    assert choice["newDevice"] == ["wasm", "webgl", "cpu"]
    assert choice["knownDevice"] == ["webgl", "wasm", "cpu"]
    assert choice["garbage"] is None and choice["refused"] is None  # unknown or unreadable: measure again


def test_blank_canvas_shows_no_prediction_and_asks_to_draw(drawing: DrawingPage) -> None:
    assert drawing.prediction() == ""
    assert drawing.testid("confidence").text_content() == ""
    assert "Draw a digit" in drawing.page.locator("#status").text_content()
    drawing.testid("predict").click()
    drawing.wait_idle()
    assert drawing.prediction() == ""


@pytest.fixture
def webgl_less(playwright) -> Browser:
    """Chromium without WebGL, as on a machine whose graphics cannot run it: no GPU, no SwiftShader."""
    args = [a for a in CHROMIUM_ARGS if "swiftshader" not in a]
    args += ["--disable-gpu", "--disable-software-rasterizer", "--disable-3d-apis"]
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    yield browser
    browser.close()


def test_backend_falls_back_to_wasm_then_cpu(webgl_less: Browser, live_server: str) -> None:
    page = webgl_less.new_page()
    assert DrawingPage(page).open(live_server).testid("backend").text_content() == "wasm"
    page.close()
    page = webgl_less.new_page()
    wasm = re.compile(r".*\.wasm(\?v=\w+)?$")  # at its ?v= (assets.py)
    page.context.route(wasm, lambda route: route.fulfill(status=404))
    drawing = DrawingPage(page).open(live_server)
    assert drawing.testid("backend").text_content() == "cpu"
    drawing.draw(on_canvas(ONE))
    assert drawing.prediction() != ""
    page.close()


def test_the_model_download_shows_bytes_and_percentage(page: Page, live_server: str) -> None:
    held = []  # the classifier's weights wait here until the test has looked at the bar
    page.context.route(re.compile(r".*/mnist_cnn/group1-shard.*"), lambda route: held.append(route))
    drawing = DrawingPage(page).open(live_server, wait_ready=False)
    progress = drawing.testid("load-progress")
    progress.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('[data-testid=load-text]').textContent.includes('KB')")
    while not held:
        page.wait_for_timeout(50)
    text = drawing.testid("load-text").text_content()
    assert re.fullmatch(r"Downloading the models: \d+ KB \(0%\)", text), text  # model.json in, weights not yet
    assert drawing.testid("load-bar").get_attribute("value") == "0"
    held[0].continue_()
    assert drawing.wait_ready() == "true"
    assert drawing.wait_stroke_reader()  # the stroke reader downloads after the classifier, in the same bar
    shipped = sum(
        f.stat().st_size
        for name in ("mnist_cnn", "stroke_reader")
        for f in (MODELS_DIR / name).glob("*")
        if f.name != "metadata.json"
    )
    assert drawing.testid("load-text").text_content() == f"Models loaded: {round(shipped / 1e3)} KB"
    assert page.evaluate("document.querySelector('[data-testid=load-bar]').value") == 100


def test_a_model_that_fails_to_load_shows_an_error(page: Page, live_server: str) -> None:
    page.context.route(re.compile(r".*/mnist_cnn/model\.json.*"), lambda route: route.fulfill(status=404))
    drawing = DrawingPage(page).open(live_server, wait_ready=False)
    assert drawing.wait_ready() == "error"
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert "Could not load" in alert.text_content() and "404" in alert.text_content()
    assert drawing.testid("predict").is_disabled()


def test_missing_tfjs_shows_an_error(page: Page, live_server: str) -> None:
    page.context.route(re.compile(r".*/vendor/tf-base\.min\.js(\?v=\w+)?$"), lambda route: route.fulfill(status=404))
    drawing = DrawingPage(page).open(live_server, wait_ready=False)
    assert drawing.wait_ready() == "error"
    assert "npm ci" in page.get_by_role("alert").text_content()


# --- drawing and controls ------------------------------------------------------------------


def test_a_stroke_gets_a_live_prediction_with_bars_and_preview(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(ONE))
    assert drawing.prediction() == "1"
    assert re.fullmatch(r"\d+\.\d% sure", drawing.testid("confidence").text_content())
    assert drawing.page.locator("#bars li").count() == 10
    assert drawing.page.locator("#bars li.best .bar-label").text_content() == "1"
    assert drawing.model_input().max() > 0.5  # the preview shows what the model read


def test_undo_removes_the_last_stroke_and_clear_empties(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(ONE, offset=(0.2, 0.5)))
    first = drawing.model_input()
    drawing.draw(on_canvas(ZERO, offset=(0.8, 0.5)))
    assert not np.allclose(drawing.model_input(), first)
    drawing.testid("undo").click()
    drawing.wait_idle()
    np.testing.assert_allclose(drawing.model_input(), first, atol=1e-6)
    drawing.testid("undo").click()
    drawing.wait_idle()
    assert drawing.prediction() == ""
    drawing.draw(on_canvas(SEVEN))
    assert drawing.prediction() != ""
    drawing.clear()
    assert drawing.prediction() == ""
    assert (drawing.canvas_rgba()[..., :3] == 255).all()


CONTROLS = {  # data-testid -> (ARIA role, accessible name a screen reader announces)
    "draw-canvas": ("img", "Drawing area"),
    "clear": ("button", "Clear"),
    "undo": ("button", "Undo"),
    "eraser": ("button", "Eraser"),
    "brush": ("combobox", "Brush"),
    "model-select": ("combobox", "Model"),
    "predict": ("button", "Predict"),
}


def test_a_tap_leaves_a_dot(drawing: DrawingPage) -> None:
    box = drawing.testid("draw-canvas").bounding_box()
    drawing.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    drawing.wait_idle()
    ink = (drawing.canvas_rgba()[..., :3] < 128).all(axis=-1)
    assert 50 < ink.sum() < 2000  # one round dot of the medium brush, and nothing else


def test_controls_are_labelled_and_reachable_by_keyboard(drawing: DrawingPage) -> None:
    page = drawing.page
    for testid, (role, name) in CONTROLS.items():
        if role != "img":  # a focusable canvas has no implicit role; its aria-label names it
            assert page.get_by_role(role, name=name).get_attribute("data-testid") == testid
    assert page.get_by_label("Drawing area", exact=True).get_attribute("data-testid") == "draw-canvas"
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.dataset.testid"))
    assert set(CONTROLS) <= reached


def test_keys_on_the_canvas_undo_and_clear(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(ONE, offset=(0.2, 0.5)))
    drawing.draw(on_canvas(SEVEN, offset=(0.8, 0.5)))
    drawing.testid("draw-canvas").focus()
    drawing.page.keyboard.press("Backspace")
    drawing.wait_idle()
    assert drawing.prediction() == "1"
    drawing.page.keyboard.press("Delete")
    drawing.wait_idle()
    assert drawing.prediction() == ""


def test_the_wheel_over_the_canvas_steps_the_brush(drawing: DrawingPage) -> None:
    brush = drawing.testid("brush")
    ring = "() => document.querySelector('[data-testid=draw-canvas]').style.cursor"
    assert brush.input_value() == "0.065"  # Medium
    medium_ring = drawing.page.evaluate(ring)
    scroll = drawing.page.evaluate("window.scrollY")
    drawing.wheel_over_canvas(-100)  # away from you: bigger
    drawing.page.wait_for_function("() => document.querySelector('[data-testid=brush]').value === '0.1'")
    assert drawing.page.evaluate("window.scrollY") == scroll  # the page did not scroll under the brush
    assert "url(" in drawing.page.evaluate(ring) and drawing.page.evaluate(ring) != medium_ring
    for _ in range(3):  # down past Thin stays on Thin
        drawing.wheel_over_canvas(100)
    drawing.page.wait_for_function("() => document.querySelector('[data-testid=brush]').value === '0.035'")
    drawing.draw(on_canvas(ONE))  # an upright line: its ink per row is the brush's width
    ink = (drawing.canvas_rgba()[..., :3] < 128).all(axis=-1)
    assert 0 < ink.sum(axis=1).max() <= 0.035 * 280 * 1.4  # the thin brush the wheel picked (medium: 18 px)


def test_a_right_button_drag_erases_and_opens_no_context_menu(drawing: DrawingPage) -> None:
    drawing.page.evaluate(
        """() => {
          window.menus = [];
          window.addEventListener('contextmenu', (event) => window.menus.push(event.defaultPrevented));
        }"""
    )
    stroke = on_canvas(ONE)
    drawing.draw(stroke)
    assert drawing.prediction() == "1"
    drawing.set_brush("Thick")
    drawing.draw(stroke, button="right")
    assert drawing.prediction() == ""  # rubbed out: nothing left to read
    assert drawing.testid("eraser").get_attribute("aria-pressed") == "false"  # the eraser stays off
    menus = drawing.page.evaluate("window.menus")
    assert menus and all(menus)  # every menu the right button asked for was refused
    drawing.set_brush("Thin")
    drawing.draw(stroke)  # the left button draws again
    assert drawing.prediction() == "1"


def test_shortcut_keys_on_the_canvas_undo_erase_and_clear(drawing: DrawingPage) -> None:
    help_line = drawing.page.locator("#draw-help").text_content()
    assert all(key in help_line for key in ("C clears", "E toggles the eraser", "Ctrl+Z undoes"))
    keyboard = drawing.page.keyboard
    drawing.draw(on_canvas(ONE, offset=(0.2, 0.5)))
    drawing.draw(on_canvas(SEVEN, offset=(0.8, 0.5)))
    drawing.testid("draw-canvas").focus()
    keyboard.press("Control+z")
    drawing.wait_idle()
    assert drawing.prediction() == "1"
    keyboard.press("e")
    assert drawing.testid("eraser").get_attribute("aria-pressed") == "true"
    drawing.set_brush("Thick")
    drawing.draw(on_canvas(ONE, offset=(0.2, 0.5)))
    assert drawing.prediction() == ""  # the E key's eraser rubbed the one out
    drawing.testid("draw-canvas").focus()
    keyboard.press("e")
    assert drawing.testid("eraser").get_attribute("aria-pressed") == "false"
    drawing.draw(on_canvas(SEVEN))
    assert drawing.prediction() != ""
    drawing.testid("draw-canvas").focus()
    keyboard.press("c")
    drawing.wait_idle()
    assert drawing.prediction() == ""
    assert (drawing.canvas_rgba()[..., :3] == 255).all()


def test_eraser_rubs_ink_out(drawing: DrawingPage) -> None:
    stroke = on_canvas(ONE)
    drawing.draw(stroke)
    drawing.testid("eraser").click()
    assert drawing.testid("eraser").get_attribute("aria-pressed") == "true"
    drawing.testid("brush").select_option(label="Thick")
    drawing.draw(stroke)
    assert drawing.prediction() == ""  # nothing left to read
    drawing.testid("eraser").click()
    drawing.testid("brush").select_option(label="Thin")
    drawing.draw(stroke)
    assert drawing.prediction() == "1"


def test_predict_button_and_model_switch_read_again(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(SEVEN))
    count = drawing.page.evaluate("window.digitApp.predictions")
    drawing.testid("predict").click()
    drawing.wait_idle()
    assert drawing.page.evaluate("window.digitApp.predictions") == count + 1
    drawing.testid("model-select").select_option("mnist_mlp")
    assert drawing.wait_ready() == "true"
    drawing.wait_idle()
    assert drawing.page.evaluate("window.digitApp.predictions") == count + 2
    assert drawing.prediction() != ""


def test_readings_do_not_leak_tensors(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(SEVEN))
    before = drawing.page.evaluate("window.digitApp.numTensors()")
    for _ in range(3):
        drawing.testid("predict").click()
        drawing.wait_idle()
    assert drawing.page.evaluate("window.digitApp.numTensors()") == before


# --- phone --------------------------------------------------------------------------------


def test_a_finger_draws_without_scrolling_the_page(phone: DrawingPage) -> None:
    page = phone.page
    # The page is taller than the phone, so a finger that scrolled would move it.
    assert page.evaluate("document.documentElement.scrollHeight > window.innerHeight")
    phone.draw_by_touch(on_canvas(SEVEN))
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("window.digitApp.pointerType()") == "touch"
    assert phone.prediction() != ""


def test_the_same_swipe_outside_the_canvas_does_scroll(phone: DrawingPage) -> None:
    """The control for the test above: the same touch input does scroll this page elsewhere."""
    bars = phone.page.locator("#bars").bounding_box()  # below the canvas, still on the first screen
    x, y = bars["x"] + 20, min(bars["y"] + 20, 700)
    phone.touch_path(np.array([(x, y - 8 * i) for i in range(15)]))
    phone.page.wait_for_function("() => window.scrollY > 0", timeout=5_000)  # a function: CSP, see pages.py


def test_page_fits_a_360_px_screen(phone: DrawingPage) -> None:
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone.testid("draw-canvas").bounding_box()
    assert 250 <= box["width"] <= 360 and box["width"] == pytest.approx(box["height"], abs=1)
    for control in ("clear", "undo", "predict", "model-select"):
        control_box = phone.testid(control).bounding_box()
        assert control_box["x"] >= 0 and control_box["x"] + control_box["width"] <= 360


# --- parity with Python -------------------------------------------------------------------


@cache
def keras_reference(name: str):
    """The Keras model on exactly the weights TF.js reads.

    Prefers models/<name>.keras as export.tfjs.load_shipped ships it (BatchNorm folded, weights
    quantized as metadata.json says); when that file is absent or is not the exported one (e.g. a
    newer training run), the exported model.json itself, loaded into Keras, which dequantizes alike.
    """
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")  # its greeting needs IPython off a terminal
    from tensorflowjs.converters import load_keras_model

    from export.tfjs import load_shipped

    exported = load_keras_model(str(MODELS_DIR / name / "model.json"))
    if (ROOT / "models" / f"{name}.keras").is_file():
        shipped = load_shipped(name, ROOT / "models", MODELS_DIR)
        weights = shipped.get_weights()
        same = len(weights) == len(exported.get_weights()) and all(
            w.shape == e.shape and np.allclose(w, e, atol=1e-7) for w, e in zip(weights, exported.get_weights())
        )
        if same:
            return shipped
    return exported


PARITY_DRAWINGS = {
    "centred seven": (SEVEN, 0.6, (0.5, 0.5)),
    "two": (TWO, 0.7, (0.5, 0.5)),
    "tiny zero in a corner": (ZERO, 0.12, (0.03, 0.03)),
    "one touching the edge": (ONE, 0.9, (1.0, 0.5)),
}


@pytest.fixture
def webgl_drawing(page: Page, live_server: str) -> DrawingPage:
    """The page on a device where WebGL was measured faster: it reads on WebGL (the WASM tests,
    test_accuracy.py, cover the other backend's numbers)."""
    page.add_init_script(known_device("webgl"))
    return DrawingPage(page).open(live_server)


@pytest.mark.parametrize("model", ["mnist_cnn", "mnist_mlp"])
def test_browser_numbers_equal_python_and_keras(webgl_drawing: DrawingPage, model: str) -> None:
    drawing = webgl_drawing
    assert drawing.page.evaluate("window.digitApp.tfBackend()") == "webgl"
    if model != "mnist_cnn":
        drawing.testid("model-select").select_option(model)
        drawing.wait_ready()
    reference = keras_reference(model)
    for label, (shape, size, offset) in PARITY_DRAWINGS.items():
        drawing.clear()
        drawing.draw(on_canvas(shape, size, offset))
        browser_input = drawing.model_input()
        python_input = preprocess_clean(drawing.canvas_rgba())
        assert np.abs(browser_input - python_input).max() <= 0.02, label
        keras_probabilities = reference.predict(browser_input[None, ..., None], verbose=0)[0]
        # The classifier's own reading (the CNN's is shown fused with the stroke reader's: test_stroke_reading.py).
        assert np.abs(np.array(drawing.reading()["image"]) - keras_probabilities).max() <= 1e-4, label


@pytest.mark.parametrize(
    ("size", "offset", "brush"),
    # A stroke cannot start in the very corner: the canvas has rounded corners, as a person sees.
    [(0.25, (0.03, 0.03), "Thin"), (0.4, (0.97, 0.97), "Medium"), (0.95, (0.0, 0.5), "Thick")],
    ids=["tiny in a corner", "small at the bottom right", "touching the edges"],
)
def test_digits_read_right_at_any_place_and_size(drawing: DrawingPage, size, offset, brush) -> None:
    """Cropping and centring by mass make place and size irrelevant to the model."""
    drawing.set_brush(brush)
    drawing.draw(on_canvas(SEVEN, size, offset))
    assert drawing.prediction() == "7"
    ink = drawing.model_input()
    rows, cols = np.indices(ink.shape) + 0.5
    assert (ink * rows).sum() / ink.sum() == pytest.approx(14, abs=1)
    assert (ink * cols).sum() / ink.sum() == pytest.approx(14, abs=1)


# --- screenshot for the README ------------------------------------------------------------


def test_screenshot_of_a_read_digit(browser: Browser, live_server: str, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 960, "height": 640})
    drawing = DrawingPage(context.new_page()).open(live_server)
    drawing.draw(on_canvas(TWO, 0.65))
    path = screenshot_dir / "screenshot_page.png"
    drawing.page.screenshot(path=str(path))
    assert drawing.prediction() == "2"
    context.close()
    assert path.stat().st_size > 10_000


def test_first_reading_is_fast_because_the_model_was_warmed_up(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(SEVEN))
    first = drawing.page.evaluate("window.digitApp.lastReadMs")
    later = []
    for _ in range(3):
        drawing.testid("predict").click()
        drawing.wait_idle()
        later.append(drawing.page.evaluate("window.digitApp.lastReadMs"))
    with_margin = 3 * float(np.median(later)) + 200  # cold, compiling every shader takes ~10x longer
    print(f"first reading {first:.0f} ms, later {', '.join(f'{t:.0f}' for t in later)} ms")
    assert first <= with_margin


# Installed before the page's scripts: every distinct place the drawing canvas takes, once a frame.
CANVAS_PLACES = """window.canvasPlaces = [];
const look = () => {
  const canvas = document.getElementById('draw-canvas');
  if (canvas) {
    const r = canvas.getBoundingClientRect();
    const place = [r.x, r.y, r.width, r.height].map(Math.round).join(',');
    if (window.canvasPlaces.at(-1) !== place) window.canvasPlaces.push(place);
  }
  requestAnimationFrame(look);
};
requestAnimationFrame(look);"""


@pytest.mark.parametrize("viewport", [DESKTOP["viewport"], {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_the_canvas_stays_put_while_the_page_loads(browser: Browser, live_server: str, viewport: dict) -> None:
    """A person may start drawing before the model is in: the download bar appearing (and the
    reading column filling) must not move the canvas from under the pointer."""
    context = browser.new_context(viewport=viewport)
    try:
        context.add_init_script(CANVAS_PLACES)
        page = context.new_page()
        drawing = DrawingPage(page).open(live_server)
        page.wait_for_function("() => document.querySelector('[data-testid=offline-ready]').hidden === false")
        places = page.evaluate("window.canvasPlaces")
        assert len(places) == 1, f"the canvas moved while the page loaded: {places}"
        assert drawing.testid("load-progress").is_visible()
    finally:
        context.close()
