"""studies/box_variants.py: the study behind the box variants the page reads and how they vote."""

from __future__ import annotations

import json
import subprocess
import sys

from reader.house_crop import candidate_boxes
from studies.box_variants import BEFORE, GRID, table
from tests.conftest import ROOT, require_data, run_study
from train.svhn import REAL_SAMPLE_DIR


def reads_with(numbers: dict[tuple[float, float], tuple[str, float]], default: tuple[str, float]) -> list[list]:
    return [list(numbers.get(scale, default)) for scale in GRID]


def test_the_variants_of_before_and_those_shipped_are_in_the_grid():
    from reader.house_crop import CANDIDATE_SCALES

    assert all(scale in GRID for scale in [*BEFORE, *CANDIDATE_SCALES])
    assert candidate_boxes((100, 50, 40, 20), 640, 480, ((1.0, 1.0),)) == [[100, 50, 40, 20]]


def test_a_surely_misread_box_loses_the_vote_but_wins_the_surest():
    # One short box reads "18" very surely; every other scale reads "183", less surely.
    photo = {"true": "183", "reads": reads_with({(0.85, 1.0): ("18", 0.99)}, ("183", 0.6))}
    figures = table([photo])
    assert figures["five_surest"] == 0.0 and figures["five_vote"] == 1.0
    assert figures["grid_surest"] == 0.0 and figures["grid_vote"] == 1.0
    assert figures["shipped_surest"] == 0.0 and figures["shipped_vote"] == 1.0
    assert figures["any_reading_right"] == 1.0
    assert figures["each_scale"]["0.85x1.0"] == 0.0 and figures["each_scale"]["1.0x1.0"] == 1.0


def test_the_study_reads_real_photos_and_writes_its_figures(tmp_path):
    directory = require_data(REAL_SAMPLE_DIR / "digitStruct.json", "real SVHN photos").parent
    args = ["--data-dir", str(directory), "--limit", "3"]
    done, figures = run_study("studies.box_variants", args, tmp_path / "variants.json", timeout=300)
    assert figures["photos"] == 3 and len(figures["each_scale"]) == len(GRID) == len(figures["reads"][0]["reads"])
    assert 0 <= figures["grid_vote"] <= figures["any_reading_right"] <= 1
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["grid_vote"] == figures["grid_vote"]


def test_the_study_says_when_the_photos_are_missing(tmp_path):
    command = [sys.executable, "-m", "studies.box_variants", "--data-dir", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "digitStruct.json" in done.stderr and "Traceback" not in done.stderr


def test_the_study_reads_a_persons_box_on_generated_scenes(tmp_path):
    done, figures = run_study("studies.box_variants", ["--given-scenes", "2"], tmp_path / "given.json", timeout=300)
    assert figures["scenes"] == 2 and figures["loose_boxes"] == 6
    assert all(0 <= figures[key] <= 1 for key in ("given_one", "given_vote", "loose_one", "loose_vote"))
    assert json.loads(done.stdout.strip().splitlines()[-1]) == figures
