"""Shared fixtures: the Flask app and its test client, and the data sets tests read.

Data sets are not in the repository. A test that needs one skips with the reason,
unless REQUIRE_DATA=1 (as in CI with the data mounted), where a missing set fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reader.paths import REPO_ROOT
from server import create_app

ROOT = REPO_ROOT  # the repository, for the tests' paths
T = TypeVar("T")


def run_study(module: str, args: list[str], out: Path, timeout: int = 600) -> tuple[subprocess.CompletedProcess, dict]:
    """`python -m module args --out out` from the repository root -> (the finished command, the JSON it
    wrote), failing the test with the command's stderr when it does not exit cleanly."""
    command = [sys.executable, "-m", module, *args, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text())


def require_data(source: str | Path | Callable[[], T], what: str = "test data") -> Path | T:
    """A path that must exist, or a loader to call; skip (fail when REQUIRE_DATA=1) if it is missing."""
    try:
        if callable(source):
            return source()
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        return path
    except FileNotFoundError as err:  # train.data.DataNotFoundError is one too
        message = f"{what} not available: {err}"
        if os.environ.get("REQUIRE_DATA") == "1":
            pytest.fail(f"{message} (REQUIRE_DATA=1 makes missing data an error)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def mnist() -> tuple[tuple, tuple]:
    """((x_train, y_train), (x_test, y_test)) as train.data.load_mnist gives them."""
    from train.data import load_mnist

    return require_data(load_mnist, "MNIST")


@pytest.fixture(scope="session")
def pen_digits() -> list:
    """All UNIPEN pendigits trajectories (train.pendigits.PenDigit), in file order."""
    from train.pendigits import load_pendigits

    return require_data(load_pendigits, "pendigits")


@pytest.fixture
def app() -> Flask:
    return create_app({"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def smoke_models(tmp_path_factory, mnist) -> Path:
    """Both models trained for 1 epoch on 2,000 images (seconds), with history and metrics."""
    from train.mnist import train

    out = tmp_path_factory.mktemp("smoke_models")
    for kind in ("mlp", "cnn"):
        train(kind, epochs=1, data_dir=None, out_dir=out, limit=2000, use_pen=True)
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Two groups for `make test`'s two processes (pytest-xdist, --dist loadgroup): the browser tests,
    which mostly wait on Chromium, and the rest, which mostly compute. Each group runs in one process,
    in order, so tests that make the same cache file never race; without -n the groups mean nothing."""
    browser_dir = Path(__file__).parent / "browser"
    for item in items:
        group = "browser" if browser_dir in Path(item.path).parents else "python"
        item.add_marker(pytest.mark.xdist_group(group))
