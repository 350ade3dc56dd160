"""The CLI reads a person's own image files with the committed models, and refuses bad ones clearly."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT
from tests.drawings import SEVEN, draw_polylines

ONE = [[(0.3, 0.25), (0.55, 0.05), (0.55, 0.95)]]  # a 1 with a flag, as many Europeans write it
ZERO = [[(0.5 + 0.3 * np.sin(t), 0.5 - 0.45 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args], capture_output=True, text=True, cwd=ROOT, timeout=180
    )


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("images")
    # Dark pen on white paper, large, saved as a JPEG photo would be.
    Image.fromarray(draw_polylines(SEVEN, canvas=900, centre=(450, 450), height=600, brush=50)).convert("RGB").save(
        d / "seven_paper.jpg", quality=85
    )
    # Light chalk on a dark board, small and off-centre.
    Image.fromarray(draw_polylines(ONE, canvas=120, centre=(40, 70), height=60, brush=6, dark_on_light=False)).save(
        d / "one_board.png"
    )
    # A canvas export: black ink on a transparent background.
    ink = 255 - draw_polylines(ZERO, height=180, brush=16)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = ink
    Image.fromarray(rgba, "RGBA").save(d / "zero_transparent.png")
    Image.new("RGB", (300, 200), "white").save(d / "blank.png")
    (d / "notes.png").write_text("this is not an image")
    good = (d / "seven_paper.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(good[: len(good) // 3])
    return d


def test_reads_digits_in_either_polarity_and_any_size(image_files):
    files = ["seven_paper.jpg", "one_board.png", "zero_transparent.png"]
    done = run_cli(*(str(image_files / f) for f in files))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["digit"] for line in lines] == [7, 1, 0]
    for line, name in zip(lines, files):
        assert line["file"].endswith(name) and line["model"] == "cnn"
        assert len(line["probabilities"]) == 10 and abs(sum(line["probabilities"]) - 1) < 1e-3
        assert line["confidence"] == max(line["probabilities"]) > 0.5


def test_bad_files_get_clear_messages_and_the_rest_are_still_read(image_files):
    bad = ["blank.png", "notes.png", "truncated.jpg", "missing.png"]
    done = run_cli(*(str(image_files / f) for f in bad), str(image_files / "seven_paper.jpg"), "--model", "mlp")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]  # one per file, in order, read or not
    assert [line["file"] for line in lines] == [str(image_files / f) for f in [*bad, "seven_paper.jpg"]]
    assert lines[-1]["digit"] == 7
    refused = {line["file"]: (line["error"], line["detail"]) for line in lines[:-1]}
    assert refused == {
        str(image_files / "blank.png"): ("blank_image", "no ink found: the image is blank"),
        str(image_files / "notes.png"): ("unreadable_image", "not an image (PNG or JPEG expected)"),
        str(image_files / "truncated.jpg"): ("unreadable_image", refused[str(image_files / "truncated.jpg")][1]),
        str(image_files / "missing.png"): ("unreadable_image", "no such file"),
    }
    assert refused[str(image_files / "truncated.jpg")][1].startswith("cannot decode image")
    errors = dict(line.split(": ", 2)[1:] for line in done.stderr.splitlines() if line.startswith("error: "))
    assert errors == {name: detail for name, (_, detail) in refused.items()}  # a person reads them on stderr too
    assert "4 of 5 files could not be read" in done.stderr


def test_unknown_model_is_a_usage_error():
    done = run_cli("x.png", "--model", "svm")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_number_mode_reads_each_digit_with_its_box(image_files, tmp_path):
    from tests.test_segment import FOUR, ONE, ZERO, draw_number

    Image.fromarray(draw_number([SEVEN, FOUR, ZERO, ONE])).save(tmp_path / "number.png")
    done = run_cli("--number", str(tmp_path / "number.png"), str(image_files / "blank.png"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line, blank = [json.loads(text) for text in done.stdout.splitlines()]
    assert blank == {
        "file": str(image_files / "blank.png"),
        "error": "blank_image",
        "detail": "no ink found: the image is blank",
    }
    assert line["file"].endswith("number.png") and line["model"] == "cnn" and line["number"] == "7401"
    assert [d["digit"] for d in line["digits"]] == [7, 4, 0, 1]
    assert all(len(d["box"]) == 4 and 0 < d["confidence"] <= 1 for d in line["digits"])
    assert f"error: {image_files / 'blank.png'}: no ink found: the image is blank" in done.stderr


def test_number_mode_reads_handwriting_only():
    done = run_cli("--number", "x.png", "--model", "house")
    assert done.returncode == 2 and "--number" in done.stderr
