"""SVHN format 1: both annotation parsers (the real test-split JSON included) and the crop pipeline."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reader.decode import LENGTH_MORE_THAN_FIVE
from reader.preprocess import HOUSE_CROP, crop_house_number
from tests.conftest import ROOT, require_data
from train import svhn

REAL_JSON = ROOT.parent / "shared" / "data" / "svhn" / "test_digitStruct.json"

FIXTURE = [
    svhn.Annotation("1.png", (svhn.DigitBox(43, 7, 19, 30, 5),)),
    svhn.Annotation(
        "2.png", (svhn.DigitBox(99, 5, 14, 23, 2), svhn.DigitBox(114, 8, 8, 23, 1), svhn.DigitBox(121, 6, 12, 23, 0))
    ),
    svhn.Annotation("10.png", tuple(svhn.DigitBox(10 + 9 * i, 4, 8, 20, (i * 3) % 10) for i in range(7))),
]


@pytest.fixture(scope="module")
def real_annotations() -> list[svhn.Annotation]:
    path = require_data(REAL_JSON, "SVHN test annotations")
    return svhn.parse_digitstruct_json(path)


def test_real_test_split_has_the_published_counts(real_annotations):
    stats = svhn.label_statistics(real_annotations)
    assert stats["images"] == 13068 and stats["boxes"] == 26032
    assert stats["lengths"] == {1: 2483, 2: 8356, 3: 2081, 4: 146, 5: 2}
    assert sum(stats["digits"].values()) == 26032 and stats["digits"][1] == 5099
    # Label 10 is the digit 0: there are zeros, and no digit outside 0..9.
    assert stats["digits"][0] == 1744 and set(stats["digits"]) == set(range(10))


def test_real_json_first_images(real_annotations):
    assert real_annotations[0] == svhn.Annotation("1.png", (svhn.DigitBox(43, 7, 19, 30, 5),))
    assert real_annotations[1].number == "210"


def test_mat_fixture_round_trips_through_the_mat_parser(tmp_path):
    svhn.write_digitstruct_mat(tmp_path / "digitStruct.mat", FIXTURE)
    assert svhn.parse_digitstruct_mat(tmp_path / "digitStruct.mat") == FIXTURE
    assert svhn.load_annotations(tmp_path) == FIXTURE


def test_mat_parser_agrees_with_the_json_parser_on_real_annotations(real_annotations, tmp_path):
    sample = real_annotations[:40] + real_annotations[-40:]
    svhn.write_digitstruct_mat(tmp_path / "digitStruct.mat", sample)
    assert svhn.parse_digitstruct_mat(tmp_path / "digitStruct.mat") == sample


def test_bad_labels_and_missing_annotations_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="not in 1..10"):
        svhn.digit_of_label(11)
    with pytest.raises(FileNotFoundError, match="digitStruct"):
        svhn.load_annotations(tmp_path)


def test_labels_and_the_more_than_five_rule():
    length, digits = svhn.number_labels("210")
    assert length == 3 and digits.tolist() == [2, 1, 0, 10, 10]
    length, digits = svhn.number_labels(FIXTURE[2].number)
    assert length == LENGTH_MORE_THAN_FIVE and digits.tolist() == [int(c) for c in FIXTURE[2].number[:5]]


def test_crops_take_the_union_box_grown_by_30_percent(tmp_path):
    # A white image with one red rectangle exactly where the union of two digit boxes is.
    image = np.full((100, 200, 3), 255, np.uint8)
    image[40:60, 50:110] = (255, 0, 0)
    boxes = (svhn.DigitBox(50, 40, 25, 20, 1), svhn.DigitBox(80, 45, 30, 15, 7))
    assert svhn.union_box(boxes) == (50, 40, 60, 20)
    crop = crop_house_number(image, svhn.union_box(boxes))
    assert crop.shape == (HOUSE_CROP, HOUSE_CROP, 3)
    red = (crop[..., 1] < 0.5).mean()
    assert red == pytest.approx(1 / 1.3**2, abs=0.04)  # the box fills 1/1.69 of the grown crop


def test_build_crops_caches_npz(tmp_path):
    split = tmp_path / "test"
    split.mkdir()
    for annotation in FIXTURE:
        Image.new("RGB", (200, 60), "white").save(split / annotation.filename)
    svhn.write_digitstruct_mat(split / "digitStruct.mat", FIXTURE)
    data = svhn.build_crops(split)
    assert data["images"].shape == (3, HOUSE_CROP, HOUSE_CROP, 3) and data["images"].dtype == np.uint8
    assert data["length"].tolist() == [1, 3, 6]
    assert Path(split / f"crops_{HOUSE_CROP}.npz").is_file()
    (split / "digitStruct.mat").unlink()  # the second call reads the cache only
    assert svhn.build_crops(split)["digits"].tolist() == data["digits"].tolist()
