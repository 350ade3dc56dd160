"""The drawing page: Flask serves the page, its JS and CSS, TF.js from npm and the exported models.

    python server.py                        # waitress on http://127.0.0.1:5000
    python server.py --host 0.0.0.0 --port 8000
    flask --app server run --debug          # development server with reload

The browser does the reading: the page loads web/static/models/<name>/ with TF.js.
api.py adds a JSON prediction API for other programs. Every response gets the security
headers below and one JSON log line; errors on /api/ paths answer {error, detail}. Text goes out
compressed (brotli or gzip, flask-compress), static files at versioned URLs that browsers keep
for a year (assets.py).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import mimetypes
import sys
import time
from pathlib import Path

from flask import Flask, Response, current_app, g, render_template, request, url_for
from flask_compress import Compress
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

import api
import assets
import pwa
from preload import page_preloads
from reader.paths import MODELS_DIR

ROOT = Path(__file__).resolve().parent
STATIC_DIR = ROOT / "web" / "static"
# Made from node_modules by `npm ci` (scripts/vendor_tfjs.mjs); the page loads WebGL's on demand.
VENDOR_FILES = ("tf-base.min.js", "tf-backend-wasm.min.js", "tf-backend-webgl.min.js")
# What is loaded at run time, at the URLs the page gives (data-vendor-files: versioned, assets.py): TF.js
# itself, by the reading worker (or the page, where it cannot read in a worker), and what TF.js fetches.
RUNTIME_VENDOR_FILES = (
    "tf-base.min.js",
    "tf-backend-wasm.min.js",
    "tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm-simd.wasm",
    "tfjs-backend-wasm-threaded-simd.wasm",
    "tf-backend-webgl.min.js",
)
MODELS = {"mnist_cnn": "CNN", "mnist_mlp": "MLP"}  # folder under static/models/ -> label in the model switch
DEFAULT_MODEL = "mnist_cnn"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a phone photo is 2-6 MB; larger request bodies get the JSON 413
# Waitress reads a whole body (spooled to a temporary file past 512 KB) before the app sees it, and
# past its own limit answers a plain-text 413 and closes the socket mid-upload: a client still
# sending gets a reset, not an answer. So its limit is only a hard cap, far above the app's: any
# body up to it is read, then the app answers its JSON 413 and the connection lives on.
MAX_READ_BYTES = 80 * 1024 * 1024
THREADS = 4  # waitress workers: requests in flight at once; more wait in its queue, holding memory bounded
# What flask-compress compresses: text, and the WASM binaries (brotli: 425 KB -> 121 KB).
# Weight shards (.bin) stay as they are: brotli takes only a sixth off quantized weights, and the
# download bar (model.js countingFetch) divides the bytes read by Content-Length, which would then
# count compressed bytes while the body stream yields decompressed ones.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "text/plain",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "application/wasm",
]
# Brotli first (smaller), gzip for clients without it; the same for streamed responses, where
# flask-compress would leave gzip out by default.
COMPRESS_ALGORITHMS = ["br", "gzip"]
ROBOTS_TXT = "User-agent: *\nAllow: /\n"  # every page may be crawled; the API answers only POSTs

# Only the site's own files run or load: scripts and models from /static, the WASM backend's
# binaries ('wasm-unsafe-eval' lets them compile, nothing lets strings run as script), and blob:
# images the page may make from canvases. No inline script or style, no plugins, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a model shard is never run as a script, an upload never as HTML
    "Referrer-Policy": "no-referrer",
    # The camera for this site only (photographing a house number); nothing else the page does not use.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
}
request_log = logging.getLogger("server.requests")
error_log = logging.getLogger("server.errors")

# The system's mime.types decides what send_file says; some lack .wasm, or map .js to
# text/plain (Windows registry), and the WASM backend's streaming compile insists on
# application/wasm. Pin the types the page depends on.
for suffix, content_type in {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".bin": "application/octet-stream",
    ".wasm": "application/wasm",
}.items():
    mimetypes.add_type(content_type, suffix)


def missing_vendor_files(static_dir: Path = STATIC_DIR) -> list[str]:
    """TF.js files the page needs that `npm ci` has not copied into static/vendor/ yet."""
    return [name for name in VENDOR_FILES if not (static_dir / "vendor" / name).is_file()]


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    # SEND_FILE_MAX_AGE_DEFAULT None: static files go out with an ETag; assets.set_cache_control
    # then makes those at their current ?v= immutable and has the rest revalidate (304).
    app.config.from_mapping(
        MODELS=MODELS,
        DEFAULT_MODEL=DEFAULT_MODEL,
        SEND_FILE_MAX_AGE_DEFAULT=None,
        MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES,
        MODELS_DIR=MODELS_DIR,  # the API reads the TFLite exports in its tflite/ (reader/paths.py served_file)
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_ALGORITHM=COMPRESS_ALGORITHMS,
        COMPRESS_ALGORITHM_STREAMING=COMPRESS_ALGORITHMS,
        COMPRESS_BR_LEVEL=5,  # tf-base.min.js: 166 KB in 14 ms, against 178 KB in 11 ms at the default 4
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config.get("STATIC_FOLDER"):  # tests serve a copy of web/static to change files in
        app.static_folder = app.config["STATIC_FOLDER"]
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]  # Werkzeug answers 413 past it
    app.register_blueprint(api.bp)
    app.register_blueprint(pwa.bp)  # /sw.js and its file list: the app offline
    app.before_request(start_timer)
    app.before_request(refuse_oversize_body)
    app.url_defaults(assets.add_version)  # url_for('static', ...) -> ?v=<version>
    app.after_request(assets.set_cache_control)
    app.after_request(add_security_headers)
    Compress(app)  # after_request: Content-Encoding and Vary: Accept-Encoding
    app.after_request(log_request)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)

    def preloads(script: str) -> list[str]:
        # base.html loads the page's script and pwa.js as modules, where they are not bundled
        return page_preloads(Path(app.static_folder), url_for("static", filename=""), (script, "pwa.js"))

    def bundled(script: str) -> bool:
        """Whether scripts/build_js.mjs (`npm ci` runs it) has bundled this page's script; else its modules load as
        they are."""
        return (Path(app.static_folder) / "build" / script).is_file()

    @app.context_processor
    def vendor_files() -> dict[str, dict[str, str]]:
        return {"vendor_files": {name: url_for("static", filename=f"vendor/{name}") for name in RUNTIME_VENDOR_FILES}}

    @app.get("/")
    def index() -> str:
        return render_template(
            "index.html",
            models=app.config["MODELS"],
            default_model=app.config["DEFAULT_MODEL"],
            missing_vendor=missing_vendor_files(Path(app.static_folder)),
            preloads=preloads("app.js"),
            bundled=bundled("app.js"),
        )

    @app.get("/photo")
    def photo() -> str:
        # House numbers from a photo: read in the browser like the drawings; the photo never leaves it.
        return render_template(
            "photo.html",
            missing_vendor=missing_vendor_files(Path(app.static_folder)),
            preloads=preloads("photo.js"),
            bundled=bundled("photo.js"),
        )

    @app.get("/robots.txt")
    def robots() -> Response:
        return Response(ROBOTS_TXT, mimetype="text/plain")

    return app


# --- what every response gets -------------------------------------------------------------


def wants_json() -> bool:
    """Errors on API paths answer JSON; pages keep Werkzeug's small HTML pages."""
    return request.path.startswith("/api/") or request.path in ("/api", "/healthz")


def http_error(err: HTTPException) -> Response | HTTPException:
    """404, 405, 413 ... as {error, detail} on API paths, keeping headers such as Allow."""
    if not wants_json():
        return err
    detail = err.description
    if err.code == 413:  # Werkzeug's text does not say what the limit is
        detail = f"the request body is over the {current_app.config['MAX_CONTENT_LENGTH']:,} byte limit"
    response = err.get_response()
    response.set_data(json.dumps({"error": err.name.lower().replace(" ", "_"), "detail": detail}))
    response.mimetype = "application/json"
    return response


def unexpected_error(err: Exception) -> Response | HTTPException:
    """A bug, not bad input (HTTP errors go to http_error): the traceback to the log, none to the client."""
    error_log.exception("unhandled error on %s %s", request.method, request.path)
    return http_error(InternalServerError("the server failed to answer this request; it has been logged"))


def start_timer() -> None:
    g.started = time.perf_counter()


def refuse_oversize_body() -> None:
    """413 for any body over the limit, on every route: Werkzeug checks only when a view reads the
    body, so a view that fails first (unknown model, wrong method) would answer for an upload it refused."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def log_request(response: Response) -> Response:
    """One JSON line per request. Never the body: images are people's photos, and bytes would flood the log."""
    started = g.get("started", time.perf_counter())
    line = {
        "method": request.method,
        "path": request.path,  # json.dumps escapes newlines, so a crafted URL cannot forge log lines
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "model": g.get("model"),
    }
    request_log.info(json.dumps(line))
    return response


MMAP_THRESHOLD = 1 << 20  # bytes: blocks this large or larger come straight from the OS and go back on free
TRIM_THRESHOLD = 32 << 20  # bytes of free memory a heap keeps at its top before giving it back


def pin_malloc_thresholds() -> bool:
    """Pin glibc's mmap and trim thresholds (mallopt), so the server's memory is what it holds.

    By default glibc raises its mmap threshold to the largest block freed (up to 32 MB). A house
    number read with a given box reads 25 windows in one batch, whose tensors are such blocks; each
    worker thread's heap then kept them, and RSS rose by 8-40 MB over 1,000 mixed predictions and
    fell again at random (tests/test_load.py). Pinned, it rose 4.0-4.6 MB (three runs) and sits about
    100 MB lower, for a tenth fewer predictions a second on 2 cores. False where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h> parameter numbers
    return bool(libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD) and libc.mallopt(m_trim_threshold, TRIM_THRESHOLD))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the digit-drawing page with waitress.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    parser.add_argument("--threads", type=int, default=THREADS, help=f"worker threads (default: {THREADS})")
    args = parser.parse_args(argv)

    from waitress import serve

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    pin_malloc_thresholds()
    missing = missing_vendor_files()
    if missing:
        print(f"warning: web/static/vendor/ lacks {', '.join(missing)}; run `npm ci` to copy TF.js", file=sys.stderr)
    print(f"Serving the page on http://{args.host}:{args.port}/", flush=True)
    app = create_app()
    serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        max_request_body_size=MAX_READ_BYTES,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
