"""The street-number generator: labels match the drawing, a seed fixes the bytes, the fonts are all there."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from reader.decode import NO_DIGIT
from reader.house_crop import HOUSE_CROP
from tests.conftest import ROOT, require_data
from train import synth
from train.fonts import (
    CATEGORIES,
    FONT_DIR,
    FONT_PACKAGES,
    FONTS,
    FontCheckError,
    FontFace,
    FontsMissingError,
    check_font,
    digit_masks,
    font_at,
    load_fonts,
)
from train.svhn import number_labels


@pytest.fixture(scope="module")
def fonts():
    """The generator's fonts; without them the rendering tests skip (fail when REQUIRE_DATA=1)."""
    return require_data(load_fonts, "the generator's fonts (run scripts/install_fonts.sh)")


# --- labels ---------------------------------------------------------------------------


def test_number_labels_pad_with_no_digit():
    length, digits = number_labels("1284")
    assert length == 4 and digits.tolist() == [1, 2, 8, 4, NO_DIGIT]
    length, digits = number_labels("7")
    assert length == 1 and digits.tolist() == [7] + [NO_DIGIT] * 4
    with pytest.raises(ValueError):
        number_labels("12a")


def test_random_numbers_have_no_leading_zero_and_house_number_lengths():
    rng = np.random.default_rng(0)
    numbers = [synth.random_number(rng) for _ in range(3000)]
    assert all(n[0] != "0" and n.isdigit() for n in numbers)
    counts = Counter(len(n) for n in numbers)
    for length, weight in synth.LENGTH_WEIGHTS.items():
        assert abs(counts[length] / len(numbers) - weight) < 0.03


# --- crops ------------------------------------------------------------------------------


def test_samples_have_the_promised_shapes_and_lengths(fonts):
    data = synth.generate_samples(300, seed=11, workers=1)
    assert data["images"].shape == (300, 64, 64, 3) and data["images"].dtype == np.uint8
    assert data["length"].shape == (300,) and data["digits"].shape == (300, 5)
    for length, digits in zip(data["length"], data["digits"]):
        assert 1 <= length <= 5
        assert (digits[:length] < 10).all() and (digits[length:] == NO_DIGIT).all()
        assert digits[0] != 0
    share = np.bincount(data["length"], minlength=6)[1:] / 300
    for length, weight in synth.LENGTH_WEIGHTS.items():
        assert abs(share[length - 1] - weight) < 0.08, (length, share)
    assert data["images"].std() > 30  # pictures, not blank tiles


def test_same_seed_same_bytes_whatever_the_workers(fonts):
    one = synth.generate_samples(24, seed=5, workers=1)
    again = synth.generate_samples(24, seed=5, workers=1)
    two = synth.generate_samples(24, seed=5, workers=2)
    other = synth.generate_samples(24, seed=6, workers=1)
    for key in one:
        assert np.array_equal(one[key], again[key]) and np.array_equal(one[key], two[key])
    assert not np.array_equal(one["images"], other["images"])
    # The seeding contract: sample i of a seed is render_sample(default_rng([seed, i])).
    assert np.array_equal(synth.render_sample(np.random.default_rng([5, 3])).image, one["images"][3])


@pytest.mark.parametrize("number", ["7", "42", "1284", "90210", "10001"])
def test_a_crop_shows_the_number_it_is_labelled_with(fonts, number):
    """Drawn with and without its digits, a crop differs across most of its width and height:
    the digits' box fills the crop (grown by only 10-50 %), whatever the number's length."""
    for seed in range(3):
        sample = synth.render_crop(np.random.default_rng([8, seed]), number)
        blank = synth.render_crop(np.random.default_rng([8, seed]), number, draw_digits=False)
        assert sample.number == number
        length, digits = number_labels(sample.number)
        assert length == len(number) and "".join(str(d) for d in digits[:length]) == number
        ink = np.abs(sample.image.astype(int) - blank.image.astype(int)).max(axis=-1) > 25
        ys, xs = np.nonzero(ink)
        assert xs.max() - xs.min() + 1 >= 0.45 * HOUSE_CROP
        assert ys.max() - ys.min() + 1 >= 0.45 * HOUSE_CROP


def test_cached_samples_generate_once_then_load(fonts, tmp_path, monkeypatch):
    first = synth.cached_samples(10, seed=3, cache_dir=tmp_path, workers=1)
    [path] = tmp_path.glob("*.npz")
    assert "n10" in path.name and "s3" in path.name and f"v{synth.GENERATOR_VERSION}" in path.name

    def fail(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(synth, "generate_samples", fail)
    second = synth.cached_samples(10, seed=3, cache_dir=tmp_path, workers=1)
    for key in first:
        assert np.array_equal(first[key], second[key])


# --- scenes -----------------------------------------------------------------------------


def test_scene_box_holds_exactly_the_number(fonts):
    """Rendered again without its digits, a scene changes only inside the box (plus a shadow's
    width), and the change reaches across the box: the box is the number's, tight."""
    for seed in range(6):
        number = synth.random_number(np.random.default_rng([4, seed]))
        scene = synth.render_scene_with(np.random.default_rng([9, seed]), number)
        blank = synth.render_scene_with(np.random.default_rng([9, seed]), number, draw_digits=False)
        height, width = scene.image.shape[:2]
        assert scene.image.dtype == np.uint8 and 320 <= width <= 640 and 240 <= height <= 480
        x, y, w, h = scene.box
        assert scene.box == blank.box and 0 <= x and 0 <= y and x + w <= width and y + h <= height
        ink = np.abs(scene.image.astype(int) - blank.image.astype(int)).max(axis=-1) > 25
        ys, xs = np.nonzero(ink)
        margin = 0.25 * h + 8  # raised digits cast a short shadow; blur spreads it, JPEG smears 8x8 blocks
        assert xs.min() >= x - margin and xs.max() <= x + w - 1 + margin
        assert ys.min() >= y - margin and ys.max() <= y + h - 1 + margin
        assert xs.max() - xs.min() + 1 >= 0.25 * w and ys.max() - ys.min() + 1 >= 0.25 * h


def test_generate_scenes_is_deterministic(fonts):
    first, second = synth.generate_scenes(2, seed=1), synth.generate_scenes(2, seed=1)
    for a, b in zip(first, second):
        assert np.array_equal(a.image, b.image) and a.box == b.box and a.number == b.number


# --- fonts ------------------------------------------------------------------------------


def test_at_least_30_fonts_covering_every_style(fonts):
    assert len(fonts) >= 30 and len({info.file for info in fonts}) == len(fonts)
    per_category = Counter(info.face.category for info in fonts)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 3


def test_every_font_draws_ten_distinct_digits(fonts):
    for index, info in enumerate(fonts):
        masks = digit_masks(font_at(index, 40))
        shapes = [
            np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((16, 24)), np.float32) / 255 for m in masks
        ]
        for i in range(10):
            assert masks[i].sum() > 20, (info.file, i)
            for j in range(i):
                assert np.abs(shapes[i] - shapes[j]).mean() > 0.03, (info.file, i, j)


def test_a_symbol_font_is_refused():
    dingbats = FontFace("opentype/urw-base35/D050000L.otf", "fonts-urw-base35", "sans")
    if not (FONT_DIR / dingbats.path).is_file():
        pytest.skip("Dingbats (fonts-urw-base35) is not installed")
    with pytest.raises(FontCheckError, match="distinct"):
        check_font(dingbats)


def test_missing_fonts_are_named_with_their_packages(tmp_path):
    with pytest.raises(FontsMissingError) as caught:
        load_fonts(tmp_path)
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert f"{len(FONTS)} of the generator's {len(FONTS)} fonts are missing" in message
    assert "scripts/install_fonts.sh" in message and "apt-get install" in message
    assert all(package in message for package in FONT_PACKAGES)


def test_one_missing_package_is_the_only_one_named(tmp_path):
    for face in FONTS:
        if face.package != "fonts-lobster":
            (tmp_path / face.path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / face.path).touch()
    with pytest.raises(FontsMissingError) as caught:
        load_fonts(tmp_path)
    assert str(caught.value).splitlines()[-1].endswith("apt-get install fonts-lobster")


def test_install_script_installs_exactly_the_font_packages():
    script = (ROOT / "scripts" / "install_fonts.sh").read_text()
    listed = re.search(r"PACKAGES=\((.*?)\)", script, re.S).group(1).split()
    assert sorted(listed) == list(FONT_PACKAGES)


# --- command line -----------------------------------------------------------------------


def test_cli_writes_both_sheets(fonts, tmp_path, capsys):
    from train.synth.__main__ import main

    sheet, scenes = tmp_path / "samples.png", tmp_path / "scenes.png"
    code = main(
        ["--count", "12", "--seed", "2", "--workers", "1", "--no-cache", "--sheet", str(sheet)]
        + [
            "--scenes",
            str(scenes),
        ]
    )
    assert code == 0 and sheet.stat().st_size > 10_000 and scenes.stat().st_size > 10_000
    assert "samples/s" in capsys.readouterr().out
