"""The house-number page's automatic mode, measured: generated street scenes (train/synth/, a seed
no model trained or was evaluated on) uploaded one by one; the page finds the number with no box
given and reads it. Prints how often the box overlaps the true one (IoU >= 0.5) and how many
numbers are read whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from reader.locate import iou
from tests.browser.chromium import NO_WEBGL_ARGS
from tests.browser.photo_page import PhotoPage

N_SCENES = int(os.environ.get("N_SCENES_UPLOADED", 200))
SEED = 31  # training used seed 11, the recorded evaluation 12
READ_TARGET = 0.90  # the target: numbers read whole in automatic mode
BOX_TARGET = 0.90


def test_numbers_found_and_read_in_generated_street_scenes(
    playwright: Playwright, chromium: Path, live_server: str, capsys: pytest.CaptureFixture
) -> None:
    from train.synth import generate_scenes

    scenes = generate_scenes(N_SCENES, SEED)
    # WASM, not WebGL on SwiftShader: the same model and numbers, several times faster on a CPU.
    browser = playwright.chromium.launch(executable_path=str(chromium), args=NO_WEBGL_ARGS)
    try:
        page = PhotoPage(browser.new_page(viewport={"width": 1000, "height": 800})).open(live_server)
        assert page.state("backend") == "wasm"
        found, read, misses, locate_ms = 0, 0, [], []
        for scene in scenes:
            page.upload_image(scene.image)
            assert page.error() is None
            overlap = iou(page.box(), scene.box)
            found += overlap >= 0.5
            read += page.number() == scene.number
            locate_ms.append(page.state("lastLocateMs"))
            if page.number() != scene.number:
                misses.append(f"{scene.number}->{page.number() or 'nothing'} (IoU {overlap:.2f})")
    finally:
        browser.close()
    with capsys.disabled():  # the figures are the point of the test
        print(f"\nHouse numbers in {N_SCENES} generated street scenes, automatic mode (WASM):")
        print(f"  box found (IoU >= 0.5): {found}/{N_SCENES} = {found / N_SCENES:.1%}")
        print(f"  read whole: {read}/{N_SCENES} = {read / N_SCENES:.1%}")
        print(f"  finding the box took {sorted(locate_ms)[len(locate_ms) // 2]:.0f} ms (median)")
        if misses:
            print("  misread: " + ", ".join(misses[:30]))
    assert found / N_SCENES >= BOX_TARGET
    assert read / N_SCENES >= READ_TARGET
