"""Versioned static URLs, and how long a browser may keep each response.

url_for('static', filename=F) gives /static/F?v=<version>: 16 hex digits of F's SHA-256, or for a
model's model.json and weight shards the model's version from its metadata.json (the query TF.js
repeats on every shard). A file asked for at its current version can never change under that URL,
so it goes out as `public, max-age=31536000, immutable`: a returning visitor loads it with no
request at all. Everything else revalidates with its ETag on each use (`no-cache`): the pages, a
file asked for without a version or with an old one, and the files below, which are fetched by
their plain URL:

- js/*.js: our ES modules import one another as './ui.js', a URL that cannot carry a version
  without a build step that rewrites the imports.
- models/<name>/metadata.json: model.js reads it first, to learn the version it then asks for.
- manifest.webmanifest: browsers identify an installed app by its manifest URL; a new URL per
  release could make them see a new app.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path, PurePosixPath

from flask import Response, current_app, request
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"  # a year: the most browsers honour
REVALIDATE = "no-cache"  # keep it, but ask (If-None-Match -> 304) before each use
UNVERSIONED_FOLDERS = ("js",)
UNVERSIONED_FILES = ("manifest.webmanifest",)


@lru_cache(maxsize=1024)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size too: a file rewritten in place is read again, an unchanged one never.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def content_digest(path: Path) -> str:
    """16 hex digits of the file's SHA-256, read once per change of the file."""
    stat = path.stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def model_version(model_dir: Path) -> str:
    """The version an exported model's files are fetched at: metadata.json's (a digest of the weights)."""
    metadata = json.loads((model_dir / "metadata.json").read_text())
    # An export without a version (none so far) still gets one: the digest of its model.json.
    return str(metadata.get("version") or content_digest(model_dir / "model.json"))


def static_version(static_dir: Path, filename: str) -> str | None:
    """The ?v= the static file `filename` is served at, or None for one fetched by its plain URL."""
    joined = safe_join(str(static_dir), filename) if filename else None
    if joined is None or not Path(joined).is_file():
        return None
    path, parts = Path(joined), PurePosixPath(filename).parts
    if parts[0] in UNVERSIONED_FOLDERS or filename in UNVERSIONED_FILES:
        return None
    if parts[0] == "models" and (path.parent / "metadata.json").is_file():
        return None if path.name == "metadata.json" else model_version(path.parent)
    return content_digest(path)


def versioned_url(static_dir: Path, static_url: str, filename: str) -> str:
    """static_url + filename, with ?v=<version> where the file has one: the URL the pages ask for."""
    version = static_version(static_dir, filename)
    return f"{static_url}{filename}" + (f"?v={version}" if version else "")


def add_version(endpoint: str | None, values: dict) -> None:
    """url_defaults hook: url_for('static', filename=F) carries F's version (templates need no change)."""
    if endpoint == "static" and "v" not in values:
        version = static_version(Path(current_app.static_folder), values.get("filename", ""))
        if version:
            values["v"] = version


def set_cache_control(response: Response) -> Response:
    """after_request hook: immutable for a static file at its current version, no-cache for the rest."""
    if request.endpoint == "static":
        version = static_version(Path(current_app.static_folder), (request.view_args or {}).get("filename", ""))
        current = version is not None and request.args.get("v") == version and response.status_code in (200, 304)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    else:  # pages name the versions, so always ask; the API sets its own (no-store)
        response.headers.setdefault("Cache-Control", REVALIDATE)
    return response
