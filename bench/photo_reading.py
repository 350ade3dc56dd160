"""The photo page's warm reading of one photo on WASM: the real page, served by `python server.py` in a
process of its own, in headless Chromium, a 1600x1200 photo (a generated street scene, enlarged: the
size the page reads a phone photo at) opened as a person opens it.

    python -m bench.photo_reading                  # this tree's page: medians of 9 readings of each kind
    python -m bench.photo_reading --before HEAD    # and the page with its crops as at HEAD, interleaved
    python -m bench.photo_reading --readings 15 --json /tmp/photo.json

Three times, each the page's own (performance.now() around the call):
- "read the box": the Read button on a box (model.js readHouseNumber: the box and its variants
  cropped, preprocessHouse, then one batch through the reader), hook.lastReadMs;
- "find and read": the Find button (locate.js findHouseNumber: two looks of the localizer, fitRegion
  each, then the box's variants read as above), hook.lastLocateMs;
- "crop": the reader's input for the box alone (houseCrop.js preprocessHouse, read back).

With --before REF a second browser context gets houseCrop.js and photoView.js (or --scripts) as at
REF (git show) in place of this tree's, the page's other scripts as they are here, and the two pages
take turns, one reading of each kind at a time, so a machine whose load changes weighs on both alike.
Both must read the photo the same: the same box, number and confidence, and the same crop to the bit
("same": the runs say whether they did).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import BrowserContext, sync_playwright

from reader.paths import REPO_ROOT
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.browser.pages import known_device
from tests.browser.photo_page import PhotoPage, png_bytes
from tests.live_server import python_server

READINGS = 9
PHOTO_SIZE = (1600, 1200)  # photo.js MAX_SIDE: a 12 MP phone photo is read at this size
SCENE_SEED = 26
JS_DIR = "web/static/js"
CROP_SCRIPTS = ("houseCrop.js", "photoView.js")  # what --before swaps: the crops of the photo
# The page's own time for one crop of the current box, read back as the page's test hook does.
CROP_MS_JS = """async () => {
  const started = performance.now();
  await window.housePage.cropInput(); // in the reading worker: the time includes the round trip
  return performance.now() - started;
}"""


def bench_photo() -> tuple[np.ndarray, list[int]]:
    """A generated street scene enlarged to 1600x1200, and its number's box in the enlarged photo."""
    from train.synth import generate_scenes

    scene = generate_scenes(1, seed=SCENE_SEED)[0]
    height, width = scene.image.shape[:2]
    image = np.asarray(Image.fromarray(scene.image).resize(PHOTO_SIZE, Image.Resampling.BICUBIC))
    sx, sy = PHOTO_SIZE[0] / width, PHOTO_SIZE[1] / height
    x, y, w, h = scene.box
    return image, [round(x * sx), round(y * sy), round(w * sx), round(h * sy)]


def git(*args: str) -> str:
    """The output of a git command that only reads the repository (git show)."""
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout


def scripts_at(ref: str, names: tuple[str, ...]) -> dict[str, str]:
    """{file name: text} of these web/static/js scripts as at a git revision."""
    return {name: git("show", f"{ref}:{JS_DIR}/{name}") for name in names}


def serve_scripts(context: BrowserContext, scripts: dict[str, str]) -> None:
    """Answer the page's requests for these modules with `scripts`' texts; the others come from the server."""

    def answer(text: str):
        return lambda route: route.fulfill(status=200, content_type="text/javascript", body=text)

    for name, text in scripts.items():
        context.route(f"**/static/js/{name}*", answer(text))


class Visitor:
    """One browser context on the photo page, on WASM, with the bench photo open."""

    def __init__(self, context: BrowserContext, base: str, photo: np.ndarray, box: list[int]):
        self.context = context
        self.box = box
        self.photo_page = PhotoPage(context.new_page()).open(base + "/")
        self.photo_page.upload(png_bytes(photo))  # the page finds and reads it once: now warm
        self.times = {"read_box_ms": [], "find_and_read_ms": [], "crop_ms": []}
        self.results = []

    def click_and_wait(self, testid: str) -> None:
        before = self.photo_page.reads()
        self.photo_page.testid(testid).click()
        self.photo_page.wait_for_read(before)

    def one_round(self) -> None:
        """One reading of each kind: find and read, then read the bench box, then crop it."""
        page, state = self.photo_page.page, self.photo_page.state
        self.click_and_wait("find-number")
        self.times["find_and_read_ms"].append(state("lastLocateMs"))
        found = state("lastResult")
        page.evaluate("(box) => window.housePage.setBox(box)", self.box)
        self.click_and_wait("read-number")
        self.times["read_box_ms"].append(state("lastReadMs"))
        read = state("lastResult")
        self.times["crop_ms"].append(page.evaluate(CROP_MS_JS))
        self.results.append(
            {
                "found": [found["number"], found["confidence"], found["box"]],
                "read": [read["number"], read["confidence"]],
            }
        )

    def crop(self) -> list[float]:
        return self.photo_page.page.evaluate("() => window.housePage.cropInput()")

    def figures(self) -> dict:
        medians = {key: round(statistics.median(times), 2) for key, times in self.times.items()}
        return {
            **{f"{key.removesuffix('_ms')}_median_ms": value for key, value in medians.items()},
            "times_ms": {key: [round(t, 2) for t in times] for key, times in self.times.items()},
            "backend": self.photo_page.page.evaluate("() => window.housePage.tfBackend()"),
            "reading": self.results[-1],
        }


def new_context(browser, scripts: dict[str, str] | None) -> BrowserContext:
    # No service worker: it would fetch the modules itself, past the routes.
    context = browser.new_context(**DESKTOP, service_workers="block")
    context.add_init_script(known_device("wasm"))
    if scripts is not None:
        serve_scripts(context, scripts)
    return context


def measure(
    readings: int = READINGS, before: str | None = None, scripts: tuple[str, ...] = CROP_SCRIPTS, log=print
) -> dict:
    """{"after": figures[, "before": figures, "same": bool]}: this tree's page, and the page with
    `scripts` as at `before`."""
    photo, box = bench_photo()
    versions = {"after": None} | ({"before": scripts_at(before, scripts)} if before else {})
    with python_server(quiet=True) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            visitors = {name: Visitor(new_context(browser, s), base, photo, box) for name, s in versions.items()}
            order = list(visitors)
            for i in range(readings):
                for name in order:
                    visitors[name].one_round()
                order.reverse()  # neither page always goes first
                line = ", ".join(
                    f"{name}: find {v.times['find_and_read_ms'][-1]:.0f} ms, read {v.times['read_box_ms'][-1]:.0f} ms, "
                    f"crop {v.times['crop_ms'][-1]:.1f} ms"
                    for name, v in visitors.items()
                )
                log(f"round {i + 1}/{readings}: {line}, load {os.getloadavg()[0]:.1f}")
            figures = {name: v.figures() for name, v in visitors.items()}
            if before:
                crops = [visitors[name].crop() for name in versions]
                readings_alike = visitors["after"].results == visitors["before"].results
                figures["same"] = readings_alike and crops[0] == crops[1]
        finally:
            browser.close()
    swapped = list(scripts) if before else []
    return {"photo_size": list(PHOTO_SIZE), "box": box, "before_ref": before, "before_scripts": swapped, **figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The photo page's warm reading of a 1600x1200 photo on WASM.")
    parser.add_argument("--readings", type=int, default=READINGS, help=f"rounds of readings (default: {READINGS})")
    parser.add_argument("--before", metavar="REF", help="also time the page with --scripts as at this git revision")
    parser.add_argument(
        "--scripts",
        nargs="+",
        default=list(CROP_SCRIPTS),
        help="web/static/js files --before swaps (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = measure(args.readings, args.before, tuple(args.scripts))
    for name in ("before", "after"):
        if name not in figures:
            continue
        f = figures[name]
        label = f"{name} ({', '.join(args.scripts)} at {args.before})" if name == "before" else f"{name} (this tree)"
        print(
            f"{label}, {f['backend']}, medians of {args.readings}: "
            f"find and read {f['find_and_read_median_ms']:.0f} ms, "
            f"read the box {f['read_box_median_ms']:.0f} ms, crop {f['crop_median_ms']:.1f} ms"
        )
    if args.before:
        print(f"same box, number, confidence and crop: {figures['same']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
