"""The layout's promise: what the server, the API and the CLI run never pulls in training code
or the training packages, so `make run` can install the runtime dependencies alone."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

# (h5py and scipy are not listed: TensorFlow itself loads them.)
TRAINING_PACKAGES = ("train", "export", "studies", "bench", "tensorflowjs", "matplotlib", "tqdm", "fontTools")


def modules_after(code: str) -> list[str]:
    """Top-level modules loaded by a fresh interpreter after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_serving_and_reading_import_no_training_code() -> None:
    # The server with its API, and a real reading through the CLI's code path (TF loaded, a model run).
    loaded = modules_after(
        "import numpy as np\n"
        "import server, reader.cli\n"
        "from reader.read import load_reader, read_digit\n"
        "pixels = np.zeros((28, 28, 3), np.uint8); pixels[6:22, 12:16] = 255\n"
        "read_digit(pixels, load_reader('cnn'))\n"
        "server.create_app()"
    )
    assert "tensorflow" in loaded  # the reading did run
    assert not sorted(set(loaded) & set(TRAINING_PACKAGES))


def test_requirements_txt_is_the_only_pin_list_and_setup_installs_from_it() -> None:
    pins = (ROOT / "requirements.txt").read_text()
    assert "pip-compile" in pins and "--output-file=requirements.txt" in pins  # made by `make lock`
    assert "\ntensorflow==" in pins and "\nflask==" in pins
    assert not list(ROOT.glob("requirements*.lock")) and not list(ROOT.glob("*constraints*.txt"))
    assert "-c requirements.txt" in (ROOT / "scripts" / "setup.sh").read_text()
