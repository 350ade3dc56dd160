"""The drawing page reads how a digit was drawn (issue 25): in digit mode, the image CNN and the stroke
reader read every drawing and the page shows their fused reading. Their numbers equal Python's on
the very points the page recorded; an eraser stroke, or the MLP, leaves the image to read alone."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from reader.decode import fuse_readings
from reader.stroke_features import stroke_features
from tests.browser.chromium import DESKTOP
from tests.browser.pages import DrawingPage, known_device
from tests.browser.test_i18n import axe_violations
from tests.browser.test_page import MODELS_DIR, ONE, SEVEN, TWO, keras_reference, on_canvas

STROKE_READER = MODELS_DIR / "stroke_reader"


def recorded_strokes(reading: dict) -> list[np.ndarray]:
    """The points the page read, as Python's strokes: (k, 2) canvas pixels per stroke."""
    return [np.array([(p["x"], p["y"]) for p in stroke], dtype=np.float64) for stroke in reading["points"]]


@pytest.fixture(params=["wasm", "webgl"])
def on_backend(request, page: Page, live_server: str) -> DrawingPage:
    """The page on a device whose kept verdict is this backend (the later init script wins)."""
    page.add_init_script(known_device(request.param))
    drawing = DrawingPage(page).open(live_server)
    assert drawing.page.evaluate("window.digitApp.tfBackend()") == request.param
    return drawing


@pytest.mark.parametrize("name", ["seven", "two, then a one beside it"])
def test_the_page_reads_the_movement_as_python_does_and_shows_the_fused_reading(on_backend, name: str) -> None:
    drawing = on_backend
    drawn = on_canvas(SEVEN) if name == "seven" else on_canvas(TWO, 0.5, (0.2, 0.5)) + on_canvas(ONE, 0.5, (0.9, 0.5))
    drawing.draw(drawn)
    reading = drawing.reading()
    assert reading["way"] == "fused"
    strokes = recorded_strokes(reading)
    # The page's own record of the mouse: one stroke per press, from where each began to where it ended.
    assert len(strokes) == len(drawn)
    for recorded, wanted in zip(strokes, drawn):
        assert np.abs(recorded[[0, -1]] - wanted[[0, -1]]).max() < 1.5
    # The stroke reader's probabilities: Keras on Python's features of the same points.
    keras_probabilities = keras_reference("stroke_reader").predict(stroke_features(strokes)[None], verbose=0)[0]
    np.testing.assert_allclose(reading["strokes"], keras_probabilities, atol=1e-4)
    # What the page shows: Python's fusion of the two models' readings, with the shipped weight.
    metadata = json.loads((STROKE_READER / "metadata.json").read_text())
    assert reading["imageWeight"] == metadata["fusion"]["image_weight"]
    assert metadata["fusion"]["with"] == drawing.model_name().split("@")[0] == "mnist_cnn"
    fused = fuse_readings(reading["image"], reading["strokes"], reading["imageWeight"])
    np.testing.assert_allclose(reading["fused"], fused["probabilities"], atol=1e-9)
    np.testing.assert_allclose(drawing.probabilities(), fused["probabilities"], atol=1e-6)
    assert reading["disagree"] == fused["disagree"]
    assert drawing.prediction() == str(int(np.argmax(fused["probabilities"])))
    assert drawing.page.locator("#bars li.best .bar-label").text_content() == drawing.prediction()
    confidence = float(re.match(r"([\d.]+)% sure", drawing.testid("confidence").text_content()).group(1))
    assert confidence == pytest.approx(100 * fused["probabilities"].max(), abs=0.051)


def test_after_an_eraser_stroke_the_image_alone_reads(drawing: DrawingPage) -> None:
    drawing.draw(on_canvas(SEVEN))
    assert drawing.reading()["way"] == "fused"
    drawing.draw(on_canvas(ONE, 0.2, (0.05, 0.95)), button="right")  # rubs a corner with no ink in it
    reading = drawing.reading()
    assert reading["way"] == "image" and reading["strokes"] is None and reading["points"] is None
    np.testing.assert_allclose(drawing.probabilities(), reading["image"], atol=1e-7)
    assert drawing.prediction() == str(int(np.argmax(reading["image"])))
    assert drawing.testid("disagreement").is_hidden()
    drawing.testid("undo").click()  # the eraser stroke undone: the strokes describe the ink again
    drawing.wait_idle()
    assert drawing.reading()["way"] == "fused"


def test_the_mlp_reads_alone(drawing: DrawingPage) -> None:
    """The stroke reader's weight was chosen beside the CNN (metadata fusion.with), so the MLP is read alone."""
    drawing.testid("model-select").select_option("mnist_mlp")
    assert drawing.wait_ready() == "true"
    drawing.draw(on_canvas(SEVEN))
    reading = drawing.reading()
    assert reading["way"] == "image" and reading["strokes"] is None
    np.testing.assert_allclose(drawing.probabilities(), reading["image"], atol=1e-7)


@pytest.fixture(scope="module")
def seven_reader_files(tmp_path_factory) -> Path:
    """The shipped stroke reader with its last layer set to read every movement as a 7, exported for TF.js."""
    out_dir = tmp_path_factory.mktemp("seven_reader")
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")  # its greeting needs IPython off a terminal
    from tensorflowjs.converters import load_keras_model, save_keras_model

    model = load_keras_model(str(STROKE_READER / "model.json"))
    kernel, bias = model.get_layer("digit").get_weights()
    model.get_layer("digit").set_weights([np.zeros_like(kernel), np.eye(10, dtype=bias.dtype)[7] * 12])
    save_keras_model(model, str(out_dir))
    return out_dir


@pytest.fixture
def seven_reader_page(browser: Browser, live_server: str, seven_reader_files: Path) -> Iterator[DrawingPage]:
    """The page with a stroke reader that reads every movement as a 7 (its files served in place of the
    shipped ones; no service worker, which would fetch them past the routes)."""
    files = seven_reader_files
    context = browser.new_context(**DESKTOP, service_workers="block")
    context.add_init_script(known_device("wasm"))
    page = context.new_page()
    model_file = re.compile(r".*/models/stroke_reader/(model\.json|group1-shard\w+\.bin)(\?.*)?$")
    context.route(model_file, lambda route: route.fulfill(path=files / model_file.match(route.request.url).group(1)))
    yield DrawingPage(page).open(live_server)
    context.close()


def test_the_page_says_so_when_shape_and_movement_disagree(seven_reader_page: DrawingPage) -> None:
    drawing = seven_reader_page
    line = drawing.testid("disagreement")
    drawing.draw(on_canvas(SEVEN))
    reading = drawing.reading()
    assert np.argmax(reading["strokes"]) == 7 and np.argmax(reading["image"]) == 7
    assert not reading["disagree"] and line.is_hidden()
    drawing.clear()
    drawing.draw(on_canvas(ONE))
    reading = drawing.reading()
    assert np.argmax(reading["image"]) == 1 and np.argmax(reading["strokes"]) == 7 and reading["disagree"]
    assert line.is_visible()
    assert line.text_content() == "The shape reads 1, the movement reads 7."
    assert axe_violations(drawing.page) == []  # the line is read out (aria-live) and passes axe's rules
    fused = fuse_readings(reading["image"], reading["strokes"], reading["imageWeight"])["probabilities"]
    assert drawing.prediction() == str(int(np.argmax(fused)))  # the fused reading decides, whichever it is
    drawing.testid("language-select").select_option("ru")
    assert line.text_content() == "По форме это 1, по движению — 7."
    drawing.clear()
    assert line.is_hidden()
