"""Fixtures for the end-to-end tests: the real app under waitress, and Debian's headless Chromium.

Playwright drives /usr/bin/chromium (never a downloaded browser). SwiftShader gives
headless Chromium a software GPU, so the page runs TF.js on WebGL as on a real screen.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from waitress.server import create_server

from server import create_app
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.browser.pages import DrawingPage, known_device
from tests.live_server import build_stale_bundles


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Base URL of the app served by waitress, as `python server.py` serves it, on a free port."""
    build_stale_bundles()
    server = create_server(create_app(), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/"
    server.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: a temporary folder, so tests leave the tree clean; `make screenshots`
    sets SCREENSHOT_DIR=docs to refresh the README's pictures."""
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; the browser tests skip without it (fail when REQUIRE_BROWSER=1)."""
    require_browser_file(CHROMIUM, "install Debian's chromium package")
    return CHROMIUM


def require_browser_file(path: Path, how: str) -> None:
    """Skip a browser test when a file it needs is missing; fail instead when REQUIRE_BROWSER=1 (CI)."""
    if not path.is_file():
        message = f"{path} not found: {how}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def playwright(chromium: Path) -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop tab, not yet on the app (tests may set up routes first), on a device the
    pages know: WASM reads faster here (as it does on SwiftShader), so no test pays for timing
    WebGL unless it opens a context of its own."""
    context = browser.new_context(**DESKTOP)
    context.add_init_script(known_device("wasm"))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def drawing(page: Page, live_server: str) -> DrawingPage:
    """The page opened on a desktop screen, model loaded and warmed up."""
    return DrawingPage(page).open(live_server)


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[DrawingPage]:
    """The page on a 360 px wide touch screen."""
    context = browser.new_context(**PHONE)
    context.add_init_script(known_device("wasm"))
    yield DrawingPage(context.new_page()).open(live_server)
    context.close()
