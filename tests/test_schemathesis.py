"""The API keeps its word (issue 26): Schemathesis reads GET /api/openapi.json from `python server.py` and
sends every route requests the document allows and requests it does not, with all its checks: no 5xx, no
status, content type, header or body the document does not list, valid requests taken and invalid ones
refused. As a person runs it, from the repository root:

    schemathesis run http://127.0.0.1:5000/api/openapi.json --checks all

schemathesis.toml (read from there) allows what no schema can say about an image, and
tests/schemathesis_hooks.py keeps that allowance narrow. The seed and the number of examples are fixed:
SCHEMATHESIS_EXAMPLES raises it for a longer hunt, SCHEMATHESIS_SEED tries other examples.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

from tests.conftest import ROOT
from tests.live_server import python_server

SEED = int(os.environ.get("SCHEMATHESIS_SEED", "26"))
# At most, per operation and phase: 200 take about 20 s on 2 cores shared with a training run, the models'
# first loads included. A hunt of 300 over 8 seeds found an overflowing box (now a 400 bad_box) that 100 missed.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "200"))


def schemathesis_run(base: str, seed: int, examples: int) -> list[str]:
    """The command a person runs, with a fixed seed and number of examples."""
    run = f"run {base}/api/openapi.json --checks all --seed {seed} --max-examples {examples}"
    # No example database: nothing kept between runs, the same examples on every machine.
    return [sys.executable, "-m", "schemathesis.cli", *run.split(), "--generation-database", "none", "--no-color"]


def test_schemathesis_finds_no_failure_in_the_running_server() -> None:
    with python_server(quiet=True) as base:
        with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=10) as answer:
            operations = sum(len(item) for item in json.load(answer)["paths"].values())
        # From the repository root, where schemathesis.toml is.
        done = subprocess.run(
            schemathesis_run(base, SEED, EXAMPLES), cwd=ROOT, capture_output=True, text=True, timeout=600
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    # Every operation but GET /api/openapi.json, which Schemathesis leaves out as the document's own address.
    tested = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    assert tested and int(tested[1]) == int(tested[2]) == int(tested[3]) == operations - 1, output[-3000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counts and int(counts[1]) == int(counts[2]) > 0, output[-3000:]
