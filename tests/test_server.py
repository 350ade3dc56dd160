"""server.py: the factory, the page, static files with the right types and cache validation, the CLI."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

import server
from tests.live_server import python_server


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
    # The page's own script first (bundled by `npm ci`, or its module as it is); TF.js loads in the reading
    # worker (readerClient.js), not in the page.
    sources = [re.search(r'src="([^"?]+)', tag).group(1) for tag in scripts]  # without ?v= (assets.py)
    assert sources[0] in ("/static/build/app.js", "/static/js/app.js")
    assert not [src for src in sources if "/vendor/" in src]
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
    monkeypatch.setattr(server, "VENDOR_FILES", ("tf-base.min.js", "not-installed.js"))
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


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """`python server.py` on a free loopback port, as people run it: its base URL, once it answers."""
    with python_server() as base:
        yield base


def test_python_server_py_serves_the_page(live_server: str) -> None:
    with urllib.request.urlopen(live_server + "/", timeout=10) as response:
        assert response.status == 200
        assert b'data-testid="draw-canvas"' in response.read()


# --- oversize uploads: the JSON 413, whatever the client ----------------------------------

PREDICT = "/api/predict/mnist-cnn"
OVERSIZE = 20 * 1024 * 1024  # twice the app's limit, and past the 11 MB where waitress used to answer itself
Answer = tuple[int, str, bytes]  # status, Content-Type, body


def assert_json_413(answer: Answer) -> None:
    status, content_type, body = answer
    assert status == 413, body[:300]
    assert content_type.startswith("application/json"), content_type
    assert json.loads(body) == {
        "error": "request_entity_too_large",
        "detail": f"the request body is over the {server.MAX_UPLOAD_BYTES:,} byte limit",
    }


def post_http_client(base: str, size: int) -> Answer:
    """http.client: headers and the whole body in one go, no Expect, as a browser's fetch sends it."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request("POST", PREDICT, body=bytes(size), headers={"Content-Type": "image/png"})
        response = connection.getresponse()
        return response.status, response.headers["Content-Type"], response.read()
    finally:
        connection.close()


def post_urllib(base: str, size: int) -> Answer:
    request = urllib.request.Request(base + PREDICT, data=bytes(size), headers={"Content-Type": "image/png"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def post_requests(base: str, size: int) -> Answer:
    import requests

    response = requests.post(base + PREDICT, files={"image": ("photo.jpg", bytes(size))}, timeout=60)
    return response.status_code, response.headers["Content-Type"], response.content


def post_requests_chunked(base: str, size: int) -> Answer:
    """No Content-Length: the body comes in chunks, and its size is known only at its end."""
    import requests

    chunks = (bytes(1024 * 1024) for _ in range(size // (1024 * 1024)))
    response = requests.post(base + PREDICT, data=chunks, headers={"Content-Type": "image/png"}, timeout=60)
    return response.status_code, response.headers["Content-Type"], response.content


def post_expecting_100_continue(base: str, size: int) -> Answer:
    """A raw socket that sends the body only after the server's `100 Continue`, or never, if the
    server answers first (both are right)."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=60) as sock:
        head = (
            f"POST {PREDICT} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: image/png\r\n"
            f"Content-Length: {size}\r\nExpect: 100-continue\r\n\r\n"
        )
        sock.sendall(head.encode())
        stream = sock.makefile("rb")
        status_line = stream.readline()
        if status_line.split()[1] == b"100":
            stream.readline()  # the blank line that ends the interim answer
            sock.sendall(bytes(size))
            status_line = stream.readline()
        headers = {}
        while (line := stream.readline().strip()) != b"":
            name, _, value = line.decode().partition(":")
            headers[name.lower()] = value.strip()
        body = stream.read(int(headers["content-length"]))
    return int(status_line.split()[1]), headers["content-type"], body


CLIENTS = {
    "http.client, no Expect": post_http_client,
    "urllib": post_urllib,
    "requests, multipart": post_requests,
    "requests, chunked": post_requests_chunked,
    "Expect: 100-continue": post_expecting_100_continue,
}


@pytest.mark.parametrize("client_form", CLIENTS)
def test_every_client_reads_the_json_413(live_server: str, client_form: str) -> None:
    assert_json_413(CLIENTS[client_form](live_server, OVERSIZE))


def test_bodies_up_to_64_mb_get_the_json_413(live_server: str) -> None:
    assert_json_413(post_urllib(live_server, 64 * 1024 * 1024))


def test_the_connection_serves_on_after_a_413(live_server: str) -> None:
    """The refused body was read to its end, so the next request on the same connection is understood."""
    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.request("POST", PREDICT, body=bytes(OVERSIZE), headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    response.read()
    assert response.status == 413 and not response.will_close
    connection.request("GET", "/healthz")
    assert json.loads(connection.getresponse().read()) == {"status": "ok"}
    connection.close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("expect", ["100-continue", ""], ids=["with Expect", "without Expect"])
def test_curl_reads_the_json_413(live_server: str, tmp_path: Path, expect: str) -> None:
    upload = tmp_path / "big.bin"
    upload.write_bytes(bytes(OVERSIZE))
    # "Expect:" with no value makes curl send the body at once, without waiting for a 100.
    done = subprocess.run(
        ["curl", "-sS", "-H", f"Expect: {expect}", "-F", f"image=@{upload}", "-w", "\n%{http_code} %{content_type}"]
        + [live_server + PREDICT],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    body, _, written = done.stdout.rpartition(b"\n")
    status, content_type = written.decode().split(" ", 1)
    assert_json_413((int(status), content_type, body))


def test_pages_load_one_bundle_or_preload_their_modules_and_leave_models_to_the_worker(client: FlaskClient) -> None:
    """Bundled (`npm ci`), a page loads one script; else every module is asked for in the head. The models and
    the WASM binary are the reading worker's to fetch: a page's preload would not be shared with it."""
    for page, script in (("/", "app.js"), ("/photo", "photo.js")):
        html = client.get(page).get_data(as_text=True)
        modules = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
        assert 'rel="preload"' not in html
        if (server.STATIC_DIR / "build" / script).is_file():
            assert modules == [] and f'src="/static/build/{script}?v=' in html
        else:
            assert {f"/static/js/{script}", "/static/js/pwa.js", "/static/js/readerClient.js"} <= set(modules)
            assert "/static/js/model.js" not in modules  # it runs in the worker
