"""In-browser latency: serve the bench page, the vendored TF.js and the exports; drive headless Chromium.

Each (model, backend) pair gets a fresh browser context and a fresh navigation, so the
time to first prediction pays for TF.js, the backend, the model download and the cold
predict, with an empty HTTP cache. The page (web/static/bench/) does the timing itself.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlencode

from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from reader.paths import REPO_ROOT
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # the browser tests' Chromium, flags and all

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
    """Open `url` in a fresh context and return the page's window.benchResult (an error if it never came)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        try:
            page.wait_for_function("window.benchResult !== undefined", timeout=timeout_s * 1000, polling=200)
        except PlaywrightTimeoutError:
            progress = page.evaluate("window.benchProgress") or {}
            return {"error": f"no result in {timeout_s:.0f} s, stuck in: {progress.get('phase', 'loading the page')}"}
        return page.evaluate("window.benchResult")
    finally:
        context.close()


def summarize(times: list[float]) -> dict:
    """Median and 95th percentile (nearest rank) of milliseconds: the twin of bench.js' summarize."""
    ordered = sorted(times)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

    return {
        "count": len(ordered),
        "median_ms": rank(0.5),
        "p95_ms": rank(0.95),
        "min_ms": ordered[0],
        "max_ms": ordered[-1],
    }


def merge_rounds(visits: list[dict]) -> dict:
    """One result from several visits of a pair: warm figures over all timed predictions, and the
    median visit's time to first prediction (each visit is a fresh navigation)."""
    good = [v for v in visits if "error" not in v]
    if not good:
        return visits[-1]
    middle = sorted(good, key=lambda v: v["first_prediction_ms"])[(len(good) - 1) // 2]
    merged = {**middle, "warm": summarize([t for v in good for t in v["times"]]), "visits": len(good)}
    merged["first_prediction_ms_by_visit"] = [v["first_prediction_ms"] for v in good]
    merged.pop("times", None)
    return merged


def measure_latency(*args, **kwargs) -> tuple[dict[str, dict[str, dict]], str]:
    """measure_latency_here on a thread of its own: Playwright's sync API refuses to start on a
    thread whose asyncio loop already runs (the browser tests' session keeps one on pytest's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(measure_latency_here, *args, **kwargs).result()


def measure_latency_here(
    models_dir: Path,
    model_paths: dict[str, str],
    backends: tuple[str, ...] = BACKENDS,
    predictions: int = 200,
    max_seconds: float = 60.0,
    rounds: int = 1,
    log=print,
) -> tuple[dict[str, dict[str, dict]], str]:
    """{model: {backend: result}} for every pair, and Chromium's version.

    model_paths maps a model's name to its model.json, relative to models_dir. The pairs are
    visited in `rounds` interleaved rounds of predictions / rounds each, so that a burst of load
    from other jobs on a shared CPU falls on every model alike. A pair whose predictions pass
    max_seconds / rounds in a visit stops early there; its count says so.
    """
    visits: dict[tuple[str, str], list[dict]] = {}
    per_visit = max(1, math.ceil(predictions / rounds))
    with bench_server(models_dir) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for round_ in range(rounds):
                for name, path in model_paths.items():
                    for backend in backends:
                        url = bench_url(base, path, backend, per_visit, max_seconds / rounds)
                        result = measure_once(browser, url, timeout_s=max_seconds / rounds * 3 + 120)
                        result["load_1min"] = round(os.getloadavg()[0], 2)
                        visits.setdefault((name, backend), []).append(result)
                        log(f"round {round_ + 1}/{rounds} {name:>18} {backend:>5}: {summary_line(result)}")
            version = browser.version
        finally:
            browser.close()
    results: dict[str, dict[str, dict]] = {}
    for (name, backend), pair_visits in visits.items():
        results.setdefault(name, {})[backend] = merge_rounds(pair_visits)
    return results, version


def summary_line(result: dict) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    warm = result["warm"]
    return (
        f"median {warm['median_ms']:.2f} ms, p95 {warm['p95_ms']:.2f} ms over {warm['count']}; "
        f"first prediction {result['first_prediction_ms']:.0f} ms after navigation"
    )
