"""GET /api/openapi.json: the API described in OpenAPI 3.1, checked against the answers the API really gives."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import server
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
    """A local reference, "#/components/schemas/Error" -> the object it names."""
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
ANY = "any other method"  # answered by components/responses/405, as no operation is described for it
BLANK_PNG = encode(np.full((50, 50), 255, np.uint8))


NUMBER = "/api/predict/number"
NUMBER_PNG = encode(np.hstack([draw_polylines(SEVEN, height=150), draw_polylines(ONE, height=150)]))  # "71"


def with_config(**config) -> FlaskClient:
    return server.create_app({"TESTING": True, **config}).test_client()


def too_large(path: str) -> Callable[[FlaskClient], TestResponse]:
    """A GET with a body over a 1,000 byte limit: every route refuses it."""
    return lambda _: with_config(MAX_UPLOAD_BYTES=1000).get(path, data=bytes(1001))


# name -> (documented path, method, status it answers, the call)
CALLS: dict[str, tuple[str, str, int, Callable[[FlaskClient], TestResponse]]] = {
    "digit, multipart": (PREDICT, "post", 200, lambda c: predict(c, "mnist-cnn", SEVEN_PNG)),
    "digit, raw body": (PREDICT, "post", 200, lambda c: predict(c, "mnist-mlp", ONE_PNG, raw=True)),
    "house, whole image": (PREDICT, "post", 200, lambda c: predict(c, "house", SEVEN_PNG)),
    "house, box": (PREDICT, "post", 200, lambda c: predict(c, "house", SEVEN_PNG, x="20", y="10", w="150", h="170")),
    "house, find": (PREDICT, "post", 200, lambda c: predict(c, "house", HOUSE_PHOTO, find="1")),
    "no image": (PREDICT, "post", 400, lambda c: predict(c, "mnist-cnn", None)),
    "find on a digit": (PREDICT, "post", 400, lambda c: predict(c, "mnist-cnn", SEVEN_PNG, find="1")),
    "unknown model": (PREDICT, "post", 404, lambda c: predict(c, "svm", SEVEN_PNG)),
    "wrong method": (PREDICT, ANY, 405, lambda c: c.get("/api/predict/house")),
    "too large": (PREDICT, "post", 413, lambda _: predict(with_config(MAX_UPLOAD_BYTES=1000), "house", bytes(1001))),
    "blank": (PREDICT, "post", 422, lambda c: predict(c, "mnist-cnn", BLANK_PNG)),
    "no model file": (
        PREDICT,
        "post",
        503,
        lambda _: predict(with_config(MODELS_DIR=ROOT / "none"), "house", SEVEN_PNG),
    ),
    "number, multipart": (NUMBER, "post", 200, lambda c: predict_number(c, NUMBER_PNG)),
    "number, raw body": (NUMBER, "post", 200, lambda c: predict_number(c, NUMBER_PNG, raw=True)),
    "number, no image": (NUMBER, "post", 400, lambda c: predict_number(c, None)),
    "number, too large": (
        NUMBER,
        "post",
        413,
        lambda _: predict_number(with_config(MAX_UPLOAD_BYTES=1000), bytes(1001)),
    ),
    "number, blank": (NUMBER, "post", 422, lambda c: predict_number(c, BLANK_PNG)),
    "number, no digit in the ink": (NUMBER, "post", 422, lambda c: predict_number(c, encode(SIMPLE["specks"]))),
    "number, no model file": (
        NUMBER,
        "post",
        503,
        lambda _: predict_number(with_config(MODELS_DIR=ROOT / "none"), NUMBER_PNG),
    ),
    "models": ("/api/models", "get", 200, lambda c: c.get("/api/models")),
    "models, wrong method": ("/api/models", ANY, 405, lambda c: c.post("/api/models")),
    "models, too large": ("/api/models", "get", 413, too_large("/api/models")),
    "health": ("/healthz", "get", 200, lambda c: c.get("/healthz")),
    "health, wrong method": ("/healthz", ANY, 405, lambda c: c.post("/healthz")),
    "health, too large": ("/healthz", "get", 413, too_large("/healthz")),
    "document": ("/api/openapi.json", "get", 200, lambda c: c.get("/api/openapi.json")),
    "document, wrong method": ("/api/openapi.json", ANY, 405, lambda c: c.delete("/api/openapi.json")),
    "document, too large": ("/api/openapi.json", "get", 413, too_large("/api/openapi.json")),
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
    path, method, status, call = CALLS[name]
    response = call(client)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert check(response.get_json(), response_schema(document, path, method, status), document) == []


def test_the_document_describes_every_api_route_and_no_other(app: Flask, document: dict) -> None:
    served = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == served
    assert document["openapi"].startswith("3.")


def test_every_answer_the_document_lists_is_called_above(document: dict) -> None:
    listed = {
        (path, method, status)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
        if status not in UNCALLED
    }
    called = {(path, method, str(status)) for path, method, status, _ in CALLS.values()}
    assert listed == {call for call in called if call[1] != ANY}
    assert {call[2] for call in called} == set(document["components"]["responses"]) - UNCALLED | {"200"}


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
    assert check({"error": "x"}, {"$ref": "#/components/schemas/Error"}, document)
    assert check(reading, {"$ref": "#/components/schemas/Reading"}, document) == []
