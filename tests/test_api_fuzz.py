"""Property: whatever a client sends to /api/predict, the answer is never a 5xx, and comes quickly.

Hypothesis draws random bytes, real images in every mode and several formats (whole, truncated
or with flipped bytes), headers that claim huge sizes, random boxes and both upload forms.
FUZZ_EXAMPLES raises the number of examples for a longer hunt (default: a few seconds' worth).
"""

from __future__ import annotations

import io
import os
import struct
import time
import zlib

import numpy as np
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from api import API_MODELS
from server import create_app
from tests.drawings import SEVEN, draw_polylines

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
TIME_BOUND_S = 5.0  # a request takes ~10-50 ms here; anything near this is a hang, not load
MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F", "CMYK"]
FORMATS = ["PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF", "ICO"]  # the last two are refused by design


@st.composite
def images(draw) -> bytes:
    """A real image file, possibly damaged: any size up to 96 px, any mode, several formats."""
    width, height = draw(st.integers(1, 96)), draw(st.integers(1, 96))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    style = draw(st.sampled_from(["noise", "flat", "blocks"]))
    if style == "noise":
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif style == "flat":
        pixels = np.full((height, width, 3), rng.integers(0, 256), dtype=np.uint8)
    else:
        pixels = np.full((height, width, 3), 255, dtype=np.uint8)
        pixels[height // 4 : height - height // 4, width // 3 : width - width // 3] = 0
    image = Image.fromarray(pixels).convert(draw(st.sampled_from(MODES)))
    buffer = io.BytesIO()
    try:
        image.save(buffer, draw(st.sampled_from(FORMATS)))
    except (OSError, ValueError, KeyError):  # that format cannot store that mode
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "flip":
        data = bytearray(data)
        for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            data[position] ^= draw(st.integers(1, 255))
        data = bytes(data)
    return data


@st.composite
def huge_headers(draw) -> bytes:
    """The first bytes of a PNG or GIF that claims any size up to 2^31 - 1 per side."""
    width, height = draw(st.integers(1, 2**31 - 1)), draw(st.integers(1, 2**31 - 1))
    if draw(st.booleans()):
        ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        chunk = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
        return b"\x89PNG\r\n\x1a\n" + chunk + draw(st.binary(max_size=64))
    width, height = width % 65536, height % 65536  # GIF sizes are 16-bit
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + draw(st.binary(max_size=64))


BOX_VALUES = st.one_of(
    st.integers(-10, 10**7).map(str),
    st.sampled_from(["", "0", "-0", "1.5", "1e999", "inf", "nan", "0x10", " 3", "٣"]),
    st.text(max_size=6),
)
BOXES = st.one_of(
    st.none(),
    st.fixed_dictionaries({k: BOX_VALUES for k in "xywh"}),
    st.dictionaries(st.sampled_from("xywh"), BOX_VALUES, max_size=3),
)


@pytest.fixture(scope="module")
def fuzz_client() -> FlaskClient:
    client = create_app({"TESTING": True}).test_client()
    buffer = io.BytesIO()
    Image.fromarray(draw_polylines(SEVEN)).save(buffer, "PNG")
    for model in API_MODELS:  # load every model first: the time bound is for requests, not loading
        assert client.post(f"/api/predict/{model}", data=buffer.getvalue()).status_code == 200
    return client


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,  # the bound is asserted below, generous for a loaded CI machine
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(st.binary(max_size=2048), images(), huge_headers()),
    model=st.sampled_from([*API_MODELS, "nope"]),
    box=BOXES,
    raw=st.booleans(),
)
def test_api_never_answers_5xx_and_never_hangs(fuzz_client: FlaskClient, body, model, box, raw) -> None:
    started = time.perf_counter()
    if raw:
        response = fuzz_client.post(f"/api/predict/{model}", data=body, query_string=box or {})
    else:
        form = {**(box or {}), "image": (io.BytesIO(body), "upload")}
        response = fuzz_client.post(f"/api/predict/{model}", data=form, content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    assert response.status_code < 500, response.get_data(as_text=True)
    assert elapsed < TIME_BOUND_S
    answer = response.get_json()
    if response.status_code == 200:
        assert answer["model"] == API_MODELS[model] and 0 <= answer["confidence"] <= 1
    else:
        assert set(answer) == {"error", "detail"}
