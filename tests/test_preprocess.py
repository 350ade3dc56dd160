"""Preprocessing: one digit drawn anywhere, at any size, in either polarity, gives the same 28x28."""

import numpy as np
import pytest

from reader.digit_input import preprocess_digit
from reader.number_strip import number_box
from reader.paper_ink import ink_image
from reader.preprocess import (
    EmptyImageError,
    ink_bounding_box,
    scaled_size,
    stretch_contrast,
    to_grayscale,
)
from tests.conftest import require_data
from tests.drawings import SEVEN, draw_polylines, half_in_deep_shadow
from tests.hard_images import dida_photos


def aligned_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference after the best shift of at most one pixel (centring rounds to whole pixels)."""
    return min(float(np.abs(np.roll(np.roll(a, dy, 0), dx, 1) - b).mean()) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return preprocess_digit(draw_polylines(SEVEN))


def test_output_is_mnist_like(reference):
    assert reference.shape == (28, 28) and reference.dtype == np.float32
    assert 0.0 <= reference.min() and reference.max() <= 1.0
    rows, cols = np.nonzero(reference > 0.1)
    # The digit fills a 20x20 box and its centre of mass sits near the centre, as in MNIST.
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 in (20, 21)
    mass = reference / reference.sum()
    assert abs((mass.sum(1) * (np.arange(28) + 0.5)).sum() - 14) < 1
    assert abs((mass.sum(0) * (np.arange(28) + 0.5)).sum() - 14) < 1


@pytest.mark.parametrize(
    "variant",
    [
        dict(centre=(60, 220), height=80, brush=7.2),  # off-centre, bottom left
        dict(centre=(250, 30), height=30, brush=2.7),  # tiny, in the top-right corner
        dict(canvas=1000, centre=(500, 500), height=960, brush=86),  # huge
        dict(centre=(40, 140), height=100, brush=9),  # touching the left edge
    ],
    ids=["off-centre", "tiny-corner", "huge", "touching-edge"],
)
def test_place_and_size_do_not_matter(reference, variant):
    assert aligned_difference(preprocess_digit(draw_polylines(SEVEN, **variant)), reference) < 0.03


def test_light_ink_on_dark_gives_the_same_input(reference):
    np.testing.assert_allclose(preprocess_digit(draw_polylines(SEVEN, dark_on_light=False)), reference, atol=1e-6)


@pytest.mark.parametrize("brush", [8, 30], ids=["thin", "thick"])
def test_stroke_thickness_changes_little(reference, brush):
    assert aligned_difference(preprocess_digit(draw_polylines(SEVEN, brush=brush)), reference) < 0.08


def test_grey_paper_photo_reads_like_a_canvas(reference):
    # A pencil digit photographed on grey paper: low contrast, RGB.
    photo = draw_polylines(SEVEN).astype(np.float32) * 0.35 + 120
    rgb = np.repeat(photo[..., None], 3, axis=2).astype(np.uint8)
    assert aligned_difference(preprocess_digit(rgb), reference) < 0.05


@pytest.mark.parametrize("value", [0, 255, 128])
def test_blank_image_is_a_clear_error(value):
    with pytest.raises(EmptyImageError, match="no ink"):
        preprocess_digit(np.full((100, 80), value, np.uint8))


def test_transparent_canvas_counts_as_blank():
    with pytest.raises(EmptyImageError):
        preprocess_digit(np.zeros((50, 50, 4), np.uint8))


def test_aspect_ratio_is_kept():
    assert scaled_size(200, 50) == (20, 5)
    assert scaled_size(10, 400) == (1, 20)


# --- paper: the background normalised before the ink is found -------------------------------


def on_paper(drawing: np.ndarray, lines: bool = False, shadow: bool = False) -> np.ndarray:
    """A drawing (dark on white) as a photo of grey paper: tinted, optionally ruled and half in a soft
    shadow (its edge 60 px wide; a hard-edged shadow still leaves a faint seam)."""
    rows, cols = np.mgrid[0 : drawing.shape[0], 0 : drawing.shape[1]]
    paper = np.full(drawing.shape, 0.8, np.float32)
    if lines:
        paper[(rows % 40) == 20] = 0.45
    edge = 1 / (1 + np.exp(-(cols - drawing.shape[1] / 2) / 15))
    light = 1 - 0.35 * edge if shadow else 1
    return np.uint8(np.clip(paper * drawing / 255 * light, 0, 1) * 255)


def test_a_clean_canvas_is_left_as_it_was():
    drawing = draw_polylines(SEVEN)
    assert np.array_equal(ink_image(drawing), stretch_contrast(1.0 - to_grayscale(drawing)))  # dark ink on white


def test_ruled_lines_are_taken_out_and_the_digit_kept():
    ink = ink_image(on_paper(draw_polylines(SEVEN, brush=10), lines=True))
    clean = ink_image(draw_polylines(SEVEN, brush=10))
    line_rows = np.arange(20, 280, 40)
    off_digit = np.ones(280, bool)
    off_digit[60:220] = False  # the seven spans columns 70-210; look beside it
    assert ink[np.ix_(line_rows, off_digit)].max() < 0.1  # the lines are gone ...
    assert np.abs(ink - clean)[clean > 0.5].mean() < 0.2  # ... and the seven is still there


def test_a_shadow_across_the_page_is_not_ink():
    ink = ink_image(on_paper(draw_polylines(SEVEN, brush=10), shadow=True))
    assert ink_bounding_box(ink) == ink_bounding_box(ink_image(draw_polylines(SEVEN, brush=10)))


def test_a_number_half_in_deep_shadow_keeps_its_shadowed_digits():
    # Light multiplies, so the paper's level is divided out as well as subtracted: without that,
    # the shadowed seven was fainter than number_box's strong ink and the number lost a digit.
    seven = draw_polylines(SEVEN, brush=10)
    number = np.hstack([seven, seven])
    top, left, bottom, right = number_box(ink_image(half_in_deep_shadow(number)))
    clean_top, clean_left, clean_bottom, clean_right = number_box(ink_image(number))
    assert (left, right) == (clean_left, clean_right)
    assert top <= clean_top and bottom >= clean_bottom and (bottom - top) < 1.25 * (clean_bottom - clean_top)


def test_blank_paper_with_lines_and_grain_is_blank():
    rng = np.random.default_rng(0)
    paper = on_paper(np.full((300, 400), 255, np.uint8), lines=True)
    grainy = np.uint8(np.clip(paper + rng.normal(0, 4, paper.shape), 0, 255))
    with pytest.raises(EmptyImageError):
        ink_image(grainy)


def test_a_black_page_margin_or_a_desk_around_the_paper_is_paper_not_ink():
    from reader.number_strip import number_box
    from reader.paper_ink import ink_image

    seven = draw_polylines(SEVEN)  # dark ink on white, 280 x 280
    expected = number_box(ink_image(seven))
    margin = np.hstack([np.full((280, 150), 12, np.uint8), seven])  # a ledger scan's black margin, at the left
    desk = np.pad(seven, ((90, 0), (90, 0)), constant_values=35)  # a note on a dark desk, seen past two of its edges
    # A margin over half the scan: the median is the margin's, which once made the paper ink and the ink paper.
    wide = np.hstack([np.full((280, 400), 12, np.uint8), seven])
    # A grey margin too narrow to hold dark_blocks' square, which once was the number's box.
    narrow = np.hstack([np.full((280, 50), 70, np.uint8), seven])
    for image, (dy, dx) in ((margin, (0, 150)), (desk, (90, 90)), (wide, (0, 400)), (narrow, (0, 50))):
        ink = ink_image(image)
        top, left, bottom, right = number_box(ink)
        assert abs(top - dy - expected[0]) <= 2 and abs(left - dx - expected[1]) <= 2
        assert abs(bottom - dy - expected[2]) <= 2 and abs(right - dx - expected[3]) <= 2
        assert ink[:, : dx - 10].max() == 0  # nothing of the margin or the desk is left as ink


def test_a_lone_stroke_reads_the_right_way_round_on_either_paper():
    # A 1 leaves the paper no runs clear of the image's edges, and pinholes in a pen's stroke are short
    # runs of paper: its strokes cannot say which shade is ink, and the light median is trusted (once
    # the strokes decided either way, and such a 1 on a canvas read as blank). White on black, the
    # median is dark, and a solid stroke gives the strokes no say either.
    from reader.paper_ink import sampled, stroke_polarity
    from tests.drawings import ONE

    one = draw_polylines(ONE, brush=40)
    ys, xs = np.nonzero(one < 100)
    holes = (ys % 4 == 0) & (xs % 4 == 0)
    one[ys[holes], xs[holes]] = 255
    middle = np.float32((float(one.min()) + float(one.max())) / 2 / 255)
    assert stroke_polarity(sampled(one.astype(np.float32) / 255), middle) is False  # the strokes mislead
    solid_white = 255 - draw_polylines(ONE, brush=40)  # as a canvas exported white on black
    for image in (one, solid_white):
        ink = ink_image(image)
        assert ink[ys[~holes], xs[~holes]].mean() > 0.9 and ink[:, :60].max() == 0  # the stroke is ink


def test_a_line_printed_at_the_bottom_edge_is_not_the_number():
    # A ledger's "Trykt for Kirken": small, black and wide; the number above it is handwritten, small and
    # fainter. By ink times rows the print weighed more; the band nearest the middle is the number.
    from PIL import Image

    seven = np.asarray(Image.fromarray(draw_polylines(SEVEN, brush=24)).resize((30, 30), Image.BILINEAR))
    page = np.full((300, 200), 255, np.uint8)
    page[135:165, 85:115] = np.maximum(seven, 90)  # grey pen: strong ink, but less black than print
    for x in range(10, 190, 9):  # letters: 6 px wide, 12 tall, 3 apart
        page[282:294, x : x + 6] = 0
    top, left, bottom, right = number_box(ink_image(page))
    assert 130 <= top and bottom <= 170 and 80 <= left and right <= 120


def test_a_broken_page_edge_beside_the_number_is_not_part_of_it_but_a_drawn_one_is():
    # A page edge too broken to be a rule (ink in 70 % of the rows), 25 px from a small number: it once
    # made the band the whole page tall and joined the number's columns. A drawn 1 as tall as the 7
    # beside it stays in the number.
    from tests.drawings import ONE, beside_a_broken_page_edge, draw_number

    top, left, bottom, right = number_box(ink_image(beside_a_broken_page_edge()))
    assert 125 <= top and bottom <= 175 and 75 <= left and right <= 125
    drawn = draw_number([SEVEN, ONE])
    expected = ink_bounding_box(ink_image(drawn))
    assert number_box(ink_image(drawn)) == expected


def test_a_ledgers_column_rules_are_not_ink_but_a_tall_one_is():
    from reader.number_strip import number_box
    from reader.paper_ink import ink_image

    seven = draw_polylines(SEVEN)  # dark ink on white, 280 x 280, the seven in the middle
    expected = number_box(ink_image(seven))
    ruled = seven.copy()
    ruled[:, [20, 21, 258]] = 90  # column rules from edge to edge, one of them broken
    ruled[100:103, 258] = 255
    top, left, bottom, right = number_box(ink_image(ruled))
    assert abs(left - expected[1]) <= 2 and abs(right - expected[3]) <= 2 and abs(top - expected[0]) <= 2
    assert abs(bottom - expected[2]) <= 2
    one = np.full((280, 1120), 255, np.uint8)
    one[40:240, 500:516] = 0  # a tall 1 on the number canvas, short of the edges: ink
    assert number_box(ink_image(one)) == (40, 500, 240, 516)


def test_a_digit_photo_whose_ink_crosses_its_border_is_found_on_its_paper():
    # Old paper's border holds ink and the paper is mid-grey: the border's mean made four of these blank,
    # and the rest a digit on a grey block. The paper's own level is subtracted instead.
    for photo in require_data(dida_photos, "the DIDA digit photos"):
        digit = preprocess_digit(photo)
        top, left, bottom, right = ink_bounding_box(digit)
        assert max(bottom - top, right - left) >= 18  # the digit fills MNIST's 20-px box ...
        assert (digit > 0.1).mean() < 0.4  # ... as strokes, not as a block of paper
