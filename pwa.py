"""The installable, offline app: the service worker at the site root and the files it caches.

    GET /sw.js         web/static/sw.js, with `self.OFFLINE = {version, files}` put above its code
    GET /offline.json  the same {version, files}, for tests and for a person checking what is cached

The file list is made from the folders on every request, so a new model under
web/static/models/ (or a new script) is cached without editing the worker. The version is
a digest of every listed file; when anything changes, /sw.js changes byte for byte, which
is what makes a browser install the new worker, and the page then offers a reload.
Every file is listed under the URL the page asks for (assets.py): ?v=<digest> for styles,
icons and TF.js, model.json?v=<metadata version> and its shards for models, the plain URL for
our ES modules; so a changed file is fetched anew rather than served stale.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

from assets import model_version, versioned_url

bp = Blueprint("pwa", __name__)

ROOT = Path(__file__).resolve().parent
WORKER_FILE = ROOT / "web" / "static" / "sw.js"
TEMPLATES_DIR = ROOT / "web" / "templates"
PAGES = ("/", "/photo")  # pages a visitor can open offline (those the app serves: see served_pages)
# Under static/: everything the page loads but the models; build/ holds our bundles (the reading worker).
SHELL_FOLDERS = ("css", "js", "build", "vendor", "icons")
# Source maps are for a person's developer tools: not worth a phone's storage offline.
NOT_CACHED = (".map",)
SHELL_FILES = ("favicon.svg", "manifest.webmanifest")
# The manifest's registered type; Chromium warns about (and some browsers ignore) other types.
mimetypes.add_type("application/manifest+json", ".webmanifest")


def model_urls(model_dir: Path, url: str) -> list[tuple[str, Path]]:
    """(url, file) of one exported model: metadata.json, then model.json and its shards at ?v=<version>.

    TF.js asks for model.json?v=V and appends the same query to each shard it lists.
    """
    topology = json.loads((model_dir / "model.json").read_text())
    version = model_version(model_dir)
    shards = [path for group in topology.get("weightsManifest", []) for path in group["paths"]]
    query = f"?v={version}"
    return [(f"{url}metadata.json", model_dir / "metadata.json")] + [
        (f"{url}{name}{query}", model_dir / name) for name in ["model.json", *shards]
    ]


def offline_files(static_dir: Path, static_url: str = "/static/") -> list[tuple[str, Path]]:
    """(url, file) of everything the pages need offline: their scripts, styles, TF.js, icons and models."""
    names = [name for name in SHELL_FILES if (static_dir / name).is_file()]
    for folder in SHELL_FOLDERS:
        for path in sorted((static_dir / folder).rglob("*")):
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(NOT_CACHED):
                names.append(path.relative_to(static_dir).as_posix())
    files = [(versioned_url(static_dir, static_url, name), static_dir / name) for name in names]
    for model_dir in sorted((static_dir / "models").iterdir()):
        if (model_dir / "metadata.json").is_file() and (model_dir / "model.json").is_file():
            files += model_urls(model_dir, f"{static_url}models/{model_dir.name}/")
    return files


def files_version(files: list[tuple[str, Path]], extra: bytes = b"") -> str:
    """16 hex digits of SHA-256 over every (url, content), plus `extra` (the worker's code)."""
    digest = hashlib.sha256(extra)
    for url, path in files:
        digest.update(url.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def served_pages(app: Flask, pages: tuple[str, ...] = PAGES) -> list[str]:
    """The pages of PAGES this app has a GET route for: one that 404s would fail the worker's install."""
    adapter = app.url_map.bind("localhost")
    served = []
    for page in pages:
        try:
            adapter.match(page, method="GET")
            served.append(page)
        except HTTPException:
            pass
    return served


def offline_manifest() -> dict:
    """{version, files} for the app being served: its pages first."""
    static_url = current_app.static_url_path.rstrip("/") + "/"
    pages = served_pages(current_app)
    files = offline_files(Path(current_app.static_folder), static_url)
    # The pages render from templates; they change only when a template or the files above do.
    templates = sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file())
    extra = WORKER_FILE.read_bytes() + "\n".join(pages).encode()
    version = files_version(files + [(p.name, p) for p in templates], extra)
    return {"version": version, "files": pages + [url for url, _ in files]}


@bp.get("/sw.js")
def service_worker() -> Response:
    """Served from the root so the worker's scope is the whole site (a worker controls only paths under its own)."""
    code = f"self.OFFLINE = {json.dumps(offline_manifest())};\n" + WORKER_FILE.read_text()
    response = Response(code, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # browsers check for a new worker on every visit
    return response


@bp.get("/offline.json")
def offline_list() -> Response:
    response = jsonify(offline_manifest())
    response.headers["Cache-Control"] = "no-cache"
    return response
