"""The JSON prediction API: the CLI's code path (reader/read.py) behind HTTP.

    curl -F image=@seven.png http://127.0.0.1:5000/api/predict/mnist-cnn
    curl --data-binary @door.jpg 'http://127.0.0.1:5000/api/predict/house?x=40&y=30&w=120&h=60'
    curl -F image=@door.jpg -F find=1 http://127.0.0.1:5000/api/predict/house   # find the number first
    curl -F image=@amount.jpg http://127.0.0.1:5000/api/predict/number          # a handwritten number, paper or canvas
    curl http://127.0.0.1:5000/api/models
    curl http://127.0.0.1:5000/api/openapi.json                                 # all of it, in OpenAPI 3.1

Bad input gets a 4xx answer {error, detail}; server.py turns every other HTTP error on
/api/ paths into the same shape. Models load on first use, once per process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, request

from reader.paths import MODEL_FILES, read_metrics
from reader.preprocess import HOUSE_INPUT, INPUT_SIZE
from reader.read import (
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
# What preprocessing hands each model (reader/preprocess.py); tests check the loaded models agree.
DIGIT_SHAPE, HOUSE_SHAPE = [INPUT_SIZE, INPUT_SIZE, 1], [HOUSE_INPUT, HOUSE_INPUT, 3]
INPUT_SHAPES = {"cnn": DIGIT_SHAPE, "mlp": DIGIT_SHAPE, "house": HOUSE_SHAPE}
BOX_FIELDS = ("x", "y", "w", "h")
NUMBER_CLASSIFIER = "cnn"  # /api/predict/number segments with the CLI's default classifier
FIND_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}  # find=... -> look for the number

_models: dict[tuple[str, Path], SerializedModel] = {}  # (kind, models dir) -> model, for the process's lifetime
# TensorFlow work (loading, calling a model) runs in one thread at a time; see SerializedModel.
_tf_lock = threading.Lock()


class ApiError(Exception):
    """A request the API refuses: HTTP status, short machine-readable error, sentence for a person."""

    def __init__(self, status: int, error: str, detail: str):
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def error_response(status: int, error: str, detail: str) -> tuple[Response, int]:
    return jsonify(error=error, detail=detail), status


# --- models ------------------------------------------------------------------------------


class SerializedModel:
    """A tf_keras model whose calls take the process-wide TF lock.

    Measured with TF 2.19 on 2 CPU cores: threads calling the CNN or the house model at once
    corrupt the heap and kill the process ("corrupted double-linked list", in oneDNN's
    convolutions); one call at a time never did, and TF's own intra-op threads keep both
    cores busy anyway. Preprocessing and decoding, plain numpy, still run in parallel.
    """

    def __init__(self, model):
        self.model = model

    def __call__(self, *args, **kwargs):
        with _tf_lock:
            return self.model(*args, **kwargs)


def get_model(kind: str, models_dir: Path) -> SerializedModel:
    """The loaded model for kind, loading it on first use. Thread-safe; a failed load is retried next time."""
    key = (kind, models_dir)
    model = _models.get(key)
    if model is not None:
        return model
    with _tf_lock:  # a second request for the same model waits here, then reuses the first one's load
        if key not in _models:
            try:
                _models[key] = SerializedModel(load_reader(kind, models_dir))
            # A file half-written by a training run's checkpoint fails in many ways (zip, HDF5, config);
            # all of them mean the same to a client: try again later.
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


def model_file_info(path: Path) -> dict:
    """{file, bytes, sha256} of a model file, or nulls where it is missing."""
    try:
        stat = path.stat()
        return {"file": path.name, "bytes": stat.st_size, "sha256": file_sha256(path, stat.st_size, stat.st_mtime_ns)}
    except OSError:
        return {"file": path.name, "bytes": None, "sha256": None}


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


def box_from_fields(fields: dict[str, str], kind: str) -> Box | None:
    """x, y, w, h fields -> box, None when there are none. Partial boxes and boxes on digits are refused."""
    given = [name for name in BOX_FIELDS if fields.get(name, "") != ""]
    if not given:
        return None
    if kind != "house":
        raise BadBoxError("a box (x, y, w, h) goes with the house model only")
    if len(given) < len(BOX_FIELDS):
        raise BadBoxError(f"a box needs all of x, y, w, h; got only {', '.join(given)}")
    return parse_box(",".join(fields[name] for name in BOX_FIELDS))


def wants_find(fields: dict[str, str], kind: str, box: Box | None) -> bool:
    """find=1, as a form field or in the query string: look for the number first, as `--find` does."""
    value = fields.get("find", request.args.get("find", "")).lower()
    if value not in FIND_VALUES:
        raise ApiError(400, "bad_find", f"find must be 1 or 0, got {value!r}")
    if FIND_VALUES[value] and (kind != "house" or box is not None):
        raise ApiError(400, "bad_find", "find=1 goes with the house model, instead of a box (x, y, w, h)")
    return FIND_VALUES[value]


# --- routes ------------------------------------------------------------------------------


@bp.post("/api/predict/<model>")
def predict(model: str) -> Response:
    kind = API_MODELS.get(model)
    if kind is None:
        raise ApiError(404, "unknown_model", f"no model {model!r}; use one of {', '.join(API_MODELS)}")
    g.model = model  # for the request's log line
    data = upload_bytes()
    # Multipart clients send the box as form fields, raw-body clients in the query string.
    fields = request.form if request.mimetype == "multipart/form-data" else request.args
    box = box_from_fields(fields, kind)
    find = wants_find(fields, kind, box)
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
            **model_file_info(models_dir / MODEL_FILES[kind]),
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


# --- the API described for programs (OpenAPI 3.1; tests/test_openapi.py checks real answers) ---


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


# The {error, detail} answers each status can carry; detail is a sentence for a person.
ERRORS = {
    "400": "no_image, empty_image, unreadable_image (not an image, truncated, over 50 megapixels), bad_box, bad_find",
    "404": "unknown_model, or not_found",
    "405": "method_not_allowed: a method not described here (the Allow header lists those that are)",
    "413": "request_entity_too_large: the request body is over the limit",
    "422": "blank_image: the image decodes but holds nothing to read; no_number (/api/predict/number): it holds"
    " ink, but no digit could be made out in it",
    "500": "internal_server_error: a bug, logged on the server",
    "503": "model_unavailable: the model file cannot be loaded now (being retrained?); try again later",
}
GET_ERRORS = ("413", "500")  # any route: a body over the limit, a bug. Any other method gets the 405.


def operation(summary: str, ok: dict, errors: tuple[str, ...], **more) -> dict:
    responses = {"200": ok} | {status: {"$ref": f"#/components/responses/{status}"} for status in errors}
    return {"summary": summary, **more, "responses": responses}


def openapi_document(max_body_bytes: int) -> dict:
    """The OpenAPI 3.1 description of every /api/ route and /healthz, built from the constants the code uses."""
    box_field = number(0) | {"description": "house: the box around the number, in image pixels"}
    find_field = {
        "type": "string",
        "enum": [value for value in FIND_VALUES if value],
        "description": "house: 1 finds the number in the photo first, as the page and `--find` do; "
        "the answer adds box and box_score. Not with a box.",
    }
    fields = {name: box_field for name in BOX_FIELDS} | {"find": find_field}
    image = {"type": "string", "format": "binary", "description": "PNG, JPEG, WEBP, GIF or BMP"}
    digit = number(0, 9, "integer")
    probability = number(0, 1)
    read = operation(
        "Read a digit, or a house number, from an image",
        json_response("The reading, as `python -m reader` prints it", ref("Reading")),
        ("400", "404", "413", "422", "500", "503"),
        parameters=[
            {"name": "model", "in": "path", "required": True, "schema": {"type": "string", "enum": list(API_MODELS)}}
        ]
        + [{"name": name, "in": "query", "schema": schema} for name, schema in fields.items()],
        requestBody={
            "required": True,
            "description": f"At most {max_body_bytes:,} bytes. Multipart, or the image as the raw body "
            "(any other content type; then the box and find go in the query string).",
            "content": {
                "multipart/form-data": {"schema": record({"image": image}, fields)},
                "*/*": {"schema": image},
            },
        },
    )
    read_number = operation(
        "Read a handwritten number, drawn or on paper (a photo or a scan)",
        json_response("The reading, as `python -m reader --number` prints it", ref("NumberReading")),
        ("400", "413", "422", "500", "503"),
        requestBody={
            "required": True,
            "description": f"At most {max_body_bytes:,} bytes. Multipart, or the image as the raw body.",
            "content": {"multipart/form-data": {"schema": record({"image": image})}, "*/*": {"schema": image}},
        },
    )
    model_info = record(
        {
            "name": {"enum": list(API_MODELS)},
            "kind": {"enum": list(INPUT_SHAPES)},
            "url": {"type": "string"},
            "input_shape": {"type": "array", "items": number(1, kind="integer"), "minItems": 3, "maxItems": 3},
            "box": {"type": "boolean", "description": "takes a box (x, y, w, h) and find"},
            "file": {"type": "string"},
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
            "/api/predict/{model}": {"post": read},
            "/api/predict/number": {"post": read_number},
            "/api/models": {
                "get": operation(
                    "The models, their input shapes, metrics and files",
                    json_response("The models", record({"models": {"type": "array", "items": model_info}})),
                    GET_ERRORS,
                )
            },
            "/healthz": {
                "get": operation(
                    "Answers while the server is up",
                    json_response("Up", record({"status": {"enum": ["ok"]}})),
                    GET_ERRORS,
                )
            },
            "/api/openapi.json": {
                "get": operation(
                    "This document",
                    json_response("OpenAPI 3.1", {"type": "object", "required": ["openapi", "info", "paths"]}),
                    GET_ERRORS,
                )
            },
        },
        "components": {
            "schemas": {
                "Reading": {"oneOf": [ref("DigitReading"), ref("HouseReading")]},
                "DigitReading": record(
                    {
                        "digit": digit,
                        "confidence": probability,
                        "probabilities": {"type": "array", "items": probability, "minItems": 10, "maxItems": 10},
                        "model": {"enum": ["cnn", "mlp"]},
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
                "Error": record({"error": {"type": "string"}, "detail": {"type": "string"}}),
            },
            "responses": {status: json_response(text, ref("Error")) for status, text in ERRORS.items()},
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
