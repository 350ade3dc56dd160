"""The app offline in real headless Chromium: first visit online, then no network at all.

The test runs its own server and shuts it down before going offline, on top of the
context's offline mode: a request that slipped past the service worker's cache would
then fail for real, not be answered by a server that is still up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from waitress.server import create_server

import pwa
from server import create_app
from tests.browser.chromium import CHROMIUM, DESKTOP, NO_WEBGL_ARGS
from tests.browser.pages import DrawingPage
from tests.browser.test_page import SEVEN, on_canvas

# Resolves with the worker's state once the page's registration has an active worker: the
# worker is activated only after its install filled the cache with every listed file.
WORKER_STATE_JS = """async () => {
  const registration = await window.digitPwa.registration;
  await navigator.serviceWorker.ready;
  const worker = registration.active;
  if (worker.state !== 'activated') {
    await new Promise((resolve) => worker.addEventListener('statechange', resolve));
  }
  return worker.state;
}"""
CACHED_URLS_JS = """async () => {
  const names = await caches.keys();
  const urls = [];
  for (const name of names) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname + new URL(request.url).search);
  }
  return {names, urls};
}"""


class StoppableServer:
    """The app under waitress on a free port, in a thread, until stop()."""

    def __init__(self):
        self.server = create_server(create_app(), host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}/"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.close()


@pytest.fixture
def server() -> Iterator[StoppableServer]:
    server = StoppableServer()
    yield server
    server.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(**DESKTOP)
    yield context
    context.close()


def first_visit(page: Page, server: StoppableServer) -> tuple[DrawingPage, dict]:
    """Open the page online and wait for the worker to be active; returns the page and the cache."""
    drawing = DrawingPage(page).open(server.url)
    assert page.evaluate(WORKER_STATE_JS) == "activated"
    return drawing, page.evaluate(CACHED_URLS_JS)


def go_offline(context: BrowserContext, server: StoppableServer) -> None:
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url, timeout=2)
    context.set_offline(True)


def test_after_one_visit_the_page_reads_a_drawn_digit_offline(context: BrowserContext, server) -> None:
    page = context.new_page()
    drawing, cached = first_visit(page, server)
    listed = requests.get(server.url + "offline.json", timeout=10).json()
    assert cached["names"] == [f"digit-reader-{listed['version']}"]
    assert sorted(cached["urls"]) == sorted(listed["files"])  # the page, scripts, TF.js, every model

    go_offline(context, server)
    page.reload()
    assert drawing.wait_ready() == "true"
    assert drawing.wait_stroke_reader()  # loaded after the classifier, from the cache too
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    drawing.testid("offline-ready").wait_for(state="visible")  # the page says it needs no network
    assert drawing.testid("load-text").text_content().startswith("Models loaded: ")  # from the cache
    drawing.draw(on_canvas(SEVEN))
    assert drawing.prediction() == "7"
    assert drawing.reading()["way"] == "fused"  # read by its image and by its movement, offline
    # A second model, never loaded online, comes from the cache as well.
    drawing.testid("model-select").select_option("mnist_mlp")
    assert drawing.wait_ready() == "true"
    drawing.testid("predict").click()
    drawing.wait_idle()
    assert drawing.prediction() == "7"
    assert drawing.model_name().startswith("mnist_mlp@")


def test_chromium_finds_the_app_installable(playwright: Playwright, server, tmp_path: Path) -> None:
    """Chromium's own check behind "Install app": manifest, icons, start URL, and a worker that
    controls it. A profile on disk, since Chromium offers no installing in incognito windows."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=str(CHROMIUM), args=NO_WEBGL_ARGS, **DESKTOP
    )
    try:
        page = context.new_page()
        first_visit(page, server)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        assert cdp.send("Page.getAppManifest")["errors"] == []
    finally:
        context.close()


def test_a_new_version_is_offered_and_replaces_the_cache_on_reload(
    context: BrowserContext, server, monkeypatch, tmp_path: Path
) -> None:
    page = context.new_page()
    drawing, cached = first_visit(page, server)
    assert page.get_by_test_id("update-banner").is_hidden()  # the first worker is no update
    # A new release: a worker whose code differs (a retrained model or a new script does the same).
    released = tmp_path / "sw.js"
    released.write_text(pwa.WORKER_FILE.read_text() + "// release 2\n")
    monkeypatch.setattr(pwa, "WORKER_FILE", released)
    new_version = requests.get(server.url + "offline.json", timeout=10).json()["version"]
    assert cached["names"] != [f"digit-reader-{new_version}"]

    page.reload()  # served by the old worker, which the browser now finds outdated
    banner = page.get_by_test_id("update-banner")
    banner.wait_for(state="visible", timeout=60_000)
    assert drawing.wait_ready() == "true"  # the page keeps working on the old version meanwhile
    with page.expect_navigation():
        page.get_by_test_id("update-reload").click()
    assert drawing.wait_ready() == "true"
    assert page.evaluate(WORKER_STATE_JS) == "activated"
    assert page.evaluate(CACHED_URLS_JS)["names"] == [f"digit-reader-{new_version}"]  # the old one is gone
    assert banner.is_hidden()


def scene_file(directory: Path, seed: int = 11) -> Path:
    """A generated street scene (a house number on a wall, box known) as a JPEG, as a phone takes one."""
    from train.synth import render_scene, sample_rng

    scene = render_scene(sample_rng(seed, 0))
    path = directory / "door.jpg"
    Image.fromarray(np.asarray(scene.image, dtype=np.uint8)).save(path, quality=92)
    return path


@pytest.fixture
def wasm_context(playwright: Playwright) -> Iterator[BrowserContext]:
    """Chromium without WebGL: TF.js runs on WASM, whose binaries must then come from the cache too
    (and which runs the photo page's two CNNs many times faster than WebGL on SwiftShader)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=NO_WEBGL_ARGS)
    context = browser.new_context(**DESKTOP)
    yield context
    context.close()
    browser.close()


def test_after_one_visit_the_photo_page_reads_a_photo_offline(
    wasm_context: BrowserContext, server, tmp_path: Path
) -> None:
    """The "House number" page's contract (issue 5): photo-input, crop-box, read-number, number-result."""
    context = wasm_context
    page = context.new_page()
    first_visit(page, server)  # the drawing page: the worker caches every page, this one included
    if "/photo" not in requests.get(server.url + "offline.json", timeout=10).json()["files"]:
        pytest.skip("the app has no photo page (/photo) yet")
    photo = scene_file(tmp_path)

    go_offline(context, server)
    page.goto(server.url + "photo")
    ready = DrawingPage(page).wait_ready()  # TF.js, the reader and the localizer, all from the cache
    assert ready == "true", page.locator("[role=alert]").all_text_contents()
    assert page.evaluate("window.housePage.tfBackend()") == "wasm"
    page.get_by_test_id("photo-input").set_input_files(str(photo))
    # With no box from the user the page places one itself; then read the number inside it.
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=crop-box]')?.dataset.w) > 0", timeout=60_000
    )
    page.get_by_test_id("read-number").click()
    page.wait_for_function(
        "() => /\\d/.test(document.querySelector('[data-testid=number-result]').textContent)", timeout=60_000
    )
    assert page.get_by_test_id("number-result").text_content().strip().isdigit()
