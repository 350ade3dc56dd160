"""GET /api/openapi.json: the API described in OpenAPI 3.1, checked against the answers the API really gives."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import api
import server
from reader.read import REFUSALS
from tests.conftest import ROOT
from tests.drawings import SEVEN, draw_polylines
from tests.hard_images import SIMPLE
from tests.test_api import HOUSE_PHOTO, ONE_PNG, SEVEN_PNG, encode, predict, predict_number
from tests.test_predict import ONE

# The JSON Schema keywords the document may use: check() checks each, and refuses any other,
# so the document cannot promise something no test looks at.
KEYWORDS = {"$ref", "oneOf", "type", "enum", "minimum", "maximum", "items", "minItems", "maxItems"}
KEYWORDS |= {"properties", "required", "additionalProperties", "description", "format"}
TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def follow(document: dict, pointer: str) -> dict:
    """A local reference, "#/components/schemas/DigitReading" -> the object it names."""
    assert pointer.startswith("#/"), pointer
    node = document
    for part in pointer[2:].split("/"):
        node = node[part]
    return node


def check(value: object, schema: dict, document: dict, where: str = "$") -> list[str]:
    """What is wrong with value under schema (the subset of JSON Schema in KEYWORDS); [] when nothing."""
    unknown = set(schema) - KEYWORDS
    assert not unknown, f"{where}: the checker does not know {unknown}"
    if "$ref" in schema:
        return check(value, follow(document, schema["$ref"]), document, where)
    if "oneOf" in schema:
        fits = [option for option in schema["oneOf"] if not check(value, option, document, where)]
        return [] if len(fits) == 1 else [f"{where}: fits {len(fits)} of oneOf's {len(schema['oneOf'])}, not 1"]
    types = schema.get("type", list(TYPES))
    types = [types] if isinstance(types, str) else types
    if not any(TYPES[name](value) for name in types):
        return [f"{where}: {value!r:.60} is not {' or '.join(types)}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    low, high = schema.get("minimum", -math.inf), schema.get("maximum", math.inf)
    if TYPES["number"](value) and not low <= value <= high:
        problems.append(f"{where}: {value!r} is outside [{schema.get('minimum')}, {schema.get('maximum')}]")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            problems.append(f"{where}: {len(value)} items")
        for index, item in enumerate(value):
            problems += check(item, schema.get("items", {}), document, f"{where}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [f"{where}: no {name!r}" for name in schema.get("required", []) if name not in value]
        if schema.get("additionalProperties", True) is False:
            problems += [f"{where}: {name!r} is not in the schema" for name in value if name not in properties]
        for name, item in value.items():
            problems += check(item, properties.get(name, {}), document, f"{where}.{name}")
    return problems


# --- every route, called for real --------------------------------------------------------

PREDICT = "/api/predict/{model}"
HOUSE = api.HOUSE_PATH
NUMBER = "/api/predict/number"
ANY = "any other method"  # answered by components/responses/405, as no operation is described for it
BLANK_PNG = encode(np.full((50, 50), 255, np.uint8))
NUMBER_PNG = encode(np.hstack([draw_polylines(SEVEN, height=150), draw_polylines(ONE, height=150)]))  # "71"
BOX = {"x": "20", "y": "10", "w": "150", "h": "170"}


def with_config(**config) -> FlaskClient:
    return server.create_app({"TESTING": True, **config}).test_client()


def too_large(path: str) -> Callable[[FlaskClient], TestResponse]:
    """A GET with a body over a 1,000 byte limit: every route refuses it."""
    return lambda _: with_config(MAX_UPLOAD_BYTES=1000).get(path, data=bytes(1001))


def no_models(send: Callable[[FlaskClient], TestResponse]) -> Callable[[FlaskClient], TestResponse]:
    return lambda _: send(with_config(MODELS_DIR=ROOT / "none"))


# name -> (documented path, method, status, error it answers (None: a reading), the call)
CALLS: dict[str, tuple[str, str, int, str | None, Callable[[FlaskClient], TestResponse]]] = {
    "digit, multipart": (PREDICT, "post", 200, None, lambda c: predict(c, "mnist-cnn", SEVEN_PNG)),
    "digit, raw body": (PREDICT, "post", 200, None, lambda c: predict(c, "mnist-mlp", ONE_PNG, raw=True)),
    "no image": (PREDICT, "post", 400, "no_image", lambda c: predict(c, "mnist-cnn", None)),
    "empty": (PREDICT, "post", 400, "empty_image", lambda c: predict(c, "mnist-cnn", b"", raw=True)),
    "not an image": (PREDICT, "post", 400, "unreadable_image", lambda c: predict(c, "mnist-mlp", b"%PDF-1.4")),
    "box on a digit": (PREDICT, "post", 400, "bad_box", lambda c: predict(c, "mnist-cnn", SEVEN_PNG, **BOX)),
    "find on a digit": (PREDICT, "post", 400, "bad_find", lambda c: predict(c, "mnist-cnn", SEVEN_PNG, find="1")),
    "unknown model": (PREDICT, "post", 404, "unknown_model", lambda c: predict(c, "svm", SEVEN_PNG)),
    "a slash in the model": (PREDICT, "post", 404, "not_found", lambda c: predict(c, "mnist/cnn", SEVEN_PNG)),
    "wrong method": (PREDICT, ANY, 405, "method_not_allowed", lambda c: c.get("/api/predict/mnist-cnn")),
    "too large": (
        PREDICT,
        "post",
        413,
        "request_entity_too_large",
        lambda _: predict(with_config(MAX_UPLOAD_BYTES=1000), "mnist-cnn", bytes(1001)),
    ),
    "blank": (PREDICT, "post", 422, "blank_image", lambda c: predict(c, "mnist-cnn", BLANK_PNG)),
    "no model file": (
        PREDICT,
        "post",
        503,
        "model_unavailable",
        no_models(lambda c: predict(c, "mnist-cnn", SEVEN_PNG)),
    ),
    "house, whole image": (HOUSE, "post", 200, None, lambda c: predict(c, "house", SEVEN_PNG)),
    "house, box": (HOUSE, "post", 200, None, lambda c: predict(c, "house", SEVEN_PNG, **BOX)),
    "house, box in the query": (HOUSE, "post", 200, None, lambda c: predict(c, "house", SEVEN_PNG, raw=True, **BOX)),
    "house, find": (HOUSE, "post", 200, None, lambda c: predict(c, "house", HOUSE_PHOTO, find="1")),
    "house, no image": (HOUSE, "post", 400, "no_image", lambda c: predict(c, "house", None, **BOX)),
    "house, empty": (HOUSE, "post", 400, "empty_image", lambda c: predict(c, "house", b"")),
    "house, not an image": (HOUSE, "post", 400, "unreadable_image", lambda c: predict(c, "house", b"GIF", raw=True)),
    "house, box outside": (HOUSE, "post", 400, "bad_box", lambda c: predict(c, "house", ONE_PNG, **BOX | {"x": "999"})),
    "house, find and a box": (
        HOUSE,
        "post",
        400,
        "bad_find",
        lambda c: predict(c, "house", SEVEN_PNG, find="1", **BOX),
    ),
    "house, wrong method": (HOUSE, ANY, 405, "method_not_allowed", lambda c: c.put(HOUSE)),
    "house, too large": (
        HOUSE,
        "post",
        413,
        "request_entity_too_large",
        lambda _: predict(with_config(MAX_UPLOAD_BYTES=1000), "house", bytes(1001)),
    ),
    "house, no model file": (
        HOUSE,
        "post",
        503,
        "model_unavailable",
        no_models(lambda c: predict(c, "house", ONE_PNG)),
    ),
    "number, multipart": (NUMBER, "post", 200, None, lambda c: predict_number(c, NUMBER_PNG)),
    "number, raw body": (NUMBER, "post", 200, None, lambda c: predict_number(c, NUMBER_PNG, raw=True)),
    "number, no image": (NUMBER, "post", 400, "no_image", lambda c: predict_number(c, None)),
    "number, empty": (NUMBER, "post", 400, "empty_image", lambda c: predict_number(c, b"", raw=True)),
    "number, not an image": (NUMBER, "post", 400, "unreadable_image", lambda c: predict_number(c, b"<svg/>")),
    "number, too large": (
        NUMBER,
        "post",
        413,
        "request_entity_too_large",
        lambda _: predict_number(with_config(MAX_UPLOAD_BYTES=1000), bytes(1001)),
    ),
    "number, blank": (NUMBER, "post", 422, "blank_image", lambda c: predict_number(c, BLANK_PNG)),
    "number, no digit in the ink": (
        NUMBER,
        "post",
        422,
        "no_number",
        lambda c: predict_number(c, encode(SIMPLE["specks"])),
    ),
    "number, no model file": (
        NUMBER,
        "post",
        503,
        "model_unavailable",
        no_models(lambda c: predict_number(c, NUMBER_PNG)),
    ),
    "models": ("/api/models", "get", 200, None, lambda c: c.get("/api/models")),
    "models, wrong method": ("/api/models", ANY, 405, "method_not_allowed", lambda c: c.post("/api/models")),
    "models, too large": ("/api/models", "get", 413, "request_entity_too_large", too_large("/api/models")),
    "health": ("/healthz", "get", 200, None, lambda c: c.get("/healthz")),
    "health, wrong method": ("/healthz", ANY, 405, "method_not_allowed", lambda c: c.post("/healthz")),
    "health, too large": ("/healthz", "get", 413, "request_entity_too_large", too_large("/healthz")),
    "document": ("/api/openapi.json", "get", 200, None, lambda c: c.get("/api/openapi.json")),
    "document, wrong method": (
        "/api/openapi.json",
        ANY,
        405,
        "method_not_allowed",
        lambda c: c.delete("/api/openapi.json"),
    ),
    "document, too large": (
        "/api/openapi.json",
        "get",
        413,
        "request_entity_too_large",
        too_large("/api/openapi.json"),
    ),
}
UNCALLED = {"500"}  # a bug: tests/test_api.py checks its shape on a route made to fail


@pytest.fixture(scope="module")
def document() -> dict:
    response = server.create_app({"TESTING": True}).test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def response_schema(document: dict, path: str, method: str, status: int) -> dict:
    responses = document["components"]["responses"] if method == ANY else document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answers {status}, which the document does not list"
    response = responses[str(status)]
    if "$ref" in response:
        response = follow(document, response["$ref"])
    return response["content"]["application/json"]["schema"]


@pytest.mark.parametrize("name", CALLS)
def test_each_answer_fits_the_document(client: FlaskClient, document: dict, name: str) -> None:
    path, method, status, error, call = CALLS[name]
    response = call(client)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert response.get_json().get("error") == error
    assert check(response.get_json(), response_schema(document, path, method, status), document) == []


def test_the_document_describes_every_api_route_and_no_other(app: Flask, document: dict) -> None:
    served = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    # Flask serves the house model by /api/predict/<model>; the document gives it a path of its own, as it
    # alone takes a box and find, and {model} names the others.
    assert described == served | {(HOUSE, "post")}
    models = document["paths"][PREDICT]["post"]["parameters"][0]["schema"]["enum"]
    assert sorted([*models, "house"]) == sorted(api.API_MODELS)
    assert document["openapi"].startswith("3.")


def listed_errors(document: dict) -> set[tuple[str, str, str, str]]:
    """(path, method, status, error) for every error code the document lists, by route."""
    return {
        (path, method, status, error)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if status != "200"
        for error in response["content"]["application/json"]["schema"]["properties"]["error"]["enum"]
    } | {
        (path, ANY, status, error)
        for path in document["paths"]
        for status, response in document["components"]["responses"].items()
        for error in response["content"]["application/json"]["schema"]["properties"]["error"]["enum"]
    }


def test_every_answer_the_document_lists_is_called_above(document: dict) -> None:
    """Each status and error code the document lists for a route, that route answers, and the calls above
    show it; test_each_answer_fits_the_document shows that it answers nothing else."""
    listed = {
        (path, method, status)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
        if status not in UNCALLED
    }
    called = {(path, method, str(status)) for path, method, status, _, _ in CALLS.values()}
    assert listed == {call for call in called if call[1] != ANY}
    assert {call[2] for call in called if call[1] == ANY} == set(document["components"]["responses"])
    answered = {(path, method, str(status), error) for path, method, status, error, _ in CALLS.values() if error}
    uncalled = {error for error, status in api.ERROR_STATUS.items() if str(status) in UNCALLED}
    assert {call for call in listed_errors(document) if call[3] not in uncalled} == answered | {
        (path, ANY, "405", "method_not_allowed") for path in document["paths"]
    }


def test_every_error_the_api_has_is_in_the_document(document: dict) -> None:
    """reader.read.REFUSALS and api.py's own codes: each is listed, under its own status."""
    listed = {(status, error) for _, _, status, error in listed_errors(document)}
    assert listed == {(str(status), error) for error, status in api.ERROR_STATUS.items()}
    assert {error for _, error in REFUSALS.values()} <= {error for _, error in listed}


def test_the_reading_routes_take_multipart_or_a_raw_image_and_nothing_else(document: dict) -> None:
    """No */*: under JSON or text a schema describes text, and no text is an image."""
    for path in (PREDICT, HOUSE, NUMBER):
        assert set(document["paths"][path]["post"]["requestBody"]["content"]) == {"multipart/form-data"} | set(
            api.RAW_IMAGE_TYPES
        )


@pytest.mark.parametrize("media_type", api.RAW_IMAGE_TYPES)
def test_each_raw_media_type_the_document_names_is_read_as_the_image(client: FlaskClient, media_type: str) -> None:
    for url, image in (("/api/predict/mnist-cnn", SEVEN_PNG), (HOUSE, SEVEN_PNG), (NUMBER, NUMBER_PNG)):
        response = client.post(url, data=image, content_type=media_type)
        assert response.status_code == 200, response.get_json()


def test_the_checker_finds_what_is_wrong(document: dict) -> None:
    """The tests above pass only because the answers fit: these do not."""
    reading = {"digit": 7, "confidence": 0.9, "probabilities": [0.01] * 10, "model": "cnn"}
    digit = {"$ref": "#/components/schemas/DigitReading"}
    assert check(reading, digit, document) == []
    wrong = [
        {k: v for k, v in reading.items() if k != "digit"},  # a field missing
        reading | {"extra": 1},  # a field the document does not have
        reading | {"digit": "7"},  # a wrong type
        reading | {"digit": 12},  # out of range
        reading | {"model": "svm"},  # not in the enum
        reading | {"probabilities": [0.1] * 9},  # too few items
        reading | {"probabilities": [0.1] * 9 + [True]},  # an item of the wrong type
    ]
    for body in wrong:
        assert check(body, digit, document), body
    refusal = response_schema(document, HOUSE, "post", 400)
    assert check({"error": "bad_box", "detail": "outside"}, refusal, document) == []
    assert check({"error": "bad_box"}, refusal, document)  # no detail
    assert check({"error": "blank_image", "detail": "no ink"}, refusal, document)  # not an error house answers 400
    assert check(reading, {"$ref": "#/components/schemas/HouseReading"}, document)  # a digit is no house number
