"""The installable app on the server side: the worker at /sw.js, its file list, the manifest, the icons."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from PIL import Image

import pwa
from server import VENDOR_FILES, create_app

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "web" / "static"
WEB_MODELS = ("mnist_cnn", "mnist_mlp", "house", "stroke_reader")  # the drawing page reads the last beside the CNN


def worker_manifest(client) -> dict:
    """The {version, files} that /sw.js carries in its first line."""
    response = client.get("/sw.js")
    first, _ = response.get_data(as_text=True).split("\n", 1)
    assert first.startswith("self.OFFLINE = ") and first.endswith(";")
    return json.loads(first.removeprefix("self.OFFLINE = ").removesuffix(";"))


def test_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "addEventListener('fetch'" in response.get_data(as_text=True)
    # The policy that every page gets lets the page start a worker from its own origin.
    assert "worker-src 'self'" in response.headers["Content-Security-Policy"]


def test_worker_lists_the_page_its_scripts_tfjs_and_every_model_at_its_version(client):
    manifest = worker_manifest(client)
    files = set(manifest["files"])
    assert manifest == client.get("/offline.json").get_json()
    paths = {url.split("?")[0] for url in files}  # styles, icons and TF.js at ?v=<digest> (assets.py)
    assert {"/", "/static/js/app.js", "/static/js/pwa.js", "/static/css/app.css"} <= paths
    assert "/static/js/strokeFeatures.js" in paths  # the stroke reader's input, made in the page
    if (STATIC / "build" / "readerWorker.js").is_file():  # our bundles (`npm ci`): the pages and the reading worker
        assert {"/static/build/app.js", "/static/build/photo.js", "/static/build/readerWorker.js"} <= paths
    assert not [path for path in paths if path.endswith(".map")]  # source maps are for developer tools
    assert {f"/static/vendor/{name}" for name in VENDOR_FILES} <= paths
    assert {f"/static/vendor/{p.name}" for p in (STATIC / "vendor").glob("*.wasm")} <= paths
    for name in WEB_MODELS:
        version = json.loads((STATIC / "models" / name / "metadata.json").read_text())["version"]
        assert f"/static/models/{name}/metadata.json" in files
        assert f"/static/models/{name}/model.json?v={version}" in files
        assert f"/static/models/{name}/group1-shard1of1.bin?v={version}" in files
    assert "/static/sw.js" not in files  # the worker is not a file of the page


def test_every_listed_file_is_served(client):
    """One missing file would fail the worker's install, and the app would never work offline."""
    for url in worker_manifest(client)["files"]:
        assert client.get(url).status_code == 200, url


@pytest.fixture
def static_copy(tmp_path: Path) -> Path:
    """A static folder with one small model, to change as a retraining would."""
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "app.js").write_text("// app\n")
    shutil.copytree(STATIC / "models" / "mnist_mlp", static / "models" / "mnist_mlp")
    return static


def test_a_retrained_model_gets_new_urls_and_a_new_version(static_copy: Path):
    before = pwa.offline_files(static_copy)
    metadata_path = static_copy / "models" / "mnist_mlp" / "metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata_path.write_text(json.dumps({**metadata, "version": "0123456789abcdef"}))
    after = pwa.offline_files(static_copy)
    assert "/static/models/mnist_mlp/model.json?v=0123456789abcdef" in [url for url, _ in after]
    assert pwa.files_version(before) != pwa.files_version(after)


def test_a_new_model_folder_is_cached_without_editing_the_worker(static_copy: Path):
    shutil.copytree(static_copy / "models" / "mnist_mlp", static_copy / "models" / "localizer")
    urls = [url for url, _ in pwa.offline_files(static_copy)]
    assert any(url.startswith("/static/models/localizer/model.json?v=") for url in urls)
    assert "/static/models/localizer/group1-shard1of1.bin" in {url.split("?")[0] for url in urls}


def test_any_changed_script_changes_the_version(static_copy: Path):
    before = pwa.files_version(pwa.offline_files(static_copy))
    (static_copy / "js" / "app.js").write_text("// app, fixed\n")
    assert pwa.files_version(pwa.offline_files(static_copy)) != before


def test_only_pages_the_app_serves_are_cached():
    """A page listed but not served would 404 and fail the worker's install."""
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "drawing")
    assert pwa.served_pages(app, ("/", "/photo")) == ["/"]
    app.add_url_rule("/photo", "photo", lambda: "photo")
    assert pwa.served_pages(app, ("/", "/photo")) == ["/", "/photo"]


def test_manifest_is_installable(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes  # what Chrome requires to offer "Install app"
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(client.get(icon["src"]).get_data()))
        assert f"{image.width}x{image.height}" == icon["sizes"], icon["src"]


def test_committed_icons_are_what_the_script_draws(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "scripts" / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    assert make_icons.main(["--out-dir", str(tmp_path)]) == 0
    for name in make_icons.ICONS:
        drawn = np.asarray(Image.open(tmp_path / name), dtype=np.int16)
        committed = np.asarray(Image.open(STATIC / "icons" / name), dtype=np.int16)
        assert drawn.shape == committed.shape and np.abs(drawn - committed).max() <= 2, name


def test_a_changed_file_reaches_a_returning_visitor(tmp_path: Path):
    """A new release of a versioned file (here the style sheet) gets a new URL in the page and in the
    worker's list, and a new worker version; the old URL is no longer kept for good."""
    static = tmp_path / "static"
    for name in ("css", "js", "icons", "favicon.svg", "manifest.webmanifest", "models/mnist_cnn"):
        copy = shutil.copytree if (STATIC / name).is_dir() else shutil.copy
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        copy(STATIC / name, static / name)
    client = create_app({"TESTING": True, "STATIC_FOLDER": str(static)}).test_client()

    def stylesheet_url() -> str:
        return re.search(r'href="(/static/css/app\.css\?v=\w+)"', client.get("/").get_data(as_text=True)).group(1)

    old_url, old_worker = stylesheet_url(), worker_manifest(client)
    assert old_url in old_worker["files"]
    assert client.get(old_url).headers["Cache-Control"] == "public, max-age=31536000, immutable"

    (static / "css" / "app.css").write_text((STATIC / "css" / "app.css").read_text() + "\n/* release 2 */\n")
    new_url, new_worker = stylesheet_url(), worker_manifest(client)
    assert new_url != old_url
    assert new_url in new_worker["files"] and old_url not in new_worker["files"]
    assert new_worker["version"] != old_worker["version"]
    assert client.get(new_url).get_data(as_text=True).endswith("/* release 2 */\n")
    assert client.get(new_url).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(old_url).headers["Cache-Control"] == "no-cache"

    # Our ES modules keep their plain URL (revalidated); a change still makes a new worker.
    (static / "js" / "app.js").write_text("// app, fixed\n")
    assert worker_manifest(client)["version"] != new_worker["version"]
    assert client.get("/static/js/app.js").headers["Cache-Control"] == "no-cache"
