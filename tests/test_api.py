"""api.py and what server.py adds to every response: the CLI's answers over HTTP, a clear 4xx
{error, detail} for every kind of bad input, security headers, one log line per request."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import logging
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from waitress.server import create_server
from werkzeug.test import TestResponse

import api
import server
from reader.paths import MODELS_DIR, read_metrics
from tests.conftest import ROOT
from tests.drawings import FOUR, SEVEN, ZERO, draw_polylines, paper_photo
from tests.test_predict import ONE, run_cli

SERVER_PY_MARK = b"def create_app"  # bytes only server.py holds: a traversal that reached it would show them


def encode(pixels: np.ndarray, image_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, image_format, **options)
    return buffer.getvalue()


SEVEN_PNG = encode(draw_polylines(SEVEN, canvas=200, centre=(100, 100), height=140, brush=14))
SEVEN_JPEG = encode(draw_polylines(SEVEN, canvas=200, centre=(100, 100), height=140, brush=14), "JPEG", quality=85)
ONE_PNG = encode(draw_polylines(ONE, canvas=120, centre=(50, 60), height=80, brush=8, dark_on_light=False))


def house_photo() -> bytes:
    """A dark 7 on a light plate (x 70-130, y 30-90) on a brown wall: a number to find."""
    photo = np.zeros((120, 200, 3), np.uint8) + np.array([150, 120, 90], np.uint8)
    photo[30:90, 70:130] = draw_polylines(SEVEN, canvas=60, centre=(30, 30), height=50, brush=6)[..., None]
    return encode(photo, "JPEG", quality=90)


HOUSE_PHOTO = house_photo()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A real grayscale PNG of width x height black pixels: 100 MP pack into ~100 KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_header_bomb(width: int, height: int) -> bytes:
    """A JPEG's first bytes only, with a frame header that claims width x height."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def predict(client: FlaskClient, model: str, image: bytes | None, raw: bool = False, **fields: str) -> TestResponse:
    """POST an image as the multipart field 'image' (box as form fields), or raw (box in the query)."""
    if raw:
        return client.post(f"/api/predict/{model}", data=image, query_string=fields, content_type="image/png")
    data = dict(fields)
    if image is not None:
        data["image"] = (io.BytesIO(image), "upload.png")
    return client.post(f"/api/predict/{model}", data=data, content_type="multipart/form-data")


def predict_split(client: FlaskClient, model: str, query: dict[str, str], form: dict[str, str]) -> TestResponse:
    """POST SEVEN_PNG as multipart with these form fields, and these fields in the query string too."""
    data = {"image": (io.BytesIO(SEVEN_PNG), "upload.png"), **form}
    return client.post(f"/api/predict/{model}", query_string=query, data=data, content_type="multipart/form-data")


def assert_json_error(response: TestResponse, status: int, error: str | None = None) -> dict:
    """A 4xx answer as the API promises it: {error, detail}, JSON, and no traceback."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "detail"} and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    if error is not None:
        assert body["error"] == error
    return body


# --- predictions -----------------------------------------------------------------------------


def test_predict_answers_what_the_cli_prints(client: FlaskClient, tmp_path) -> None:
    (tmp_path / "seven.jpg").write_bytes(SEVEN_JPEG)
    (tmp_path / "one.png").write_bytes(ONE_PNG)
    done = run_cli(str(tmp_path / "seven.jpg"), str(tmp_path / "one.png"), "--model", "cnn")
    assert done.returncode == 0, done.stderr
    cli = [json.loads(line) for line in done.stdout.splitlines()]
    for line, image in zip(cli, (SEVEN_JPEG, ONE_PNG)):
        expected = {k: v for k, v in line.items() if k != "file"}
        for raw in (False, True):
            answer = predict(client, "mnist-cnn", image, raw=raw)
            assert answer.status_code == 200
            body = answer.get_json()
            assert body.keys() == expected.keys() and body["digit"] == expected["digit"]
            assert np.allclose(body["probabilities"], expected["probabilities"], atol=1e-5)
    assert [line["digit"] for line in cli] == [7, 1]


def test_each_model_reads_and_names_itself(client: FlaskClient) -> None:
    assert predict(client, "mnist-mlp", SEVEN_PNG).get_json()["digit"] == 7
    house = predict(client, "house", SEVEN_PNG).get_json()
    assert house["model"] == "house"
    assert {"number", "confidence", "length", "complete", "digits"} <= house.keys()


NUMBER_PHOTO = paper_photo([SEVEN, FOUR, ZERO, ONE])  # "7401" in blue ink on ruled grey paper, a JPEG


def predict_number(client: FlaskClient, image: bytes | None, raw: bool = False) -> TestResponse:
    if raw:
        return client.post("/api/predict/number", data=image, content_type="image/jpeg")
    data = {"image": (io.BytesIO(image), "number.jpg")} if image is not None else {}
    return client.post("/api/predict/number", data=data, content_type="multipart/form-data")


def test_a_photo_of_a_written_number_reads_as_the_cli_prints_it(client: FlaskClient, tmp_path) -> None:
    (tmp_path / "number.jpg").write_bytes(NUMBER_PHOTO)
    done = run_cli(str(tmp_path / "number.jpg"), "--number")
    assert done.returncode == 0, done.stderr
    expected = {k: v for k, v in json.loads(done.stdout).items() if k != "file"}
    for raw in (False, True):
        answer = predict_number(client, NUMBER_PHOTO, raw=raw)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        body = answer.get_json()
        assert body.keys() == expected.keys() and body["number"] == expected["number"] == "7401"
        assert [d["box"] for d in body["digits"]] == [d["box"] for d in expected["digits"]]
        assert {"digit", "confidence", "box"} == body["digits"][0].keys()


@pytest.mark.parametrize(
    "image, status, error",
    [
        (None, 400, "no_image"),
        (b"", 400, "empty_image"),
        (b"not an image at all", 400, "unreadable_image"),
        (encode(np.full((300, 400, 3), 200, np.uint8), "JPEG"), 422, "blank_image"),  # a blank grey page
    ],
    ids=["no image", "empty", "not an image", "blank page"],
)
def test_a_bad_number_upload_gets_a_clear_4xx(client: FlaskClient, image, status: int, error: str) -> None:
    assert_json_error(predict_number(client, image), status, error)


def test_house_box_comes_as_form_fields_or_in_the_query(client: FlaskClient) -> None:
    from reader.read import load_image, read_image

    box = {"x": "20", "y": "10", "w": "150", "h": "170"}
    as_form = predict(client, "house", SEVEN_PNG, **box).get_json()
    as_query = predict(client, "house", SEVEN_PNG, raw=True, **box).get_json()
    multipart_query = predict_split(client, "house", box, {}).get_json()  # with multipart, the query is read too
    form_wins = predict_split(client, "house", {"x": "0", "y": "0", "w": "9", "h": "9"}, box).get_json()
    model = api.get_model("house", MODELS_DIR)  # the one the app loaded
    expected = read_image(load_image(SEVEN_PNG), "house", model, (20, 10, 150, 170))
    assert as_form == as_query == multipart_query == form_wins == expected


def test_house_find_comes_as_form_field_or_in_the_query(client: FlaskClient) -> None:
    """find=1 does what `python -m reader --model house --find` does, whichever way it is sent."""
    from reader.read import find_house_number, load_image

    as_form = predict(client, "house", HOUSE_PHOTO, find="1").get_json()
    multipart = {"image": (io.BytesIO(HOUSE_PHOTO), "door.jpg")}
    as_query = client.post("/api/predict/house?find=1", data=multipart, content_type="multipart/form-data")
    as_raw_query = predict(client, "house", HOUSE_PHOTO, raw=True, find="1").get_json()
    reader, localizer = api.get_model("house", MODELS_DIR), api.get_model("localizer", MODELS_DIR)
    expected = {**find_house_number(load_image(HOUSE_PHOTO), reader, localizer), "model": "house"}
    assert as_form == as_query.get_json() == as_raw_query == expected
    x, y, w, h = as_form["box"]  # found on the plate (x 70-130, y 30-90), not elsewhere on the wall
    assert 70 <= x + w / 2 <= 130 and 30 <= y + h / 2 <= 90 and 0 < as_form["box_score"] <= 1
    # Without find (or find=0), the whole photo is read, and there is no box to report.
    for fields in ({}, {"find": "0"}):
        assert not {"box", "box_score"} & predict(client, "house", HOUSE_PHOTO, **fields).get_json().keys()


def test_exif_orientation_is_applied(client: FlaskClient) -> None:
    """A phone photo stored sideways, with the EXIF tag that says how to turn it, reads upright."""
    sideways = Image.open(io.BytesIO(SEVEN_PNG)).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif.tobytes())
    assert predict(client, "mnist-cnn", buffer.getvalue()).get_json()["digit"] == 7


def test_models_load_once_and_are_shared_by_threads(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_models", {})
    loads = []
    real_load = api.load_reader
    monkeypatch.setattr(api, "load_reader", lambda *args: loads.append(args) or real_load(*args))
    answers = []

    def ask() -> None:
        answers.append(predict(app.test_client(), "mnist-mlp", SEVEN_PNG).get_json()["digit"])

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ask()
    assert answers == [7] * 9
    assert loads == [("mlp", MODELS_DIR)]


def test_models_are_listed_with_shapes_metrics_and_checksums(client: FlaskClient) -> None:
    predict(client, "mnist-cnn", SEVEN_PNG)
    listed = {entry["name"]: entry for entry in client.get("/api/models").get_json()["models"]}
    assert list(listed) == ["mnist-cnn", "mnist-mlp", "house"]
    metrics = read_metrics(MODELS_DIR / "metrics.json")
    for name, kind, key in [
        ("mnist-cnn", "cnn", "mnist_cnn"),
        ("mnist-mlp", "mlp", "mnist_mlp"),
        ("house", "house", "house"),
    ]:
        entry = listed[name]
        path = MODELS_DIR / entry["file"]
        assert entry["kind"] == kind and entry["url"] == f"/api/predict/{name}"
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["metrics"] == metrics.get(key)
        # The shape preprocessing makes is the shape the model takes.
        assert entry["input_shape"] == list(api.get_model(kind, MODELS_DIR).input_shape[1:])
    assert listed["mnist-cnn"]["loaded"] and listed["mnist-cnn"]["metrics"]["test"]["accuracy"] > 0.99


def test_healthz_answers_without_loading_anything(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_a_model_that_cannot_be_loaded_gets_503_and_no_internals(tmp_path) -> None:
    exports = tmp_path / "tflite"  # as export.tflite leaves it when stopped while writing the CNN's file
    exports.mkdir()
    (exports / "metrics.json").write_text(json.dumps({"mnist_cnn": {"served": "mnist_cnn_float16.tflite"}}))
    (exports / "mnist_cnn_float16.tflite").write_bytes(b"TFL3 half written")
    client = server.create_app({"TESTING": True, "MODELS_DIR": tmp_path}).test_client()
    for model in ("mnist-cnn", "mnist-mlp"):  # a broken file, a missing one
        body = assert_json_error(predict(client, model, SEVEN_PNG), 503, "model_unavailable")
        assert str(tmp_path) not in body["detail"]
    assert client.get("/api/models").get_json()["models"][1]["sha256"] is None


# --- bad input: a clear 4xx, never a 500 -----------------------------------------------------

BAD_UPLOADS: dict[str, tuple[Callable[[FlaskClient], TestResponse], int, str]] = {
    "no file": (lambda c: predict(c, "mnist-cnn", None, note="hello"), 400, "no_image"),
    "no body": (lambda c: c.post("/api/predict/mnist-cnn"), 400, "empty_image"),
    "empty file": (lambda c: predict(c, "mnist-cnn", b""), 400, "empty_image"),
    "empty raw body": (lambda c: predict(c, "mnist-cnn", b"", raw=True), 400, "empty_image"),
    "not an image": (lambda c: predict(c, "mnist-cnn", b"%PDF-1.4 this is not an image"), 400, "unreadable_image"),
    "text as raw body": (lambda c: predict(c, "house", b"hello", raw=True), 400, "unreadable_image"),
    "truncated PNG": (lambda c: predict(c, "mnist-cnn", SEVEN_PNG[: len(SEVEN_PNG) // 2]), 400, "unreadable_image"),
    "truncated JPEG": (lambda c: predict(c, "mnist-mlp", SEVEN_JPEG[:300], raw=True), 400, "unreadable_image"),
    "TIFF (not accepted)": (
        lambda c: predict(c, "mnist-cnn", encode(np.zeros((8, 8), np.uint8), "TIFF")),
        400,
        "unreadable_image",
    ),
    "blank image": (lambda c: predict(c, "mnist-cnn", encode(np.full((50, 50), 255, np.uint8))), 422, "blank_image"),
    "unknown model": (lambda c: predict(c, "svm", SEVEN_PNG), 404, "unknown_model"),
    "box not numbers": (lambda c: predict(c, "house", SEVEN_PNG, x="a", y="0", w="5", h="5"), 400, "bad_box"),
    "box partial": (lambda c: predict(c, "house", SEVEN_PNG, x="1", y="2"), 400, "bad_box"),
    "box negative": (lambda c: predict(c, "house", SEVEN_PNG, x="-1", y="0", w="5", h="5"), 400, "bad_box"),
    "box zero width": (lambda c: predict(c, "house", SEVEN_PNG, x="1", y="0", w="0", h="5"), 400, "bad_box"),
    "box infinite": (lambda c: predict(c, "house", SEVEN_PNG, raw=True, x="inf", y="0", w="5", h="5"), 400, "bad_box"),
    "box outside": (lambda c: predict(c, "house", SEVEN_PNG, x="200", y="0", w="5", h="5"), 400, "bad_box"),
    "box on a digit model": (lambda c: predict(c, "mnist-cnn", SEVEN_PNG, x="1", y="1", w="5", h="5"), 400, "bad_box"),
    "box on a digit model, in the query": (
        lambda c: predict_split(c, "mnist-cnn", {"x": "1", "y": "1", "w": "5", "h": "5"}, {}),
        400,
        "bad_box",
    ),
    # Each place holds a whole box or none, as the OpenAPI document says of each.
    "box split between query and form": (
        lambda c: predict_split(c, "house", {"x": "1", "y": "1"}, {"w": "5", "h": "5"}),
        400,
        "bad_box",
    ),
    "box field empty": (lambda c: predict(c, "house", SEVEN_PNG, x="", y="", w="", h=""), 400, "bad_box"),
    "box over the bounds": (  # once a 500: the box variants' arithmetic overflowed
        lambda c: predict(c, "house", SEVEN_PNG, raw=True, x="0", y="0", w="1.7976931348623157e308", h="5"),
        400,
        "bad_box",
    ),
    "box at a negative fraction": (
        lambda c: predict(c, "house", SEVEN_PNG, x="-0.5", y="0", w="5", h="5"),
        400,
        "bad_box",
    ),
    "find in the query, box in the form": (
        lambda c: predict_split(c, "house", {"find": "1"}, {"x": "1", "y": "1", "w": "5", "h": "5"}),
        400,
        "bad_find",
    ),
    "find on a digit model": (lambda c: predict(c, "mnist-cnn", SEVEN_PNG, find="1"), 400, "bad_find"),
    "find and a box": (lambda c: predict(c, "house", SEVEN_PNG, find="1", x="1", y="1", w="5", h="5"), 400, "bad_find"),
    "find not 0 or 1": (lambda c: predict(c, "house", SEVEN_PNG, raw=True, find="maybe"), 400, "bad_find"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_bad_input_gets_a_clear_4xx(client: FlaskClient, case: str) -> None:
    send, status, error = BAD_UPLOADS[case]
    assert_json_error(send(client), status, error)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # PIL's warning; we refuse it anyway
@pytest.mark.parametrize(
    "bomb",
    [
        png_bomb(10_000, 10_000),  # 100 MP: over MAX_PIXELS, caught by our header check
        jpeg_header_bomb(60_000, 60_000),  # 3.6 GP: PIL's own DecompressionBombError
    ],
    ids=["PNG 100 MP", "JPEG 3.6 GP"],
)
def test_decompression_bombs_are_refused_from_the_header(client: FlaskClient, bomb: bytes) -> None:
    assert len(bomb) < 200_000
    body = assert_json_error(predict(client, "mnist-cnn", bomb), 400, "unreadable_image")
    # "too large", not "truncated": the pixels were never decoded (this JPEG has none to decode).
    assert "too large" in body["detail"]


def test_upload_over_the_limit_gets_413() -> None:
    assert server.create_app().config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    client = server.create_app({"TESTING": True, "MAX_UPLOAD_BYTES": 1000}).test_client()
    body = assert_json_error(predict(client, "mnist-cnn", b"x" * 1001, raw=True), 413)
    assert "1,000 byte" in body["detail"]
    assert_json_error(predict(client, "mnist-cnn", b"x" * 1001), 413)
    assert_json_error(predict(client, "mnist-cnn", b"x" * 1000, raw=True), 400, "unreadable_image")  # at the limit
    # Refused before anything else: a route that would fail first (no such model, wrong method) says 413 too.
    assert_json_error(predict(client, "svm", b"x" * 1001, raw=True), 413, "request_entity_too_large")
    assert_json_error(client.put("/healthz", data=b"x" * 1001), 413, "request_entity_too_large")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/predict/mnist-cnn"), ("PUT", "/api/predict/house"), ("DELETE", "/api/predict/mnist-mlp")]
    + [("POST", "/api/models"), ("POST", "/healthz")],
)
def test_wrong_method_gets_405_json(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert_json_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"]


TRAVERSALS = [
    "/static/../server.py",
    "/static/%2e%2e/server.py",
    "/static/%2E%2E%2Fserver.py",
    "/static/..%5cserver.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/models/../../models/house.keras",
    "/static/models/%2e%2e/%2e%2e/models/mnist_cnn.keras",
    "/static/..%00/server.py",
    "/api/predict/..%2fserver.py",
    "/api/predict/../../server.py",
    "/api/%2e%2e/server.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_serves_nothing_outside_static(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)  # "//" redirects to "/" first, then 404
    assert 400 <= response.status_code < 500
    assert SERVER_PY_MARK not in response.get_data() and b"PK\x03\x04" not in response.get_data()


@pytest.fixture(scope="module")
def waitress_port() -> Iterator[int]:
    """The app under waitress, for URLs exactly as a client sends them (no client-side normalising)."""
    served = create_server(server.create_app(), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    yield served.effective_port
    served.close()


@pytest.mark.parametrize("path", TRAVERSALS + ["/static/../../../../etc/passwd"])
def test_path_traversal_over_the_wire(waitress_port: int, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", waitress_port, timeout=10)
    connection.request("GET", path)  # http.client sends the path byte for byte
    response = connection.getresponse()
    body = response.read()
    if response.status == 308:  # Werkzeug merges "//": a redirect that stays inside /static/
        location = urlsplit(response.headers["Location"])
        assert location.netloc == f"127.0.0.1:{waitress_port}" and location.path.startswith("/static/")
        connection.request("GET", location.path)
        response = connection.getresponse()
        body = response.read()
    connection.close()
    assert 400 <= response.status < 500, path
    assert SERVER_PY_MARK not in body and b"root:" not in body and b"PK\x03\x04" not in body


def test_static_files_are_still_served(client: FlaskClient) -> None:
    assert client.get("/static/models/mnist_cnn/model.json").status_code == 200


# --- on every response -----------------------------------------------------------------------

EVERY_KIND_OF_RESPONSE = {
    "page": lambda c: c.get("/"),
    "static file": lambda c: c.get("/static/js/app.js"),
    "revalidated file": lambda c: c.get(
        "/static/js/app.js", headers={"If-None-Match": c.get("/static/js/app.js").get_etag()[0]}
    ),
    "prediction": lambda c: predict(c, "mnist-mlp", SEVEN_PNG),
    "API error": lambda c: predict(c, "mnist-mlp", b"junk"),
    "missing page": lambda c: c.get("/nothing"),
    "missing API": lambda c: c.get("/api/nothing"),
    "wrong method": lambda c: c.get("/api/predict/house"),
}


@pytest.mark.parametrize("kind", EVERY_KIND_OF_RESPONSE)
def test_security_headers_on_every_response(client: FlaskClient, kind: str) -> None:
    response = EVERY_KIND_OF_RESPONSE[kind](client)
    for name, value in server.SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


def test_policy_allows_only_the_sites_own_code() -> None:
    directives = {d.split()[0]: set(d.split()[1:]) for d in server.CONTENT_SECURITY_POLICY.split("; ")}
    assert directives["default-src"] == {"'self'"}
    assert directives["script-src"] == {"'self'", "'wasm-unsafe-eval'"}  # no inline script, no eval
    assert directives["img-src"] == {"'self'", "blob:"}
    assert directives["object-src"] == directives["frame-ancestors"] == {"'none'"}
    assert not any("unsafe-inline" in d or "'unsafe-eval'" in d or "*" in d for d in directives.values())
    assert "camera=(self)" in server.SECURITY_HEADERS["Permissions-Policy"]


def test_page_has_nothing_inline_the_policy_would_block(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True).lower()
    assert "<style" not in html and " style=" not in html
    assert not any(f" on{event}=" in html for event in ("click", "load", "error", "change", "input", "submit"))


def test_api_answers_are_not_cached(client: FlaskClient) -> None:
    assert predict(client, "mnist-mlp", SEVEN_PNG).headers["Cache-Control"] == "no-store"


# --- logs and failures -----------------------------------------------------------------------


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "server.requests"]


def test_one_structured_log_line_per_request_without_image_bytes(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    marker = b"PRIVATE-PIXELS-5f2c"
    photo = SEVEN_PNG[:-12] + marker + SEVEN_PNG[-12:]  # before IEND: PIL has read the pixels by then
    caplog.set_level(logging.INFO)
    predict(client, "mnist-cnn", photo)
    predict(client, "mnist-cnn", marker, raw=True)
    client.get("/static/js/app.js")
    client.get('/forged%0a{"status": 200}')
    lines = request_lines(caplog)
    assert [(line["method"], line["path"], line["status"], line["model"]) for line in lines] == [
        ("POST", "/api/predict/mnist-cnn", 200, "mnist-cnn"),
        ("POST", "/api/predict/mnist-cnn", 400, "mnist-cnn"),
        ("GET", "/static/js/app.js", 200, None),
        ("GET", '/forged\n{"status": 200}', 404, None),  # one line: the newline is escaped
    ]
    assert all(set(line) == {"method", "path", "status", "duration_ms", "model"} for line in lines)
    assert all(line["duration_ms"] >= 0 for line in lines)
    assert marker.decode() not in caplog.text and "PNG" not in caplog.text


def test_a_bug_answers_500_json_without_traceback(caplog: pytest.LogCaptureFixture) -> None:
    app = server.create_app({"TESTING": True})

    def broken() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/broken", view_func=broken)
    app.add_url_rule("/broken", view_func=broken)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/broken")
        page = client.get("/broken")
    assert response.status_code == 500 and page.status_code == 500
    assert response.get_json()["error"] == "internal_server_error"
    for body in (response.get_data(as_text=True), page.get_data(as_text=True)):
        assert "secret internals" not in body and "Traceback" not in body
    assert "secret internals" in caplog.text  # the traceback goes to the log
    assert response.headers["Content-Security-Policy"] == server.CONTENT_SECURITY_POLICY


def test_main_bounds_waitress(monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: calls.append(kwargs))
    server.main(["--threads", "2"])
    assert calls[0]["threads"] == 2
    # Waitress's own limit is a hard cap far above the app's: a body up to 64 MB and more is read, and
    # gets the app's JSON 413 (tests/test_server.py sends them); past the cap it may close the connection.
    assert 64 * 1024 * 1024 < calls[0]["max_request_body_size"] <= 128 * 1024 * 1024


def test_served_models_dir_is_the_repositorys() -> None:
    assert server.create_app().config["MODELS_DIR"] == ROOT / "models"
