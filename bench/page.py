"""The page's own time to first prediction: the real drawing page, served by `python server.py` in a
process of its own (waitress, loopback), opened in headless Chromium as a new visitor opens it.

    python -m bench.page                 # 9 visits; prints each and the median
    python -m bench.page --visits 15 --json /tmp/page.json

Each visit is a fresh browser context (empty HTTP cache, no service worker, no localStorage)
and a fresh navigation. As soon as the page's script has made the canvas drawable, a dot is
drawn with the mouse (two input events: a stroke's dozens would wait for a busy page and time
the input, not the page); "first prediction" is the page's performance.now() (0 at navigation
start) when it has read that dot, so it covers loading TF.js, starting the backend, the model
download and warm-up, and the reading.
"ready" is when body[data-ready] became "true" (model loaded and warmed up).

Then one more visit, on a device whose kept verdict is WASM: once the stroke reader (loaded after
the classifier) is in, a 7 is drawn and read again and again with the Predict button; "warm
reading" is the page's own time for one reading by both models, fused (hook.lastReadMs), and the
stroke reader's download is what the fetches of its files took (Resource Timing where the models
load: the reading worker's).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

import numpy as np
from playwright.sync_api import Browser, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.browser.pages import DrawingPage, known_device
from tests.live_server import python_server

VISITS = 9
WARM_READINGS = 30  # readings of one drawing by both models, once both are warm
SEVEN = [np.array([(70.0, 60.0), (210.0, 60.0), (120.0, 230.0)])]  # canvas pixels: something to read
# Bytes of the stroke reader's files as the page fetched them: over the wire (headers included),
# the bodies as sent (compressed where the server compresses), and the bodies as read.
STROKE_READER_BYTES_JS = """async () => (await window.digitApp.resources())
  .filter((e) => e.name.includes('/models/stroke_reader/'))
  .reduce((sum, e) => ({transfer: sum.transfer + e.transferSize, encoded: sum.encoded + e.encodedBodySize,
                        decoded: sum.decoded + e.decodedBodySize, files: sum.files + 1}),
          {transfer: 0, encoded: 0, decoded: 0, files: 0})"""
TIMEOUT_MS = 120_000
# performance.now() at the moment the condition holds: polled every animation frame.
FIRST_READING_JS = "() => window.digitApp?.predictions > 0 && performance.now()"
# Installed before the page's own scripts: notes when body[data-ready] first turns "true".
READY_SCRIPT = """new MutationObserver(() => {
  if (document.body?.dataset.ready === 'true') window.benchReadyMs ??= performance.now();
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-ready']});"""


def canvas_centre(browser: Browser, url: str) -> tuple[float, float]:
    """Where the drawing canvas's centre is in the page's layout (the same on every visit), found on a
    visit of its own: asking a page that is busy loading costs a round trip that waits for it."""
    context = browser.new_context(**DESKTOP)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.ready !== 'false'", timeout=TIMEOUT_MS)
        box = page.get_by_test_id("draw-canvas").bounding_box()
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    finally:
        context.close()


def visit(browser: Browser, url: str, centre: tuple[float, float]) -> dict:
    """One new visitor: {first_prediction_ms, ready_ms, backend, why}, times from navigation start."""
    context = browser.new_context(**DESKTOP)
    try:
        context.add_init_script(READY_SCRIPT)
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.digitApp !== undefined", timeout=TIMEOUT_MS, polling=10)
        page.mouse.click(*centre)  # a dot: ink to read
        first = page.wait_for_function(FIRST_READING_JS, timeout=TIMEOUT_MS, polling="raf").json_value()
        return {
            "first_prediction_ms": round(first, 1),
            "ready_ms": round(page.evaluate("window.benchReadyMs"), 1),
            "backend": page.evaluate("window.digitApp.backend"),
            "why": page.get_by_test_id("backend").text_content(),
        }
    finally:
        context.close()


def warm_reading(browser: Browser, url: str, readings: int = WARM_READINGS) -> dict:
    """A visitor known to read on WASM: the warm reading time by both models, and the stroke reader's bytes."""
    context = browser.new_context(**DESKTOP)
    try:
        context.add_init_script(known_device("wasm"))
        drawing = DrawingPage(context.new_page()).open(url)  # waits for the stroke reader too
        drawing.draw(SEVEN)
        times, ways = [], set()
        for _ in range(readings):
            drawing.testid("predict").click()
            drawing.wait_idle()
            times.append(drawing.page.evaluate("window.digitApp.lastReadMs"))
            ways.add(drawing.reading()["way"])
        return {
            "backend": drawing.page.evaluate("window.digitApp.tfBackend()"),
            "ways": sorted(ways),  # ["fused"]: every reading was by both models
            "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2),
            "count": len(times),
            "stroke_reader_bytes": drawing.page.evaluate(STROKE_READER_BYTES_JS),
        }
    finally:
        context.close()


def measure(visits: int = VISITS, log=print) -> dict:
    """Visit the page `visits` times; the medians and every visit, then the warm reading by both models."""
    results = []
    with python_server(quiet=True) as base, sync_playwright() as p:
        url = base + "/"
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            centre = canvas_centre(browser, url)
            for i in range(visits):
                result = visit(browser, url, centre)
                result["load_1min"] = round(os.getloadavg()[0], 2)
                results.append(result)
                log(
                    f"visit {i + 1}/{visits}: first prediction {result['first_prediction_ms']:.0f} ms, "
                    f"ready {result['ready_ms']:.0f} ms, backend {result['why']}, load {result['load_1min']}"
                )
            warm = warm_reading(browser, url)
        finally:
            browser.close()
    return {
        "visits": results,
        "first_prediction_median_ms": median_of(results, "first_prediction_ms"),
        "ready_median_ms": median_of(results, "ready_ms"),
        "warm_reading_both_models": warm,
    }


def median_of(visits: list[dict], key: str) -> float:
    return statistics.median(v[key] for v in visits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The drawing page's time to first prediction, as a new visitor.")
    parser.add_argument("--visits", type=int, default=VISITS, help=f"fresh visits (default: {VISITS})")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = measure(args.visits)
    print(
        f"page's time to first prediction: median {figures['first_prediction_median_ms']:.0f} ms over "
        f"{args.visits} visits (ready: median {figures['ready_median_ms']:.0f} ms)"
    )
    warm = figures["warm_reading_both_models"]
    print(
        f"warm reading by both models, fused ({warm['backend']}, ways {', '.join(warm['ways'])}): median "
        f"{warm['median_ms']:.1f} ms, max {warm['max_ms']:.1f} ms over {warm['count']} readings"
    )
    size = warm["stroke_reader_bytes"]
    print(
        f"stroke reader download: {size['decoded']} bytes in {size['files']} files "
        f"({size['encoded']} as sent, {size['transfer']} over the wire with headers)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
