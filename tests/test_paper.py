"""Numbers on paper (train/paper.py): what the generator writes, and the committed number reader's
whole-number accuracy on the held-out paper numbers (other writers, other paper styles, their own seed)."""

from __future__ import annotations

import numpy as np
import pytest

from reader.number_strip import preprocess_number_strip
from reader.paths import CACHE_DIR, MODELS_DIR

# Measured on the committed reader with `python -m train.paper`, read as the app reads (the strip
# heights voting; models/metrics.json number_reader paper_heldout 87.75 % of 400, clean_canvas 93.8 %
# of 500); the floors sit a little under, so a regression fails and noise does not. The issue's
# target on paper is 90 %: not reached yet.
PAPER_FLOOR = 0.86
CLEAN_FLOOR = 0.91


@pytest.fixture(scope="module")
def pen_bank(pen_digits) -> list:
    from train.numbers import pen_bank

    return pen_bank(pen_digits[:200])


def test_separators_and_dashes_are_drawn_but_not_in_the_label():
    from train.paper import with_separators

    rng = np.random.default_rng(0)
    marked = [with_separators("1234567", rng, rate=1.0) for _ in range(50)]
    assert all("".join(m for m in items if m.isdigit()) == "1234567" for items in marked)
    assert {".", ",", "-", "="} <= {m for items in marked for m in items if not m.isdigit()}


def test_a_paper_photo_is_a_colour_jpeg_whose_strip_holds_the_number(pen_bank):
    from train.paper import TRAIN_LOOK, paper_photo

    rng = np.random.default_rng(1)
    for _ in range(4):
        photo, label = paper_photo(pen_bank, rng, TRAIN_LOOK)
        assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[2] == 3
        assert label.isdigit() and 1 <= len(label) <= 8
        strip, place = preprocess_number_strip(photo)
        assert strip.max() > 0.5 and place["height"] <= 24


def test_the_committed_reader_reads_held_out_paper_numbers_whole(mnist, pen_digits, tmp_path):
    import tf_keras as keras

    from train.number_accuracy import whole_number_accuracy
    from train.paper import HELDOUT_COUNT, clean_validation_numbers, heldout_name, heldout_paper_numbers

    cache = CACHE_DIR if (CACHE_DIR / f"{heldout_name(HELDOUT_COUNT)}.npz").exists() else tmp_path
    model = keras.models.load_model(MODELS_DIR / "number_reader.keras", compile=False)
    paper = whole_number_accuracy(model, *heldout_paper_numbers(cache))
    clean = whole_number_accuracy(model, *clean_validation_numbers(cache))
    assert paper["count"] >= 300
    assert paper["whole_number_accuracy"] >= PAPER_FLOOR, paper
    assert clean["whole_number_accuracy"] >= CLEAN_FLOOR, clean
