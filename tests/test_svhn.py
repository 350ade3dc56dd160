"""SVHN format 1: both annotation parsers (the real test-split JSON included) and the crop pipeline."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reader.decode import LENGTH_MORE_THAN_FIVE
from reader.house_crop import HOUSE_CROP, crop_house_number
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


def fixture_split(split: Path) -> Path:
    """A folder as SVHN ships a split: the FIXTURE photos (white) and their digitStruct.mat."""
    split.mkdir()
    for annotation in FIXTURE:
        Image.new("RGB", (200, 60), "white").save(split / annotation.filename)
    svhn.write_digitstruct_mat(split / "digitStruct.mat", FIXTURE)
    return split


def test_build_crops_caches_npz(tmp_path):
    split = fixture_split(tmp_path / "test")
    data = svhn.build_crops(split)
    assert data["images"].shape == (3, HOUSE_CROP, HOUSE_CROP, 3) and data["images"].dtype == np.uint8
    assert data["length"].tolist() == [1, 3, 6]
    assert Path(split / f"crops_{HOUSE_CROP}.npz").is_file()
    (split / "digitStruct.mat").unlink()  # the second call reads the cache only
    assert svhn.build_crops(split)["digits"].tolist() == data["digits"].tolist()


def test_real_split_is_by_file_number_and_keeps_about_300_for_validation():
    directory = require_data(svhn.REAL_SAMPLE_DIR / "digitStruct.json", "real SVHN photos").parent
    training, validation = svhn.split_real(svhn.load_annotations(directory))
    assert (len(training), len(validation)) == (1200, 302)
    assert max(svhn.file_number(a.filename) for a in training) < svhn.REAL_VAL_FIRST_FILE
    assert min(svhn.file_number(a.filename) for a in validation) == svhn.REAL_VAL_FIRST_FILE
    assert not {a.filename for a in training} & {a.filename for a in validation}


def test_split_does_not_depend_on_annotation_order():
    shuffled = [FIXTURE[2], FIXTURE[0], FIXTURE[1]]
    training, validation = svhn.split_real(shuffled, first=2)
    assert [a.filename for a in training] == ["1.png"] and [a.filename for a in validation] == ["2.png", "10.png"]


def test_jittered_boxes_are_looser_shifted_and_still_hold_most_of_the_number():
    box = (100.0, 50.0, 60.0, 30.0)
    rng = np.random.default_rng(0)
    boxes = np.array([svhn.jitter_box(box, rng) for _ in range(500)])
    grow_w, grow_h = boxes[:, 2] / box[2] - 1, boxes[:, 3] / box[3] - 1
    assert grow_w.min() >= 0 and grow_w.max() <= 0.4 and grow_h.max() <= 0.4 and grow_w.std() > 0.08
    centre_shift = boxes[:, 0] + boxes[:, 2] / 2 - (box[0] + box[2] / 2)
    assert np.abs(centre_shift).max() > 5  # off-centre, not only grown
    # The number pokes out by at most the overhang: the reader's 30 % growth still holds it whole.
    assert (boxes[:, 0] <= box[0] + svhn.JITTER_OVERHANG * box[2] + 1e-9).all()
    assert (boxes[:, 0] + boxes[:, 2] >= box[0] + box[2] - svhn.JITTER_OVERHANG * box[2] - 1e-9).all()
    again = svhn.jitter_box(box, np.random.default_rng(0))
    assert again == tuple(boxes[0])


def test_real_crops_take_every_training_photo_with_its_loose_boxes(tmp_path):
    split = fixture_split(tmp_path / "sample")
    data = svhn.build_real_crops(split, tmp_path / "cache", "train", variants=3)
    assert data["images"].shape == (3 * 3, HOUSE_CROP, HOUSE_CROP, 3)  # the 3 fixtures are below the threshold
    assert data["file_number"].tolist() == [1, 1, 1, 2, 2, 2, 10, 10, 10]
    assert len(list((tmp_path / "cache").glob("svhn_real_train_*.npz"))) == 1
