"""Number mode's segmentation: digits cut apart and read, the same in Python and in the page's JS."""

import json

import numpy as np
import pytest

from reader import segment, segment_cuts, segment_parts
from reader.paper_ink import ink_image
from reader.preprocess import EmptyImageError
from tests.conftest import ROOT
from tests.drawings import CAP_FIVE, FOUR, ONE, SEVEN, ZERO, draw_number
from tests.jsbridge import js_read_number, node_available
from tests.numbers import compose_numbers, render_strokes

WEB_MODELS = ROOT / "web" / "static" / "models"


def parts_of(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (cells) of the parts grouping makes of an image, left to right."""
    config = segment.segment_config()
    ink = ink_image(image)
    labels, count = segment.label_cells(segment_parts.ink_cells(ink, segment_parts.cell_size(ink, config), config))
    parts, _ = segment_parts.group_components(labels, count, config)
    return [segment_parts.mask_box(p) for p in parts]


@pytest.fixture(scope="module")
def cnn():
    from reader.read import load_reader

    return load_reader("cnn")


@pytest.fixture(scope="module")
def exported_cnn():
    """The Keras CNN holding exactly the weights TF.js reads (folded, dequantized as metadata.json says)."""
    from export.tfjs import load_shipped

    return load_shipped("mnist_cnn", ROOT / "models", WEB_MODELS)


def test_metadata_carries_the_segment_constants():
    for name in ("mnist_mlp", "mnist_cnn"):
        metadata = json.loads((WEB_MODELS / name / "metadata.json").read_text())
        assert metadata["segment"] == segment.segment_config()


def test_components_are_8_connected_and_numbered_in_reading_order():
    mask = np.array(
        [
            [0, 1, 0, 0, 1],
            [1, 0, 0, 0, 1],
            [0, 0, 1, 0, 0],
        ],
        dtype=bool,
    )
    labels, count = segment.label_cells(mask)
    assert count == 3
    assert labels.tolist() == [[0, 1, 0, 0, 2], [1, 0, 0, 0, 2], [0, 0, 3, 0, 0]]


def test_separate_digits_are_separate_parts_and_a_cap_joins_its_five():
    assert len(parts_of(draw_number([SEVEN, FOUR, ZERO]))) == 3
    assert len(parts_of(draw_number([CAP_FIVE]))) == 1  # two strokes, one digit


def test_a_drawn_number_reads_digit_by_digit_with_boxes_in_order(cnn):
    from reader.read import read_number

    image = draw_number([SEVEN, FOUR, ZERO, ONE])
    result = read_number(image, cnn)
    assert result["number"] == "7401"
    boxes = [d["box"] for d in result["digits"]]
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    for x, y, w, h in boxes:
        assert 0 <= x and x + w <= image.shape[1] and 0 <= y and y + h <= image.shape[0] and w > 0 and h > 0
    product = np.prod([d["confidence"] for d in result["digits"]])
    assert result["confidence"] == pytest.approx(product, abs=1e-5)


def test_a_touching_pair_is_cut_in_two(cnn):
    from reader.read import read_number

    apart = draw_number([ZERO, ZERO], gap=40)
    touching = draw_number([ZERO, ZERO], gap=-12)  # the two rings overlap a little
    assert len(parts_of(touching)) == 1  # one piece of ink
    assert read_number(apart, cnn)["number"] == "00"
    assert read_number(touching, cnn)["number"] == "00"


def test_a_blank_image_has_no_number(cnn):
    from reader.read import read_number

    with pytest.raises(EmptyImageError):
        read_number(np.full((280, 1120), 255, np.uint8), cnn)


@pytest.mark.skipif(not node_available(), reason="node or node_modules missing: run `make setup`")
def test_python_and_the_page_read_the_same_digits_boxes_and_confidences(mnist, exported_cnn):
    from reader.read import read_number

    _, (x_test, y_test) = mnist
    # Touching and broken digits more often than in the accuracy test, so cuts and joins run.
    numbers = compose_numbers(x_test, y_test, 6, seed=5, touch_rate=0.4, break_rate=0.3)
    images = [draw_number([SEVEN, FOUR, ZERO, ONE])] + [render_strokes(n.strokes) for n in numbers]
    for image, js in zip(images, js_read_number(WEB_MODELS / "mnist_cnn", images)):
        python = read_number(image, exported_cnn)
        assert js["ok"], js
        assert js["number"] == python["number"]
        assert [d["box"] for d in js["digits"]] == [d["box"] for d in python["digits"]]
        for a, b in zip(js["digits"], python["digits"]):
            assert abs(a["confidence"] - b["confidence"]) <= 1e-4
        assert abs(js["confidence"] - python["confidence"]) <= 1e-4


@pytest.mark.skipif(not node_available(), reason="node or node_modules missing: run `make setup`")
def test_the_page_refuses_a_blank_number_canvas():
    (js,) = js_read_number(WEB_MODELS / "mnist_cnn", [np.full((280, 1120), 255, np.uint8)])
    assert not js["ok"] and js["error"] == "EmptyImageError"


def box_part(rows: int, cols: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """A part filling one box of a rows x cols grid."""
    part = np.zeros((rows, cols), dtype=bool)
    part[box[0] : box[2], box[1] : box[3]] = True
    return part


def test_tall_pieces_sharing_columns_may_be_one_digit_but_neighbours_side_by_side_not():
    config = segment.segment_config()
    height = 40
    # Both as tall as the line: a 0 drawn (or broken) in two overlapping arcs, then a digit beside it.
    left_arc, right_arc = box_part(50, 200, (5, 10, 45, 32)), box_part(50, 200, (5, 22, 45, 44))
    beside = box_part(50, 200, (5, 50, 45, 75))
    assert segment.join_candidates([left_arc, right_arc, beside], height, config) == [0]
    # Still no wider together than join_width x the line height.
    far_arc = box_part(50, 200, (5, 22, 45, 10 + int(config["join_width"] * height) + 1))
    assert segment.join_candidates([left_arc, far_arc], height, config) == []


def test_overlapping_pieces_join_unless_read_apart_much_more_surely():
    one, zero, seven = np.eye(10)[1] * 0.99, np.eye(10)[0] * 0.9, np.eye(10)[7] * 0.99
    singles = [one, seven]
    # Apart they read 0.98, joined 0.9: side by side they stay apart, half overlapping they join.
    assert segment.choose_joins([0], singles, [zero], [0.0]) == []
    assert segment.choose_joins([0], singles, [zero], [0.5]) == [0]
    assert segment.shared_share((0, 10, 40, 32), (0, 22, 40, 44)) == pytest.approx(10 / 22)
    assert segment.shared_share((0, 10, 40, 32), (0, 40, 40, 60)) == 0.0


def walked_components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components found cell by cell, as segment.js labelCells walks them: the reference."""
    rows, cols = mask.shape
    labels, count = np.zeros((rows, cols), dtype=np.int32), 0
    for start in zip(*np.nonzero(mask)):
        if labels[start]:
            continue
        count += 1
        labels[start], stack = count, [start]
        while stack:
            r, c = stack.pop()
            for nr in range(max(r - 1, 0), min(r + 2, rows)):
                for nc in range(max(c - 1, 0), min(c + 2, cols)):
                    if mask[nr, nc] and not labels[nr, nc]:
                        labels[nr, nc] = count
                        stack.append((nr, nc))
    return labels, count


def test_components_joined_by_runs_are_those_walked_cell_by_cell_with_the_same_numbers():
    rng = np.random.default_rng(5)
    masks = [rng.random(rng.integers(1, 40, 2)) < rng.random() for _ in range(300)]
    serpentine = np.zeros((40, 41), dtype=bool)  # one long path whose runs join in many rounds
    serpentine[:, ::2] = True
    for k, col in enumerate(range(0, 39, 2)):
        serpentine[0 if k % 2 else 39, col : col + 3] = True
    for mask in [*masks, serpentine, np.zeros((3, 4), dtype=bool), np.ones((5, 1), dtype=bool)]:
        labels, count = segment.label_cells(mask)
        expected, expected_count = walked_components(mask)
        assert count == expected_count and np.array_equal(labels, expected)


def test_a_blot_of_millions_of_pixels_is_labelled_at_once():
    labels, count = segment.label_cells(np.ones((3000, 3000), dtype=bool))
    assert count == 1 and labels.min() == 1


def eroded_step_by_step(mask: np.ndarray, times: int) -> np.ndarray:
    """The 3x3 erosion done `times` over, beyond the grid unset: the reference."""
    for _ in range(times):
        padded = np.pad(mask, 1)
        mask = np.logical_and.reduce(
            [
                padded[1 + dr : 1 + dr + mask.shape[0], 1 + dc : 1 + dc + mask.shape[1]]
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
            ]
        )
    return mask


def test_erosion_from_the_summed_area_table_is_the_step_by_step_erosion():
    rng = np.random.default_rng(6)
    for _ in range(200):
        mask = rng.random(rng.integers(1, 30, 2)) < rng.uniform(0.5, 1.0)
        times = int(rng.integers(0, 5))
        assert np.array_equal(segment_cuts.erode(mask, times), eroded_step_by_step(mask, times)), (mask.shape, times)
