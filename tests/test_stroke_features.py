"""reader/stroke_features.py and web/static/js/strokeFeatures.js are twins: the same recorded strokes
give the stroke reader the same input. And the input says how a digit was drawn: where the path
goes and which way, whatever the digit's size, place or the pointer's sampling rate."""

from __future__ import annotations

import os

import numpy as np
import pytest

from reader.stroke_features import N_FEATURES, N_POINTS, NoStrokesError, stroke_features
from tests.conftest import ROOT
from tests.jsbridge import js_read_strokes, js_stroke_features, node_available
from train.strokes import mnist_strokes, place_strokes, resample

needs_node = pytest.mark.skipif(not node_available(), reason="node or node_modules missing: run `make setup`")
STROKE_READER = ROOT / "web" / "static" / "models" / "stroke_reader"


def arc(centre: tuple[float, float], radius: float, start: float, end: float, count: int = 2000) -> np.ndarray:
    """A circle's arc in canvas pixels (y down), `count` points from angle `start` to `end` (radians)."""
    t = np.linspace(start, end, count)
    return np.stack([centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t)], axis=1)


# A nine drawn as people draw it: the loop anticlockwise on screen, then down the right side.
NINE_PARTS = (arc((140, 90), 50, 0.0, -2 * np.pi), np.array([(190.0, 90), (185, 240)]))
NINE = [np.concatenate(NINE_PARTS)]
FOUR = [np.array([(120.0, 40), (80, 160), (190, 160)]), np.array([(160.0, 90), (160, 250)])]  # two strokes
TAP = [np.array([(140.0, 140)])]
TWO_SAME_POINTS = [np.array([(100.0, 100), (100, 100)])]


def fixture_drawings(pen_digits: list, mnist_images: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Recorded strokes of every kind the page can hand over, by name."""
    rng = np.random.default_rng(0)
    drawings = {
        "nine": NINE,
        "four in two strokes": FOUR,
        "tap": TAP,
        "two identical points": TWO_SAME_POINTS,
        "two identical points, then a stroke": TWO_SAME_POINTS + [np.array([(120.0, 130), (180, 200)])],
        "a stroke, a tap, a stroke": [FOUR[0], np.array([(60.0, 60)]), FOUR[1]],
    }
    for i, digit in enumerate(pen_digits[:24]):
        size, offset = float(rng.uniform(0.2, 0.9)), (float(rng.uniform(0, 1)), float(rng.uniform(0, 1)))
        drawings[f"pen digit {i} ({digit.label}, {len(digit.strokes)} strokes)"] = place_strokes(
            digit.strokes, size, offset
        )
    for i, image in enumerate(mnist_images):
        drawings[f"MNIST test digit {i}, traced"] = mnist_strokes(image)
    return drawings


@needs_node
def test_python_and_js_give_the_same_features(pen_digits, mnist) -> None:
    _, (x_test, _) = mnist
    drawings = fixture_drawings(pen_digits, x_test[:4])
    assert any(len(d) > 1 for d in drawings.values())  # multi-stroke digits are among them
    results = js_stroke_features(list(drawings.values()), N_POINTS)
    for (name, strokes), js in zip(drawings.items(), results):
        assert js["ok"], (name, js)
        python = stroke_features(strokes)
        assert js["features"].shape == python.shape == (N_POINTS, N_FEATURES)
        np.testing.assert_allclose(js["features"], python, atol=1e-5, err_msg=name)


@needs_node
@pytest.mark.parametrize("strokes", [[], [np.zeros((0, 2))]], ids=["no strokes", "a stroke with no points"])
def test_both_twins_refuse_nothing_drawn(strokes) -> None:
    with pytest.raises(NoStrokesError):
        stroke_features(strokes)
    (js,) = js_stroke_features([strokes], N_POINTS)
    assert not js["ok"] and js["error"] == "NoStrokesError"


def test_the_pointer_rate_does_not_change_the_features() -> None:
    """The same path, sampled every pixel (a fast mouse) or every 10 px (a slow one), reads the same."""
    loop, down = NINE_PARTS  # each sampled on its own: both rates catch the sharp turn between them
    dense = [np.concatenate([resample(loop, 1.0), resample(down, 1.0)[1:]])]
    sparse = [np.concatenate([resample(loop, 10.0), resample(down, 10.0)[1:]])]
    assert sum(len(s) for s in dense) > 8 * sum(len(s) for s in sparse)
    a, b = stroke_features(dense), stroke_features(sparse)
    assert np.abs(a[:, :2] - b[:, :2]).max() < 0.005  # positions, in halves of the longer side: under 0.5 px
    assert np.abs(a[:, 2:4] - b[:, 2:4]).max() < 0.05  # directions: 10 px chords of a 50 px circle turn a little
    np.testing.assert_array_equal(a[:, 4], b[:, 4])


@pytest.mark.parametrize("scale, shift", [(3.0, (50.0, -20.0)), (0.2, (0.0, 0.0)), (1.0, (130.0, 90.0))])
def test_size_and_place_do_not_change_the_features(scale: float, shift: tuple[float, float]) -> None:
    moved = [s * scale + np.array(shift) for s in FOUR]
    np.testing.assert_allclose(stroke_features(moved), stroke_features(FOUR), atol=1e-5)


def test_the_aspect_of_the_digit_stays() -> None:
    """Scaled by the longer side only: a 1 stays thin rather than being stretched into a square."""
    one = [np.array([(140.0, 40), (140, 240)])]
    features = stroke_features(one)
    assert np.abs(features[:, 0]).max() == 0 and features[:, 1].min() == -1 and features[:, 1].max() == 1


def test_drawing_the_other_way_changes_the_directions() -> None:
    forward = stroke_features(NINE)
    backward = stroke_features([s[::-1] for s in NINE])
    # The same points, in the opposite order...
    np.testing.assert_allclose(backward[::-1, :2], forward[:, :2], atol=1e-5)
    # ...each step the opposite way: the reader can tell a loop drawn clockwise from one drawn anticlockwise.
    np.testing.assert_allclose(backward[:-1, 2:4], -forward[:-1, 2:4][::-1], atol=1e-5)
    assert np.abs(backward[:, 2:4] - forward[:, 2:4]).max() > 1.5


def test_the_pen_up_jump_is_marked_and_directions_are_unit() -> None:
    features = stroke_features(FOUR)
    pen = features[:, 4]
    assert set(np.unique(pen)) == {0.0, 1.0}
    assert pen[0] == 1 and pen[-1] == 1 and np.all(stroke_features(NINE)[:, 4] == 1)
    up = np.flatnonzero(pen == 0)
    assert np.all(np.diff(up) == 1)  # one jump, from the first stroke's end to the second's start
    np.testing.assert_allclose(np.linalg.norm(features[:, 2:4], axis=1), 1.0, atol=1e-6)


def test_a_tap_is_a_dot_with_no_direction() -> None:
    for strokes in (TAP, TWO_SAME_POINTS):
        features = stroke_features(strokes)
        assert features.shape == (N_POINTS, N_FEATURES) and features.dtype == np.float32
        np.testing.assert_array_equal(features[:, :4], 0.0)  # at the centre of its own box, going nowhere
        np.testing.assert_array_equal(features[:, 4], 1.0)


@needs_node
def test_the_page_reads_strokes_as_the_exported_model_does(pen_digits) -> None:
    """model.js readStrokes (strokeFeatures.js, then the model in TF.js) = Keras on Python's features."""
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")  # its greeting needs IPython off a terminal
    from tensorflowjs.converters import load_keras_model

    if not (STROKE_READER / "model.json").is_file():
        pytest.skip("no stroke reader exported to web/static/models/stroke_reader")
    drawings = [place_strokes(d.strokes) for d in pen_digits[:8]] + [FOUR, TAP]
    js = js_read_strokes(STROKE_READER, drawings)
    assert js["leaked_tensors"] == 0
    keras_model = load_keras_model(str(STROKE_READER / "model.json"))
    python = keras_model.predict(np.stack([stroke_features(d) for d in drawings]), verbose=0)
    np.testing.assert_allclose(js["probabilities"], python, atol=1e-4)
