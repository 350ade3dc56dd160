"""Number mode in real headless Chromium: the mode switch, a number written by mouse and read
digit by digit with boxes on the canvas, the same reading as Python's, and no policy violations."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browser.pages import DrawingPage
from tests.browser.test_csp import violations, watch_csp
from tests.browser.test_page import keras_reference
from tests.conftest import require_data
from tests.drawings import FOUR, ONE, SEVEN, ZERO, paper_photo
from tests.hard_images import CRASHING_SCAN, INK, PAPER, PARISH_VALIDATION, SIMPLE, margin_cut
from tests.numbers import NUMBER_HEIGHT, NUMBER_WIDTH


def number_strokes(shapes: list, size: float = 150, gap: float = 40) -> list[np.ndarray]:
    """Digits in unit coordinates -> strokes on the number canvas, side by side as
    tests/drawings.py's draw_number draws them."""
    strokes = []
    x = (NUMBER_WIDTH - len(shapes) * (size * 0.7 + gap)) / 2
    for shape in shapes:
        for stroke in shape:
            points = np.array(stroke, dtype=np.float64) - 0.5
            strokes.append(points * size + np.array([x + size * 0.35, NUMBER_HEIGHT / 2]))
        x += size * 0.7 + gap
    return strokes


@pytest.fixture
def number_mode(drawing: DrawingPage) -> DrawingPage:
    drawing.use_mode("number")
    return drawing


def test_the_mode_switch_swaps_canvases_and_readings(drawing: DrawingPage) -> None:
    assert drawing.testid("draw-canvas").is_visible() and not drawing.testid("number-canvas").is_visible()
    drawing.use_mode("number")
    assert drawing.testid("number-canvas").is_visible() and not drawing.testid("draw-canvas").is_visible()
    reading = drawing.page.locator
    assert reading("#number-reading").is_visible() and not reading("#digit-reading").is_visible()
    assert "Write a number" in drawing.page.locator("#status").text_content()
    box = drawing.testid("number-canvas").bounding_box()
    assert box["width"] == pytest.approx(4 * box["height"], rel=0.05)  # wide: room for 8 digits
    drawing.use_mode("digit")
    assert drawing.testid("draw-canvas").is_visible() and not drawing.testid("number-canvas").is_visible()


def test_a_written_number_is_read_digit_by_digit_with_boxes(number_mode: DrawingPage) -> None:
    number_mode.draw_number(number_strokes([SEVEN, FOUR, ZERO, ONE]))
    assert number_mode.number_prediction() == "7401"
    result = number_mode.number_result()
    assert [d["digit"] for d in result["digits"]] == [7, 4, 0, 1]
    lefts = [d["box"][0] for d in result["digits"]]
    assert lefts == sorted(lefts)
    for x, y, w, h in (d["box"] for d in result["digits"]):
        assert 0 <= x and x + w <= NUMBER_WIDTH and 0 <= y and y + h <= NUMBER_HEIGHT
    items = number_mode.testid("number-digits").locator("li")
    assert items.count() == 4 and items.nth(1).locator(".digit-label").text_content() == "4"
    assert "sure" in number_mode.testid("number-confidence").text_content()
    # The boxes are drawn on the canvas laid over the drawing, not into the drawing itself.
    drawn = number_mode.page.evaluate(
        """() => {
          const c = document.getElementById('number-boxes');
          return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0);
        }"""
    )
    assert drawn
    assert set(np.unique(number_mode.number_canvas_rgba()[..., :3])) <= set(range(256))  # readable pixels


def test_the_page_reads_what_python_reads_from_the_same_pixels(number_mode: DrawingPage) -> None:
    from reader.read import read_number

    number_mode.draw_number(number_strokes([FOUR, SEVEN, ONE, ZERO, ZERO], size=130, gap=25))
    page_result = number_mode.number_result()
    canvas = number_mode.number_canvas_rgba()
    python_result = read_number(canvas, keras_reference("mnist_cnn"), keras_reference("number_reader"))
    assert page_result["number"] == python_result["number"] == "47100"
    assert [d["box"] for d in page_result["digits"]] == [d["box"] for d in python_result["digits"]]
    for a, b in zip(page_result["digits"], python_result["digits"]):
        assert abs(a["confidence"] - b["confidence"]) <= 1e-3  # WebGL's float32 vs Keras


def test_the_number_reader_reads_and_segmentation_gives_the_boxes(number_mode: DrawingPage) -> None:
    number_mode.draw_number(number_strokes([ONE, ONE, SEVEN], size=140, gap=10))
    assert number_mode.page.evaluate("window.digitApp.numberReader").startswith("number_reader@")
    result = number_mode.number_result()
    assert result["number"] == "117"
    rights = [x + w for x, _, w, _ in (d["box"] for d in result["digits"])]
    lefts = [x for x, _, _, _ in (d["box"] for d in result["digits"])]
    assert all(r <= left_of_next + 1 for r, left_of_next in zip(rights, lefts[1:]))  # boxes do not overlap


def test_clear_and_undo_work_on_the_number_canvas(number_mode: DrawingPage) -> None:
    number_mode.draw_number(number_strokes([SEVEN, ONE]))
    assert number_mode.number_prediction() == "71"
    number_mode.testid("undo").click()  # the 1 was one stroke
    number_mode.wait_idle()
    assert number_mode.number_prediction() == "7"
    number_mode.clear()
    assert number_mode.number_prediction() == "" and number_mode.number_result() is None
    # The digit canvas kept nothing of it, and still reads.
    number_mode.use_mode("digit")
    assert number_mode.prediction() == ""


def test_number_mode_runs_under_the_content_security_policy(page: Page, live_server: str) -> None:
    console = watch_csp(page)
    drawing = DrawingPage(page).open(live_server)
    drawing.use_mode("number")
    drawing.draw_number(number_strokes([ZERO, SEVEN]))
    assert drawing.number_prediction() == "07"
    assert violations(drawing, console) == []


def test_number_mode_fits_a_phone(phone: DrawingPage, browser: Browser) -> None:
    phone.use_mode("number")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone.testid("number-canvas").bounding_box()
    assert 250 <= box["width"] <= 360


def test_a_photo_of_a_number_on_paper_is_read_with_its_ink_and_boxes(number_mode: DrawingPage) -> None:
    photo_input = number_mode.testid("number-photo-input")
    assert photo_input.get_attribute("accept") == "image/*" and photo_input.get_attribute("capture") is not None
    number_mode.open_number_photo(paper_photo([SEVEN, FOUR, ZERO, ONE]))
    assert number_mode.number_prediction() == "7401"
    result = number_mode.number_result()
    assert [d["digit"] for d in result["digits"]] == [7, 4, 0, 1]
    lefts = [d["box"][0] for d in result["digits"]]
    assert lefts == sorted(lefts)
    ink = number_mode.testid("number-photo-ink")
    assert ink.is_visible()
    # The normalised ink is shown at the photo's size: dark paper, the ruled lines and shadow gone.
    size = number_mode.page.evaluate("[window.digitApp.lastPhoto.width, window.digitApp.lastPhoto.height]")
    assert size == [4 * 200 + 160, 200 + 120]
    assert "7401" in number_mode.page.locator("#status").text_content()


def test_a_photo_of_blank_paper_says_so(number_mode: DrawingPage) -> None:
    blank = io.BytesIO()
    Image.fromarray(np.full((300, 400, 3), 225, np.uint8)).save(blank, "PNG")
    number_mode.open_number_photo(blank.getvalue(), "blank.png", "image/png")
    assert number_mode.number_prediction() == ""
    assert "No writing found" in number_mode.page.locator("#error").text_content()


def test_hard_photos_get_a_reading_or_say_no_number_was_read_and_raise_nothing(number_mode: DrawingPage) -> None:
    scan_file = require_data(PARISH_VALIDATION / CRASHING_SCAN, "the parish ledger scans")
    scan = np.asarray(Image.open(scan_file).convert("L"))
    rows, cols = np.indices((120, 160)) // 4
    checkerboard = np.where((rows + cols) % 2 == 1, INK, PAPER).astype(np.uint8)
    sliver = np.random.default_rng(3).integers(0, 256, (2, 4000), dtype=np.uint8)
    blot = np.full((1200, 1600), PAPER, np.uint8)  # one huge part, its "stroke" a thousand pixels wide
    blot[150:-150, 200:-200] = INK
    photos = {"scan": scan, "cut scan": margin_cut(scan), **SIMPLE, "checkerboard": checkerboard, "sliver": sliver}
    photos["blot"] = blot
    errors: list[str] = []
    number_mode.page.on("pageerror", lambda err: errors.append(str(err)))
    said = {}
    for name, pixels in photos.items():
        photo = io.BytesIO()
        Image.fromarray(pixels).save(photo, "PNG")
        number_mode.open_number_photo(photo.getvalue(), f"{name}.png", "image/png")
        reading, error = number_mode.number_prediction(), number_mode.testid("page-error")
        said[name] = reading or error.text_content()
        if reading:  # a reading, digits only, and no error beside it
            assert reading.isdigit() and not error.is_visible(), (name, said[name])
        else:  # or a sentence that says so
            assert error.is_visible() and f"“{name}.png”" in said[name], (name, said[name])
            assert "No number could be read" in said[name] or "No writing found" in said[name], (name, said[name])
    assert errors == [], errors
    assert said["noise"].startswith("No number could be read")  # ink everywhere, and no digit in it
