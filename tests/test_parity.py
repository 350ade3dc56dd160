"""Python and the page's JavaScript (run in Node with the real @tensorflow/tfjs) agree."""

import json

import numpy as np
import pytest

from reader import preprocess_config
from reader.digit_input import preprocess_digit
from reader.preprocess import EmptyImageError, preprocess_clean
from tests.conftest import ROOT, require_data
from tests.drawings import ONE, SEVEN, draw_polylines, half_in_deep_shadow
from tests.hard_images import MARGIN_SCANS, dida_photos, named_scans, parish_scans
from tests.jsbridge import js_predict, js_preprocess, node_available

pytestmark = pytest.mark.skipif(not node_available(), reason="node or node_modules missing: run `make setup`")

WEB_MODELS = ROOT / "web" / "static" / "models"
CONFIG = preprocess_config.digit_config()


def fixture_images(pen_digits) -> list[np.ndarray]:
    from train.pendigits import render_strokes

    images = [
        draw_polylines(SEVEN),
        draw_polylines(SEVEN, centre=(250, 30), height=30, brush=2.7),
        draw_polylines(SEVEN, canvas=500, centre=(100, 400), height=150, brush=30, dark_on_light=False),
    ]
    rng = np.random.default_rng(0)
    for digit in pen_digits[:12]:
        images.append(
            render_strokes(digit.strokes, size_fraction=rng.uniform(0.2, 0.9), offset=tuple(rng.uniform(0, 1, 2)))
        )
    return images


@pytest.mark.parametrize("clean", [False, True], ids=["any image", "clean canvas"])
def test_preprocessing_twins_agree(pen_digits, clean):
    images = fixture_images(pen_digits)
    python = preprocess_clean if clean else preprocess_digit
    for image, js in zip(images, js_preprocess(images, CONFIG, clean)):
        assert js["ok"], js
        assert np.abs(np.array(js["values"]).reshape(28, 28) - python(image)).max() <= 1e-4


def test_preprocessing_twins_agree_on_real_digit_photos():
    # Colour photos of ink on old paper whose ink crosses the border (DIDA): the paper found and subtracted.
    photos = require_data(dida_photos, "the DIDA digit photos")
    for image, js in zip(photos, js_preprocess(photos, CONFIG)):
        assert js["ok"], js
        assert np.abs(np.array(js["values"]).reshape(28, 28) - preprocess_digit(image)).max() <= 1e-4


def test_metadata_carries_the_python_constants():
    for name in ("mnist_mlp", "mnist_cnn"):
        assert json.loads((WEB_MODELS / name / "metadata.json").read_text())["preprocess"] == CONFIG


@pytest.mark.parametrize("clean", [False, True], ids=["any image", "clean canvas"])
@pytest.mark.parametrize("image", [np.full((40, 30), 255, np.uint8), np.zeros((10, 10), np.uint8)])
def test_both_twins_refuse_a_blank_image(image, clean):
    with pytest.raises(EmptyImageError):
        (preprocess_clean if clean else preprocess_digit)(image)
    (js,) = js_preprocess([image], CONFIG, clean)
    assert not js["ok"] and js["error"] == "EmptyImageError"


@pytest.mark.parametrize("name", ["mnist_mlp", "mnist_cnn"])
def test_tfjs_export_matches_keras_on_100_test_images(name, mnist):
    from export.tfjs import load_shipped

    _, (x_test, _) = mnist
    # The export's weights are folded and quantized; compare with Keras holding the same weights.
    model = load_shipped(name, ROOT / "models", WEB_MODELS)
    js = js_predict(WEB_MODELS / name, x_test[:100])
    assert js["output_names"] == ["digit"]
    probabilities = np.array(js["outputs"][0]["values"]).reshape(100, 10)
    assert np.abs(probabilities - model.predict(x_test[:100], verbose=0)).max() <= 1e-4


def test_house_preprocessing_twins_agree():
    from reader.house_crop import HOUSE_INPUT, HOUSE_OFFSETS, preprocess_house
    from tests.jsbridge import js_preprocess_house

    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((120, 200), (64, 64), (300, 90))]
    boxes = [(50, 30, 80, 40), None, (0, 250, 90, 60)]  # the last box runs off the bottom edge
    config = preprocess_config.house_config()
    for image, box, js in zip(images, boxes, js_preprocess_house(images, boxes, config)):
        assert js.shape == (len(HOUSE_OFFSETS), HOUSE_INPUT, HOUSE_INPUT, 3)
        assert np.abs(js - preprocess_house(image, box)).max() <= 1e-4


def paper_photos(pen_digits, count: int = 6) -> list[np.ndarray]:
    """Numbers written on paper and photographed (train/paper.py): ruled lines, boxes, patterns, shadows, JPEG."""
    from train.numbers import pen_bank
    from train.paper import HELDOUT_LOOK, TRAIN_LOOK, paper_photo

    bank = pen_bank(pen_digits[:60])
    rng = np.random.default_rng(7)
    return [paper_photo(bank, rng, TRAIN_LOOK if k % 2 else HELDOUT_LOOK)[0] for k in range(count)]


def test_paper_normalisation_twins_agree(pen_digits):
    from reader.paper_ink import ink_image
    from reader.preprocess_config import strip_config
    from tests.jsbridge import js_ink_image

    dim = np.clip(draw_polylines(SEVEN).astype(np.float32) * 0.35, 0, 255).astype(np.uint8)  # a dim photo
    shadowed = half_in_deep_shadow(np.hstack([draw_polylines(SEVEN)] * 2))  # the paper's lightness divided out
    on_a_desk = np.pad(draw_polylines(SEVEN), 60, constant_values=30)  # a note on a dark desk: the desk made paper
    scans = require_data(lambda: parish_scans(4), "the parish ledger scans")  # black page margins made paper
    # margins over half the scan or too narrow for a square, a printed line at the bottom
    hard = require_data(lambda: named_scans(MARGIN_SCANS), "the parish ledger scans")
    one = draw_polylines(ONE, brush=30)  # a lone stroke: the median says which shade is ink
    images = [*paper_photos(pen_digits), dim, shadowed, draw_polylines(SEVEN), on_a_desk, one, 255 - one, *scans, *hard]
    for image, js in zip(images, js_ink_image(images, strip_config())):
        assert js["ok"], js
        assert np.abs(js["ink"] - ink_image(image)).max() <= 1e-4
