"""Hundreds of drawings through the page, fast, for the accuracy tests.

Playwright's mouse waits about one frame for each move, so replaying 700 digits point by
point would take as long as people drawing them. Here the moves of a stroke are sent all
at once through the DevTools protocol, as a fast mouse sends them: Chromium coalesces
them into frames and the page gets every sample through getCoalescedEvents(). It is still
real, trusted, hit-tested mouse input. The DevTools calls must overlap, so this uses
Playwright's async API, on a thread and browser of its own (the sync API owns the tests' thread).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from playwright.async_api import CDPSession, async_playwright

from tests.browser.chromium import DESKTOP
from tests.browser.pages import CANVAS_BOX_JS, NUMBER_SIZE, POINT_SPACING, to_screen
from train.strokes import CANVAS_SIZE, resample

Drawing = tuple[list[np.ndarray], str]  # strokes in canvas pixels, brush label (Thin, Medium, Thick)
WHEN_IDLE_JS = "() => window.digitApp.whenIdle()"
# What each way of reading read, per mode: in digit mode the image model's, the stroke reader's and
# the fused probabilities (app.js lastReading, without the points); in number mode the number
# reader's and the segmentation's numbers.
DETAILS_JS = {
    "digit": "() => { const r = window.digitApp.lastReading; return r && {...r, points: null}; }",
    "number": "() => window.digitApp.lastNumber?.readings ?? null",
}


def mouse(cdp: CDPSession, kind: str, x: float, y: float, pressed: bool):
    """One DevTools mouse event with the left button up or down."""
    return cdp.send(
        "Input.dispatchMouseEvent",
        {
            "type": kind,
            "x": float(x),
            "y": float(y),
            "button": "left" if pressed or kind == "mouseReleased" else "none",
            "buttons": 1 if pressed else 0,
            "clickCount": 0 if kind == "mouseMoved" else 1,
        },
    )


async def stroke(cdp: CDPSession, points: np.ndarray) -> None:
    """Press, move through all points with the moves in flight together, release."""
    await mouse(cdp, "mouseMoved", *points[0], pressed=False)
    await mouse(cdp, "mousePressed", *points[0], pressed=True)
    await asyncio.gather(*(mouse(cdp, "mouseMoved", x, y, pressed=True) for x, y in points[1:]))
    await mouse(cdp, "mouseReleased", *points[-1], pressed=False)


# Per mode: the canvas drawn on, its pixel size, and where the page shows what it read.
MODES = {
    "digit": ("draw-canvas", (CANVAS_SIZE, CANVAS_SIZE), "prediction"),
    "number": ("number-canvas", NUMBER_SIZE, "number-prediction"),
}


async def read_all(
    chromium: Path, args: list[str], url: str, drawings: list[Drawing], mode: str = "digit"
) -> tuple[str, list[str], list[dict | None]]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(chromium), args=args)
        page = await browser.new_page(**DESKTOP)
        await page.goto(url)
        # A function, not an expression: the page's CSP refuses eval (see pages.py).
        await page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=60_000)
        await page.evaluate("() => window.digitApp.strokeReaderLoaded")  # loads after the classifier
        cdp = await page.context.new_cdp_session(page)
        canvas, size, prediction = MODES[mode]
        if mode != "digit":
            await page.get_by_test_id("mode-select").select_option(mode)
            await page.evaluate(WHEN_IDLE_JS)
        box = await page.evaluate(CANVAS_BOX_JS, canvas)
        clear = await page.get_by_test_id("clear").bounding_box()
        clear_centre = (clear["x"] + clear["width"] / 2, clear["y"] + clear["height"] / 2)
        readings, details, brush = [], [], None
        for strokes, wanted_brush in drawings:
            if wanted_brush != brush:
                await page.get_by_test_id("brush").select_option(label=wanted_brush)
                brush = wanted_brush
            for points in strokes:
                await stroke(cdp, to_screen(resample(points, POINT_SPACING), box, size))
            await page.evaluate(WHEN_IDLE_JS)
            readings.append(await page.get_by_test_id(prediction).text_content())
            details.append(await page.evaluate(DETAILS_JS[mode]))
            await mouse(cdp, "mouseMoved", *clear_centre, pressed=False)
            await mouse(cdp, "mousePressed", *clear_centre, pressed=True)
            await mouse(cdp, "mouseReleased", *clear_centre, pressed=False)
            await page.evaluate(WHEN_IDLE_JS)
        model = await page.evaluate("window.digitApp.model")
        if mode == "digit":  # the stroke reader read beside it
            model += f" + {await page.evaluate('window.digitApp.strokeReader')}"
        await browser.close()
    return model, readings, details


def read_drawings(
    chromium: Path, args: list[str], url: str, drawings: list[Drawing], mode: str = "digit"
) -> tuple[str, list[str], list[dict | None]]:
    """Draw each drawing on a clean canvas by mouse, in the page's "digit" or "number" mode
    -> (the models' name@version, what the page read for each, and what each way of reading read
    on its own: in digit mode {way, image, strokes, fused, disagree, imageWeight} with each model's
    10 probabilities (strokes and fused None where the image alone read), in number mode {reader,
    segmentation}). In digit mode the name is the classifier's "+" the stroke reader's."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read_all(chromium, args, url, drawings, mode)).result()
