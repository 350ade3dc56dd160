"""Property: an image like the hard ones people send (tests/hard_images.py: real ledger scans cut,
faded, thresholded, blurred and inverted; noise, specks, stripes, checkerboards, slivers, ruled lines,
a blot, ink on every border) gets, on every reading route, a reading or a documented 4xx: never a
5xx, never a traceback, and always the JSON the OpenAPI document describes. The CLI answers a batch
of them with one JSON line per file.

The examples are fixed (derandomize) and bounded: REAL_FUZZ_EXAMPLES raises their number for a
longer hunt.
"""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.read import REFUSALS
from server import create_app
from tests.conftest import require_data
from tests.hard_images import hard_images, parish_scans
from tests.test_openapi import HOUSE, NUMBER, PREDICT, check, response_schema
from tests.test_predict import run_cli

EXAMPLES = int(os.environ.get("REAL_FUZZ_EXAMPLES", "80"))
CLI_BATCH = 8  # images per CLI batch; each of the four ways reads the same batch
# route -> (documented path, URL, form fields): every way an image is read.
ROUTES = {
    "number": (NUMBER, "/api/predict/number", {}),
    "house": (HOUSE, "/api/predict/house", {}),
    "house, find": (HOUSE, "/api/predict/house", {"find": "1"}),
    "digit": (PREDICT, "/api/predict/mnist-cnn", {}),
}
CLI_WAYS = {
    "number": ["--number"],
    "house": ["--model", "house"],
    "house, find": ["--model", "house", "--find"],
    "digit": [],
}
FUZZ_SETTINGS = dict(
    derandomize=True,  # the same examples on every run: CI's fixed seed
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def scans() -> list[np.ndarray]:
    return require_data(lambda: parish_scans(24), "the parish ledger scans")


@pytest.fixture(scope="module")
def reading_client() -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


@pytest.fixture(scope="module")
def document(reading_client: FlaskClient) -> dict:
    return reading_client.get("/api/openapi.json").get_json()


@settings(max_examples=EXAMPLES, **FUZZ_SETTINGS)
@given(data=st.data(), route=st.sampled_from(sorted(ROUTES)))
def test_every_route_answers_a_hard_image_with_a_reading_or_a_documented_4xx(
    reading_client: FlaskClient, document: dict, scans: list[np.ndarray], data, route: str
) -> None:
    path, url, fields = ROUTES[route]
    image = data.draw(hard_images(scans), label="image")
    response = reading_client.post(url, data={"image": (io.BytesIO(image), "upload"), **fields})
    answer = response.get_json()
    assert response.status_code in (200, 400, 422), answer
    assert check(answer, response_schema(document, path, "post", response.status_code), document) == []
    if response.status_code != 200:  # a picture that is an image: refused for what it holds, not as a file
        assert answer["error"] in ("blank_image", "no_number", "unreadable_image"), answer


@settings(max_examples=1, **FUZZ_SETTINGS)
@given(data=st.data())
def test_the_cli_answers_a_batch_of_hard_images_with_one_json_line_each(
    scans: list[np.ndarray], tmp_path_factory: pytest.TempPathFactory, data
) -> None:
    folder = tmp_path_factory.mktemp("hard")
    files = []
    for index in range(CLI_BATCH):
        files.append(str(folder / f"{index}.png"))
        with open(files[-1], "wb") as out:
            out.write(data.draw(hard_images(scans), label=f"image {index}"))
    refusals = {error for _, error in REFUSALS.values()}
    for way, args in CLI_WAYS.items():
        done = run_cli(*args, *files)
        assert "Traceback" not in done.stderr, (way, done.stderr[-2000:])
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert [line["file"] for line in lines] == files, way
        failed = [line for line in lines if "error" in line]
        for line in failed:
            assert set(line) == {"file", "error", "detail"} and line["error"] in refusals, (way, line)
        assert done.returncode == (1 if failed else 0), (way, done.stderr[-2000:])
        if failed:
            assert f"{len(failed)} of {len(files)} files could not be read" in done.stderr
