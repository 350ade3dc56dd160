"""The JSON prediction API: the CLI's code path (reader/read.py) behind HTTP.

    curl -F image=@seven.png http://127.0.0.1:5000/api/predict/mnist-cnn
    curl --data-binary @door.jpg 'http://127.0.0.1:5000/api/predict/house?x=40&y=30&w=120&h=60'
    curl -F image=@door.jpg -F find=1 http://127.0.0.1:5000/api/predict/house   # find the number first
    curl -F image=@amount.jpg http://127.0.0.1:5000/api/predict/number          # a handwritten number, paper or canvas
    curl http://127.0.0.1:5000/api/models
    curl http://127.0.0.1:5000/api/openapi.json                                 # all of it, in OpenAPI 3.1

Bad input gets a 4xx answer {error, detail}; server.py turns every other HTTP error on
/api/ paths into the same shape. Models load on first use, once per process: their TFLite
exports, which LiteRT runs (reader/litert.py), with no TensorFlow in the server.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, request

from reader.house_crop import HOUSE_INPUT
from reader.litert import LiteRTModel
from reader.paths import read_metrics, served_file
from reader.preprocess import INPUT_SIZE
from reader.read import (
    BOX_BOUNDS,
    IMAGE_FORMATS,
    REFUSALS,
    BadBoxError,
    Box,
    find_house_number,
    load_image,
    load_reader,
    parse_box,
    read_image,
)

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)

# URL name -> the kind read_image and load_reader know.
API_MODELS = {"mnist-cnn": "cnn", "mnist-mlp": "mlp", "house": "house"}
METRICS_KEYS = {"cnn": "mnist_cnn", "mlp": "mnist_mlp", "house": "house"}  # entries of models/metrics.json
# What preprocessing hands each model (reader/preprocess.py, reader/house_crop.py); tests check the loaded models agree.
DIGIT_SHAPE, HOUSE_SHAPE = [INPUT_SIZE, INPUT_SIZE, 1], [HOUSE_INPUT, HOUSE_INPUT, 3]
INPUT_SHAPES = {"cnn": DIGIT_SHAPE, "mlp": DIGIT_SHAPE, "house": HOUSE_SHAPE}
BOX_FIELDS = tuple(BOX_BOUNDS)  # x, y, w, h
NUMBER_CLASSIFIER = "cnn"  # /api/predict/number segments with the CLI's default classifier
FIND_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}  # find=... -> look for the number

# (kind, models dir) -> model, for the process's lifetime. A LiteRTModel may be called from every thread at
# once (it takes its own lock, reader/litert.py), so only loading takes this one.
_models: dict[tuple[str, Path], LiteRTModel] = {}
_load_lock = threading.Lock()


class ApiError(Exception):
    """A request the API refuses: HTTP status, short machine-readable error, sentence for a person."""

    def __init__(self, status: int, error: str, detail: str):
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def error_response(status: int, error: str, detail: str) -> tuple[Response, int]:
    return jsonify(error=error, detail=detail), status


# --- models ------------------------------------------------------------------------------


def get_model(kind: str, models_dir: Path) -> LiteRTModel:
    """The loaded model for kind, loading it on first use. Thread-safe; a failed load is retried next time."""
    key = (kind, models_dir)
    model = _models.get(key)
    if model is not None:
        return model
    with _load_lock:  # a second request for the same model waits here, then reuses the first one's load
        if key not in _models:
            try:
                _models[key] = load_reader(kind, models_dir)
            # A missing export, or one half-written by export.tflite, fails in many ways (no file, a damaged
            # flatbuffer, metrics.json being rewritten); all of them mean the same to a client: try again later.
            except Exception:
                log.exception("cannot load the %s model from %s", kind, models_dir)  # the why stays in the log
                detail = f"the {kind} model cannot be loaded now; try again later"
                raise ApiError(503, "model_unavailable", detail) from None
        return _models[key]


def is_loaded(kind: str, models_dir: Path) -> bool:
    return (kind, models_dir) in _models


@lru_cache(maxsize=16)
def file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file, hashed once per (size, mtime) so a retrained model gets a fresh sum."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_file_info(kind: str, models_dir: Path) -> dict:
    """{file (under models_dir), bytes, sha256} of the file a kind is served from, or nulls where there is none."""
    try:
        path = served_file(kind, models_dir)
        stat = path.stat()
    except (OSError, ValueError):  # no export yet, or tflite/metrics.json being rewritten
        return {"file": None, "bytes": None, "sha256": None}
    sha256 = file_sha256(path, stat.st_size, stat.st_mtime_ns)
    return {"file": path.relative_to(models_dir).as_posix(), "bytes": stat.st_size, "sha256": sha256}


def safe_metrics(path: Path) -> dict:
    """models/metrics.json, or {} while it is missing or being rewritten by a training run."""
    try:
        return read_metrics(path)
    except (OSError, ValueError):
        return {}


# --- reading the request -----------------------------------------------------------------


def upload_bytes() -> bytes:
    """The image: multipart field 'image', or else the raw request body (any other content type)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise ApiError(400, "no_image", "send the image as multipart field 'image' or as the raw request body")
        data = upload.read()
    else:
        # Before anything touches request.form: `curl --data-binary` says x-www-form-urlencoded,
        # and parsing the body as a form would consume it.
        data = request.get_data(cache=False)
    if not data:
        raise ApiError(400, "empty_image", "the image is empty (0 bytes)")
    return data


def field_places() -> list[Mapping[str, str]]:
    """Where the box and find may come: the query string, then (multipart) the form, whose fields win."""
    # Only a multipart body is read as a form: parsing any other one as a form (`curl --data-binary` says
    # x-www-form-urlencoded) would turn the image into fields.
    if request.mimetype == "multipart/form-data":
        return [request.args, request.form]
    return [request.args]


def box_from_fields(fields: Mapping[str, str], kind: str) -> Box | None:
    """x, y, w, h fields -> box, None when there are none. Partial boxes and boxes on digits are refused."""
    given = [name for name in BOX_FIELDS if name in fields]  # an empty one too: refused, not read as no box
    if not given:
        return None
    if kind != "house":
        raise BadBoxError("a box (x, y, w, h) goes with the house model only")
    if len(given) < len(BOX_FIELDS):
        raise BadBoxError(f"a box needs all of x, y, w, h; got only {', '.join(given)}")
    return parse_box(",".join(fields[name] for name in BOX_FIELDS))


def find_from_fields(fields: Mapping[str, str]) -> bool | None:
    """find=1: look for the number first, as `--find` does; None where the fields hold no find."""
    if "find" not in fields:
        return None
    value = fields["find"].lower()
    if value not in FIND_VALUES:
        raise ApiError(400, "bad_find", f"find must be 1 or 0, got {value!r}")
    return FIND_VALUES[value]


def box_and_find(places: list[Mapping[str, str]], kind: str) -> tuple[Box | None, bool]:
    """The box and find from the places they came in, the last place's winning. Each place on its own holds
    a whole box or none, as the OpenAPI document says of each: a box is never put together from two places,
    nor dropped unread. find=1 goes with the house model, and with no box from any place."""
    boxes = [box for box in (box_from_fields(fields, kind) for fields in places) if box is not None]
    finds = [find for find in (find_from_fields(fields) for fields in places) if find is not None]
    box, find = (boxes or [None])[-1], (finds or [False])[-1]
    if find and (kind != "house" or box is not None):
        raise ApiError(400, "bad_find", "find=1 goes with the house model, instead of a box (x, y, w, h)")
    return box, find


# --- routes ------------------------------------------------------------------------------


@bp.post("/api/predict/<model>")
def predict(model: str) -> Response:
    kind = API_MODELS.get(model)
    if kind is None:
        raise ApiError(404, "unknown_model", f"no model {model!r}; use one of {', '.join(API_MODELS)}")
    g.model = model  # for the request's log line
    data = upload_bytes()
    box, find = box_and_find(field_places(), kind)
    pixels = load_image(data)
    models_dir = Path(current_app.config["MODELS_DIR"])
    reader = get_model(kind, models_dir)
    if find:  # the CLI's --find: the localizer finds the box, the reader reads it (reader/read.py)
        result = {**find_house_number(pixels, reader, get_model("localizer", models_dir)), "model": kind}
    else:
        result = read_image(pixels, kind, reader, box)
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"  # a reading of someone's image, not a resource
    return response


@bp.post("/api/predict/number")
def predict_number() -> Response:
    """A handwritten number, drawn or on paper (a photo or a scan): the CLI's `--number` reading, as
    `python -m reader --number` prints it. The number reader reads the row; the CNN's segmentation
    gives the boxes."""
    g.model = "number"  # for the request's log line
    pixels = load_image(upload_bytes())
    models_dir = Path(current_app.config["MODELS_DIR"])
    classifier, reader = get_model(NUMBER_CLASSIFIER, models_dir), get_model("number_reader", models_dir)
    response = jsonify(read_image(pixels, NUMBER_CLASSIFIER, classifier, number=True, reader=reader))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/models")
def models() -> Response:
    models_dir = Path(current_app.config["MODELS_DIR"])
    metrics = safe_metrics(models_dir / "metrics.json")
    listed = [
        {
            "name": name,
            "kind": kind,
            "url": f"/api/predict/{name}",
            "input_shape": INPUT_SHAPES[kind],
            "box": kind == "house",
            **model_file_info(kind, models_dir),
            "loaded": is_loaded(kind, models_dir),
            "metrics": metrics.get(METRICS_KEYS[kind]),
        }
        for name, kind in API_MODELS.items()
    ]
    return jsonify(models=listed)


@bp.get("/healthz")
def healthz() -> Response:
    """Answers while the server is up; loads nothing, so it stays fast under load."""
    return jsonify(status="ok")


@bp.get("/api/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(current_app.config["MAX_CONTENT_LENGTH"]))


# --- the API described for programs (OpenAPI 3.1) ------------------------------------------
# tests/test_openapi.py checks real answers against it; tests/test_schemathesis.py has Schemathesis send
# the running server what it allows and check that the answers keep to it.

HOUSE_PATH = "/api/predict/house"  # a path of its own: house alone takes a box and find
DIGIT_MODELS = [name for name, kind in API_MODELS.items() if kind != "house"]  # /api/predict/{model}
# A raw body is read as the image whatever its content type says (upload_bytes); the document names the
# types a client should send: the formats load_image decodes, and bytes of no declared type. Not */*: under
# application/json or text/plain a schema describes text, and no text is an image.
RAW_IMAGE_TYPES = [f"image/{name.lower()}" for name in IMAGE_FORMATS] + ["application/octet-stream"]
IMAGE = {"type": "string", "format": "binary", "minLength": 1, "description": "PNG, JPEG, WEBP, GIF or BMP"}

# Every error code an /api/ answer carries -> its status: reader.read.REFUSALS (what an image holds or
# lacks), then api.py's own refusals and the HTTP errors server.py answers as JSON.
ERROR_STATUS = {code: status for status, code in REFUSALS.values()} | {
    "no_image": 400,
    "empty_image": 400,
    "bad_find": 400,
    "unknown_model": 404,
    "not_found": 404,
    "method_not_allowed": 405,
    "request_entity_too_large": 413,
    "internal_server_error": 500,
    "model_unavailable": 503,
}
# Each route's errors, code -> when. Every route also answers ANY_ROUTE_ERRORS, and any other method the 405.
IMAGE_ERRORS = {
    "no_image": "multipart without the file field 'image'",
    "empty_image": "the image is empty (0 bytes)",
    "unreadable_image": "not a PNG, JPEG, WEBP, GIF or BMP image, truncated, or over 50 megapixels",
    "model_unavailable": "the model file cannot be loaded now (being exported?); try again later",
}
BLANK = "the image decodes but holds no ink"
DIGIT_ERRORS = IMAGE_ERRORS | {
    "blank_image": BLANK,
    "bad_box": "a box (x, y, w, h): it goes with the house model only",
    "bad_find": "find: it goes with the house model only",
    "unknown_model": "no such model",
    "not_found": "a model name with a slash in it",
}
HOUSE_ERRORS = IMAGE_ERRORS | {
    "bad_box": "a box that is partial, not numbers, or outside the image",
    "bad_find": "find other than 1, 0, true or false; or find=1 with a box (with multipart, one may come in"
    " the query string and the other in the form)",
}
NUMBER_ERRORS = IMAGE_ERRORS | {
    "blank_image": BLANK,
    "no_number": "the image holds ink, but no digit could be made out in it",
}
ANY_ROUTE_ERRORS = {
    "request_entity_too_large": "the request body is over the limit",
    "internal_server_error": "a bug, logged on the server",
}
OTHER_METHOD_ERRORS = {"method_not_allowed": "a method not described here (the Allow header lists those that are)"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def number(low: float | None = None, high: float | None = None, kind: str = "number") -> dict:
    bounds = {"minimum": low, "maximum": high}
    return {"type": kind, **{key: value for key, value in bounds.items() if value is not None}}


def record(required: dict[str, dict], optional: dict | None = None) -> dict:
    """An object schema with exactly these fields: a field the code adds must be added here too."""
    properties = required | (optional or {})
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors_answer(errors: dict[str, str]) -> dict:
    """One status's {error, detail} answer, naming the codes it carries; detail is a sentence for a person."""
    description = "; ".join(f"{code}: {when}" for code, when in errors.items())
    return json_response(description, record({"error": {"enum": list(errors)}, "detail": {"type": "string"}}))


def error_responses(errors: dict[str, str]) -> dict[str, dict]:
    """A route's errors, code -> when, as its answers by status."""
    by_status: dict[str, dict[str, str]] = {}
    for code, when in errors.items():
        by_status.setdefault(str(ERROR_STATUS[code]), {})[code] = when
    return {status: errors_answer(by_status[status]) for status in sorted(by_status)}


def operation(summary: str, ok: dict, errors: dict[str, str], **more) -> dict:
    responses = {"200": ok} | error_responses(errors | ANY_ROUTE_ERRORS)
    return {"summary": summary, **more, "responses": responses}


def any_case(words: list[str]) -> str:
    """A pattern for exactly these words in any letter case: ECMA-262 patterns have no flag for it."""
    spelled = ["".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word) for word in words]
    return f"^({'|'.join(spelled)})$"


def house_fields() -> dict:
    """The box and find in one place, as box_and_find takes them: all of the box or none of it, and find=1
    only without a box. Said without anyOf, oneOf or if: Schemathesis, negating one branch of those, sends
    what another branch allows, and fails the server for taking it."""
    find = {
        "type": "string",
        "pattern": any_case(list(FIND_VALUES)),
        "description": "1 or true finds the number in the photo first, as the page and `--find` do; the answer"
        " adds box and box_score. Not with a box.",
    }
    find_off = {"type": "string", "pattern": any_case([word for word, on in FIND_VALUES.items() if not on])}
    box = {
        name: number(low, high) | {"description": "the box around the number, in pixels (truncated to whole ones)"}
        for name, (low, high) in BOX_BOUNDS.items()
    }
    return {
        "type": "object",
        "properties": box | {"find": find},
        "dependentRequired": {name: [other for other in BOX_FIELDS if other != name] for name in BOX_FIELDS},
        "dependentSchemas": {name: {"properties": {"find": find_off}} for name in BOX_FIELDS},
    }


def image_body(max_body_bytes: int, form: dict, note: str) -> dict:
    """The image as multipart (the file field 'image' with the fields form describes) or as the raw body."""
    multipart = form | {"properties": {"image": IMAGE} | form["properties"], "required": ["image"]}
    return {
        "required": True,
        "description": f"At most {max_body_bytes:,} bytes: multipart, or the image as the raw body. A raw body is"
        " read as the image whatever its content type says (`curl --data-binary` sends"
        f" application/x-www-form-urlencoded); these are the types to send. {note}",
        "content": {"multipart/form-data": {"schema": multipart}}
        | {media_type: {"schema": IMAGE} for media_type in RAW_IMAGE_TYPES},
    }


def openapi_document(max_body_bytes: int) -> dict:
    """The OpenAPI 3.1 description of every /api/ route and /healthz, built from the constants the code uses."""
    digit = number(0, 9, "integer")
    probability = number(0, 1)
    read_digit = operation(
        "Read a digit from an image",
        json_response("The reading, as `python -m reader` prints it", ref("DigitReading")),
        DIGIT_ERRORS,
        description=f"The digit models. The house model has a path of its own ({HOUSE_PATH}): it alone takes a box"
        " and find, which the digit models refuse in the form and in the query string alike.",
        parameters=[
            {"name": "model", "in": "path", "required": True, "schema": {"type": "string", "enum": DIGIT_MODELS}}
        ],
        requestBody=image_body(
            max_body_bytes,
            {"type": "object", "properties": {name: False for name in (*BOX_FIELDS, "find")}},
            "Other form fields than the box and find are ignored.",
        ),
    )
    read_house = operation(
        "Read a house number from a photo: the whole photo, a box in it, or where the number is found",
        json_response("The reading, as `python -m reader --model house` prints it", ref("HouseReading")),
        HOUSE_ERRORS,
        parameters=[
            {
                "name": "box_and_find",
                "in": "query",
                "style": "form",
                "explode": True,  # ?x=40&y=30&w=120&h=60, or ?find=1
                "schema": house_fields(),
                "description": "The box (x, y, w, h) or find. With multipart they may come as form fields instead;"
                " a form field wins over the query string's.",
            }
        ],
        requestBody=image_body(max_body_bytes, house_fields(), "Other form fields are ignored."),
    )
    read_number = operation(
        "Read a handwritten number, drawn or on paper (a photo or a scan)",
        json_response("The reading, as `python -m reader --number` prints it", ref("NumberReading")),
        NUMBER_ERRORS,
        requestBody=image_body(max_body_bytes, {"type": "object", "properties": {}}, "Other form fields are ignored."),
    )
    model_info = record(
        {
            "name": {"enum": list(API_MODELS)},
            "kind": {"enum": list(INPUT_SHAPES)},
            "url": {"type": "string"},
            "input_shape": {"type": "array", "items": number(1, kind="integer"), "minItems": 3, "maxItems": 3},
            "box": {"type": "boolean", "description": "takes a box (x, y, w, h) and find"},
            "file": {"type": ["string", "null"], "description": "the TFLite export read, under the models folder"},
            "bytes": {"type": ["integer", "null"]},
            "sha256": {"type": ["string", "null"]},
            "loaded": {"type": "boolean"},
            "metrics": {"type": ["object", "null"], "description": "its entry in models/metrics.json"},
        }
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Digit reader API", "version": "1"},
        "paths": {
            "/api/predict/{model}": {"post": read_digit},
            HOUSE_PATH: {"post": read_house},
            "/api/predict/number": {"post": read_number},
            "/api/models": {
                "get": operation(
                    "The models, their input shapes, metrics and files",
                    json_response("The models", record({"models": {"type": "array", "items": model_info}})),
                    {},
                )
            },
            "/healthz": {
                "get": operation(
                    "Answers while the server is up",
                    json_response("Up", record({"status": {"enum": ["ok"]}})),
                    {},
                )
            },
            "/api/openapi.json": {
                "get": operation(
                    "This document",
                    json_response("OpenAPI 3.1", {"type": "object", "required": ["openapi", "info", "paths"]}),
                    {},
                )
            },
        },
        "components": {
            "schemas": {
                "DigitReading": record(
                    {
                        "digit": digit,
                        "confidence": probability,
                        "probabilities": {"type": "array", "items": probability, "minItems": 10, "maxItems": 10},
                        "model": {"enum": [API_MODELS[name] for name in DIGIT_MODELS]},
                    }
                ),
                "HouseReading": record(
                    {
                        "number": {"type": "string"},
                        "confidence": probability,
                        "length": number(1, 6, "integer"),
                        "complete": {"type": "boolean", "description": "false: more than five digits"},
                        "digits": {"type": "array", "items": record({"digit": digit, "confidence": probability})},
                        "model": {"enum": ["house"]},
                    },
                    {
                        "box": {
                            "type": "array",
                            "items": number(0, kind="integer"),
                            "minItems": 4,
                            "maxItems": 4,
                            "description": "find=1: x, y, w, h of the number found, in image pixels",
                        },
                        "box_score": probability | {"description": "find=1: how sure a number is there"},
                    },
                ),
                "NumberReading": record(
                    {
                        "number": {"type": "string", "description": "the digits only: separators and dashes skipped"},
                        "confidence": probability,
                        "digits": {
                            "type": "array",
                            "items": record(
                                {
                                    "digit": digit,
                                    "confidence": probability,
                                    "box": {
                                        "type": "array",
                                        "items": number(0, kind="integer"),
                                        "minItems": 4,
                                        "maxItems": 4,
                                        "description": "x, y, w, h of the digit's ink, in image pixels",
                                    },
                                }
                            ),
                        },
                        "model": {"enum": [NUMBER_CLASSIFIER]},
                    },
                    {
                        "readings": record(
                            {"reader": {"type": "string"}, "segmentation": {"type": "string"}},
                        )
                        | {"description": "what the number reader and the segmentation each read alone"}
                    },
                ),
            },
            # Any route, any method not described: the only answer not listed per operation.
            "responses": error_responses(OTHER_METHOD_ERRORS),
        },
    }


# --- errors ------------------------------------------------------------------------------


@bp.errorhandler(ApiError)
def api_error(err: ApiError) -> tuple[Response, int]:
    return error_response(err.status, err.error, err.detail)


def refused(err: Exception) -> tuple[Response, int]:
    """An image the reading refuses (reader.read.REFUSALS: not an image, a box outside it, blank, no
    digit in its ink) -> its 4xx {error, detail}, as the CLI prints it."""
    status, error = next(REFUSALS[kind] for kind in type(err).__mro__ if kind in REFUSALS)
    return error_response(status, error, str(err))


for _refusal in REFUSALS:
    bp.register_error_handler(_refusal, refused)
