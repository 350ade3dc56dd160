"""Numbers spliced from the real training photos' own digits (issue 24, train/compose.py)."""

import numpy as np

from tests.conftest import require_data
from train.compose import PhotoBand, compose, compositions, photo_band, strip_edges, training_bands
from train.svhn import REAL_SAMPLE_DIR, REAL_VAL_FIRST_FILE, Annotation, DigitBox


def test_strips_are_cut_midway_between_digits_and_padded_outside():
    assert strip_edges([10, 30], [20, 40], 2) == [8, 25, 42]
    assert strip_edges([10, 18], [20, 30], 1) == [9, 19, 31]  # overlapping boxes: cut in the overlap


def photo_with_digits(digits: str, lefts: list[int]) -> tuple[np.ndarray, Annotation]:
    """A grey 60x200 photo; each digit a dark bar 10 px wide and 20 high, its value in the green channel."""
    pixels = np.full((60, 200, 3), 200, np.uint8)
    boxes = []
    for digit, left in zip(digits, lefts):
        pixels[20:40, left : left + 10] = (0, 20 * int(digit), 0)
        boxes.append(DigitBox(left, 20, 10, 20, int(digit)))
    return pixels, Annotation("7.png", tuple(boxes))


def test_a_photo_band_holds_one_strip_per_digit_in_order():
    pixels, annotation = photo_with_digits("123", [60, 80, 100])
    band = photo_band(pixels, annotation)
    assert [s.digit for s in band.strips] == [1, 2, 3] and band.file_number == 7
    assert band.bottom - band.top == 20
    for strip, digit in zip(band.strips, "123"):
        ink = band.pixels[band.top + 5, strip.ink0 : strip.ink1]
        assert (ink[:, 1] == 20 * int(digit)).all()  # each strip's ink columns are its own digit
    assert band.left_context.shape[1] > 0 and band.right_context.shape[1] > 0


def test_boxes_out_of_order_or_off_the_photo_give_no_band():
    pixels, annotation = photo_with_digits("12", [80, 60])  # the label's order is not left to right
    assert photo_band(pixels, annotation) is None
    off = Annotation("8.png", (DigitBox(190, 20, 30, 20, 4),))
    assert photo_band(pixels, off) is None


def test_compositions_spell_digits_of_the_photos_and_repeat_for_a_seed():
    bands: list[PhotoBand] = []
    for number, lefts in (("123", [60, 80, 100]), ("45", [70, 90])):
        band = photo_band(*photo_with_digits(number, lefts))
        assert band is not None
        bands.append(band)
    first, again = compose(bands, np.random.default_rng(4)), compose(bands, np.random.default_rng(4))
    assert first[1] == again[1] and (first[0] == again[0]).all()
    rng = np.random.default_rng(0)
    made = [compose(bands, rng) for _ in range(200)]
    assert all(crop.shape == (64, 64, 3) and crop.dtype == np.uint8 for crop, _, _ in made)
    assert {len(number) for _, number, _ in made} == {1, 2, 3, 4, 5}
    assert set("".join(number for _, number, _ in made)) == set("12345")


def test_only_training_photos_are_composed():
    directory = require_data(REAL_SAMPLE_DIR / "digitStruct.json", "real SVHN photos").parent
    bands = training_bands(directory, progress=False)
    assert len(bands) > 1100 and max(b.file_number for b in bands) < REAL_VAL_FIRST_FILE
    made = compositions(directory, 40, seed=1, progress=False)
    assert made["images"].shape == (40, 64, 64, 3) and (made["file_number"] < REAL_VAL_FIRST_FILE).all()
    assert ((made["length"] >= 1) & (made["length"] <= 5)).all()
