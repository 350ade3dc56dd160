"""In-browser latency: serve the bench page, the vendored TF.js and the exports; drive headless Chromium.

Each (model, backend) pair gets a fresh browser context and a fresh navigation, so the
time to first prediction pays for TF.js, the backend, the model download and the cold
predict, with an empty HTTP cache. The page (web/static/bench/) does the timing itself.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlencode

from playwright.sync_api import Browser, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # the browser tests' Chromium, flags and all
from train.data import REPO_ROOT

BENCH_PAGE_DIR = REPO_ROOT / "web" / "static" / "bench"
VENDOR_DIR = REPO_ROOT / "web" / "static" / "vendor"
BACKENDS = ("webgl", "wasm", "cpu")


class BenchHandler(SimpleHTTPRequestHandler):
    """Static files from three roots: /bench/ (the page), /vendor/ (TF.js), /models/ (the exports)."""

    roots: dict[str, Path] = {}
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        for prefix, root in self.roots.items():
            if path.startswith(f"/{prefix}/"):
                target = (root / path[len(prefix) + 2 :]).resolve()
                if target.is_relative_to(root.resolve()):
                    return str(target)
        return str(REPO_ROOT / "missing")  # a 404, never a file outside the roots

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # each navigation downloads the model again
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        pass


@contextmanager
def bench_server(models_dir: Path) -> Iterator[str]:
    """Base URL of a local static server for the bench page and the exports in `models_dir`."""
    roots = {"bench": BENCH_PAGE_DIR, "vendor": VENDOR_DIR, "models": Path(models_dir)}
    handler = type("Handler", (BenchHandler,), {"roots": roots})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(REPO_ROOT)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def bench_url(base: str, model_path: str, backend: str, predictions: int, max_seconds: float) -> str:
    """The page URL for one measurement; model_path is relative to the models root."""
    query = urlencode(
        {"model": f"/models/{quote(model_path)}", "backend": backend, "n": predictions, "max_seconds": max_seconds}
    )
    return f"{base}/bench/index.html?{query}"


def measure_once(browser: Browser, url: str, timeout_s: float) -> dict:
    """Open `url` in a fresh context and return the page's window.benchResult."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("window.benchResult !== undefined", timeout=timeout_s * 1000, polling=200)
        return page.evaluate("window.benchResult")
    finally:
        context.close()


def measure_latency(
    models_dir: Path,
    model_paths: dict[str, str],
    backends: tuple[str, ...] = BACKENDS,
    predictions: int = 200,
    max_seconds: float = 60.0,
    log=print,
) -> tuple[dict[str, dict[str, dict]], str]:
    """{model: {backend: page result}} for every pair, and Chromium's version.

    model_paths maps a model's name to its model.json, relative to models_dir. A pair
    whose predictions take longer than max_seconds in all stops early; its count says so.
    """
    results: dict[str, dict[str, dict]] = {}
    with bench_server(models_dir) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name, path in model_paths.items():
                for backend in backends:
                    url = bench_url(base, path, backend, predictions, max_seconds)
                    result = measure_once(browser, url, timeout_s=max_seconds * 3 + 120)
                    results.setdefault(name, {})[backend] = result
                    log(f"{name:>18} {backend:>5}: {summary_line(result)}")
            return results, browser.version
        finally:
            browser.close()


def summary_line(result: dict) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    warm = result["warm"]
    return (
        f"median {warm['median_ms']:.2f} ms, p95 {warm['p95_ms']:.2f} ms over {warm['count']}; "
        f"first prediction {result['first_prediction_ms']:.0f} ms after navigation"
    )
