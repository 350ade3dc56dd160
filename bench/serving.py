"""What serving costs: seconds from `python server.py` to its first answers, and the server's memory.

    python -m bench.serving                            # this checkout, with this Python
    python -m bench.serving --python /tmp/rt/bin/python --runs 3
    python -m bench.serving --checkout /tmp/before     # another checkout (its own server.py and models)

Each run starts the server on a free loopback port and polls /healthz until it answers; then asks
each prediction route once, the digit first, as a client would. It prints one JSON line per run:
seconds from the start to listening, to the first /api/predict answer (the models load on first use)
and to every route answered, and the server process's resident memory (MB) after the first answer
and after all of them (every model loaded).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from tests.drawings import SEVEN, draw_polylines
from tests.live_server import ROOT, free_port, wait_until_answering

# The routes in the order a client asks them: the first is the ready time's answer.
ROUTES = ("/api/predict/mnist-cnn", "/api/predict/mnist-mlp", "/api/predict/house?find=1", "/api/predict/number")
MB = 1024 * 1024


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def post(url: str, body: bytes) -> dict:
    """The image as the raw body, as `curl --data-binary` sends it; the answer must be a reading."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "image/png"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def measure(python: str, checkout: Path, image: bytes) -> dict:
    """One cold start of checkout's server.py -> its timings (s) and resident memory (MB)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    command = [python, "server.py", "--port", str(port)]
    process = subprocess.Popen(command, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(base + "/healthz", process, timeout=120)
        listening = time.perf_counter() - started
        post(base + ROUTES[0], image)
        first = time.perf_counter() - started
        rss_first = psutil.Process(process.pid).memory_info().rss / MB
        for route in ROUTES[1:]:
            post(base + route, image)
        return {
            "listening_s": round(listening, 2),
            "first_prediction_s": round(first, 2),
            "all_routes_s": round(time.perf_counter() - started, 2),
            "rss_after_first_mb": round(rss_first, 1),
            "rss_after_all_mb": round(psutil.Process(process.pid).memory_info().rss / MB, 1),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time from `python server.py` to its first answers, and its memory.")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs the server (default: this one)")
    parser.add_argument("--checkout", default=str(ROOT), help="the checkout whose server.py runs (default: this one)")
    parser.add_argument("--runs", type=int, default=1, help="cold starts, one JSON line each (default: 1)")
    args = parser.parse_args(argv)
    image = png(draw_polylines(SEVEN))
    for _ in range(args.runs):
        figures = measure(args.python, Path(args.checkout), image)
        print(json.dumps({"python": args.python, "checkout": args.checkout, **figures}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
