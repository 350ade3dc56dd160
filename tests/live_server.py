"""`python server.py` in a process of its own on a free loopback port, as people run it: for the
tests that need the real server and for bench/page.py (a server inside the measuring process
would share its interpreter lock with the browser driver, and slow both)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JS_DIR = ROOT / "web" / "static" / "js"
BUILD_DIR = ROOT / "web" / "static" / "build"


def build_stale_bundles() -> None:
    """Bundle our modules again (scripts/build_js.mjs) when one is newer than the bundles, as the pages
    load the bundles: a test must see the modules as they are, not as `npm ci` last bundled them."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "esbuild").is_dir():
        return  # no `npm ci`, no TF.js either: the pages say so, and the API and the load test need neither
    bundles = list(BUILD_DIR.glob("*.js"))
    newest = max(path.stat().st_mtime for path in JS_DIR.glob("*.js"))
    if not bundles or min(path.stat().st_mtime for path in bundles) < newest:
        subprocess.run(["node", str(ROOT / "scripts" / "build_js.mjs")], cwd=ROOT, check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    """Poll url until the server started as process answers it; raise if it dies or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)


@contextmanager
def python_server(quiet: bool = False) -> Iterator[str]:
    """`python server.py` on a free loopback port: its base URL (no trailing slash), once it answers."""
    build_stale_bundles()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port)], cwd=ROOT, stdout=output, stderr=output
    )
    try:
        wait_until_answering(base + "/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
