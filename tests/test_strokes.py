"""train/strokes.py: images and pen trajectories -> strokes the browser tests draw."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy.ndimage import binary_dilation

from train.strokes import (
    CANVAS_SIZE,
    MEDIUM_BRUSH,
    MNIST_SCALE,
    image_strokes,
    mnist_strokes,
    place_strokes,
    resample,
    zhang_suen_thin,
)


def render(strokes: list[np.ndarray], size: int = CANVAS_SIZE, brush: float = MEDIUM_BRUSH * CANVAS_SIZE) -> np.ndarray:
    """bool ink mask of strokes drawn with a round brush, as the page draws them."""
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    r = brush / 2
    for stroke in strokes:
        points = [tuple(p) for p in stroke]
        if len(points) > 1:
            draw.line(points, fill=255, width=round(brush), joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image) > 127


def test_thinning_leaves_a_one_pixel_line_through_a_thick_bar() -> None:
    bar = np.zeros((12, 30), bool)
    bar[4:9, 3:27] = True
    skeleton = zhang_suen_thin(bar)
    assert skeleton.any() and (skeleton <= bar).all()
    assert skeleton[:, 6:24].sum(axis=0).max() == 1  # one pixel across, away from the ends


def test_a_ring_becomes_one_closed_stroke() -> None:
    rows, cols = np.indices((28, 28)) + 0.5
    distance = np.hypot(rows - 14, cols - 14)
    strokes = image_strokes(((distance > 6) & (distance < 9)).astype(np.float32))
    assert len(strokes) == 1
    assert np.linalg.norm(strokes[0][0] - strokes[0][-1]) < 2  # it ends where it began


def test_a_plus_is_traced_as_two_straight_strokes() -> None:
    plus = np.zeros((28, 28), np.float32)
    plus[13:15, 4:24] = 1
    plus[4:24, 13:15] = 1
    strokes = image_strokes(plus)
    assert len(strokes) == 2  # straight on through the crossing, not four arms


def test_redrawn_strokes_cover_the_original_digit() -> None:
    seven = render([np.array([(60.0, 60.0), (220.0, 60.0), (120.0, 230.0)])], brush=20)
    small = np.asarray(Image.fromarray(seven.astype(np.uint8) * 255).resize((28, 28), Image.BILINEAR)) / 255
    redrawn = render(mnist_strokes(small, scale=10.0), brush=20)
    overlap = (redrawn & seven).sum() / (redrawn | seven).sum()
    assert overlap > 0.6


def test_mnist_digits_redraw_recognisably(mnist) -> None:
    _, (x_test, _) = mnist
    for image in x_test[:20, ..., 0]:
        redrawn = render(mnist_strokes(image))
        margin = int(CANVAS_SIZE - 28 * MNIST_SCALE) // 2  # the 28 x 28 frame sits centred, MNIST_SCALE times larger
        frame = redrawn[margin : CANVAS_SIZE - margin, margin : CANVAS_SIZE - margin]
        small = np.asarray(Image.fromarray(frame.astype(np.uint8) * 255).resize((28, 28), Image.BOX)) / 255
        ink = image > 0.5
        assert (small[zhang_suen_thin(ink)] > 0.2).mean() > 0.9  # it follows the whole digit
        assert binary_dilation(ink)[small > 0.5].mean() > 0.9  # and adds no ink where there was none


def test_specks_are_not_strokes() -> None:
    speck = np.zeros((28, 28), np.float32)
    speck[3, 3] = 1
    assert image_strokes(speck) == []


def test_place_strokes_sizes_and_places_like_render_strokes() -> None:
    pen = [np.array([(0.0, 0.0), (100.0, 400.0)]), np.array([(50.0, 200.0), (60.0, 210.0)])]
    placed = np.concatenate(place_strokes(pen, size_fraction=0.5, offset=(0.0, 1.0)))
    assert placed[:, 1].max() - placed[:, 1].min() == pytest.approx(0.5 * CANVAS_SIZE)
    assert placed[:, 0].min() == pytest.approx(0.0)  # offset x 0: at the left edge
    assert placed[:, 1].max() == pytest.approx(CANVAS_SIZE)  # offset y 1: at the bottom
    # Tablets count y upwards: the pen's lowest point (y=0) ends at the bottom of the canvas.
    assert place_strokes(pen, 0.5, (0.0, 1.0))[0][0, 1] == pytest.approx(CANVAS_SIZE)


def test_resample_keeps_the_ends_and_spaces_points_evenly() -> None:
    line = np.array([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)])
    points = resample(line, 3.0)
    np.testing.assert_allclose(points[0], line[0])
    np.testing.assert_allclose(points[-1], line[-1])
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    assert steps.max() <= 3.0 + 1e-9
