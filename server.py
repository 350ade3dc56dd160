"""The drawing page: Flask serves the page, its JS and CSS, TF.js from npm and the exported models.

    python server.py                        # waitress on http://127.0.0.1:5000
    python server.py --host 0.0.0.0 --port 8000
    flask --app server run --debug          # development server with reload

The browser does the reading: the page loads web/static/models/<name>/ with TF.js.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
from pathlib import Path

from flask import Flask, render_template

ROOT = Path(__file__).resolve().parent
STATIC_DIR = ROOT / "web" / "static"
VENDOR_FILES = ("tf.min.js", "tf-backend-wasm.min.js")  # copied from node_modules by `npm ci`
MODELS = {"mnist_cnn": "CNN", "mnist_mlp": "MLP"}  # folder under static/models/ -> label in the model switch
DEFAULT_MODEL = "mnist_cnn"

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
    # SEND_FILE_MAX_AGE_DEFAULT None: static files go out with an ETag and
    # "Cache-Control: no-cache", so a browser revalidates (304) and never keeps a stale model.
    app.config.from_mapping(MODELS=MODELS, DEFAULT_MODEL=DEFAULT_MODEL, SEND_FILE_MAX_AGE_DEFAULT=None)
    if test_config is not None:
        app.config.from_mapping(test_config)

    @app.get("/")
    def index() -> str:
        return render_template(
            "index.html",
            models=app.config["MODELS"],
            default_model=app.config["DEFAULT_MODEL"],
            missing_vendor=missing_vendor_files(Path(app.static_folder)),
        )

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the digit-drawing page with waitress.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    args = parser.parse_args(argv)

    from waitress import serve

    missing = missing_vendor_files()
    if missing:
        print(f"warning: web/static/vendor/ lacks {', '.join(missing)}; run `npm ci` to copy TF.js", file=sys.stderr)
    print(f"Serving the page on http://{args.host}:{args.port}/", flush=True)
    serve(create_app(), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
