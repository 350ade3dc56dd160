"""The photo page cuts a box's pixels out of a photo with a loop (web/static/js/photoPixels.js), not
with a tensor of the whole photo: the same crops, bit for bit, and a fraction of the memory.

tests/js/photo_pixels_check.mjs does the work in Node, with the tensor-op crops it replaced beside
the page's; the parity tests (test_parity.py, test_locate.py) compare the page's crops with Python's.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT
from tests.jsbridge import node_available

pytestmark = pytest.mark.skipif(not node_available(), reason="node or node_modules missing: run `make setup`")

CHECK = ROOT / "tests" / "js" / "photo_pixels_check.mjs"


@pytest.fixture(scope="module")
def check() -> dict:
    done = subprocess.run(["node", str(CHECK)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_loop_cuts_the_same_crops_as_the_tensor_ops(check: dict) -> None:
    assert check["compared"] > 50
    assert check["mismatches"] == []  # every float32 the same, for cropHouseNumber and fitRegion alike


def test_a_crop_never_holds_the_whole_photo_in_floats(check: dict) -> None:
    # The tensor ops held the photo's 4 bytes per pixel as 4 float32s (16 bytes), twice over (before
    # and after dividing by 255); the loop holds the box's RGB and the resize's small tensors.
    peak = check["peak_bytes"]
    assert peak["whole_photo"] >= 8 * check["photo_bytes"]
    assert peak["loop"] < check["photo_bytes"] / 2


def test_a_region_outside_the_photo_is_refused(check: dict) -> None:
    assert check["refused"] == [True] * len(check["refused"])  # a RangeError, as tf.slice refused it
