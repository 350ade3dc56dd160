"""server.py: the factory, the page, static files with the right types and cache validation, the CLI."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from flask.testing import FlaskClient

import server


def test_config() -> None:
    assert not server.create_app().testing
    assert server.create_app({"TESTING": True}).testing


def test_index_has_the_test_hooks(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for hook in ("draw-canvas", "clear", "undo", "predict", "model-select", "backend", "prediction", "confidence"):
        assert f'data-testid="{hook}"' in html
    assert 'value="mnist_mlp"' in html and 'value="mnist_cnn"' in html


def test_scripts_are_local_files_never_inline_or_cdn(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page loads no script"
    for tag in scripts:
        src = re.search(r'src="([^"]+)"', tag)
        assert src, f"inline script (a strict CSP would block it): {tag}"
        assert src.group(1).startswith("/static/"), tag
    # tf.min.js must come before the module, which uses the global it defines.
    assert html.index("vendor/tf.min.js") < html.index("js/app.js")
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/models/mnist_cnn/model.json", "application/json"),
        ("/static/models/mnist_cnn/metadata.json", "application/json"),
        ("/static/models/mnist_cnn/group1-shard1of1.bin", "application/octet-stream"),
        ("/static/js/app.js", "text/javascript"),
        ("/static/css/app.css", "text/css"),
    ],
)
def test_static_content_types(client: FlaskClient, path: str, content_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == content_type


def test_wasm_is_served_as_application_wasm(client: FlaskClient) -> None:
    if server.missing_vendor_files():
        pytest.skip("web/static/vendor/ is empty: run `npm ci`")
    response = client.get("/static/vendor/tfjs-backend-wasm.wasm")
    assert response.status_code == 200
    assert response.mimetype == "application/wasm"


def test_model_files_revalidate_with_etag(client: FlaskClient) -> None:
    path = "/static/models/mnist_cnn/group1-shard1of1.bin"
    first = client.get(path)
    assert first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]  # always ask, never serve a stale model
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_missing_tfjs_shows_an_error_on_the_page(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "VENDOR_FILES", ("tf.min.js", "not-installed.js"))
    html = client.get("/").get_data(as_text=True)
    assert 'role="alert"' in html and "npm ci" in html and "not-installed.js" in html


def test_main_serves_with_waitress_on_the_given_address(monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: calls.append(kwargs))
    assert server.main([]) == 0
    assert server.main(["--host", "0.0.0.0", "--port", "8123"]) == 0
    assert [(c["host"], c["port"]) for c in calls] == [("127.0.0.1", 5000), ("0.0.0.0", 8123)]


def test_main_hints_at_npm_ci_when_tfjs_is_missing(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: None)
    monkeypatch.setattr(server, "VENDOR_FILES", ("not-installed.js",))
    server.main([])
    assert "npm ci" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_server_py_serves_the_page() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port)], cwd=server.ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    assert b'data-testid="draw-canvas"' in response.read()
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
