"""The whole-number reader: its strip, its CTC decoding, boxes from its frames, Python/JS parity,
the committed model's recorded figures, and a training smoke run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from reader.decode import BLANK, combine_number_readings, decode_frames, frame_boxes
from reader.number_strip import (
    STRIP_HEIGHT,
    STRIP_INK_HEIGHT,
    STRIP_MARGIN,
    STRIP_WIDTH,
    number_box,
    number_strip,
    number_strips,
    preprocess_number_strip,
)
from reader.paper_ink import ink_image
from reader.preprocess import INK_THRESHOLD, EmptyImageError
from reader.preprocess_config import strip_config
from tests.conftest import ROOT, require_data
from tests.drawings import ONE, SEVEN, beside_a_broken_page_edge, draw_number
from tests.hard_images import MARGIN_SCANS, named_scans, parish_scans
from tests.jsbridge import (
    js_decode_frames,
    js_frame_boxes,
    js_number_strip,
    js_number_strips,
    js_read_number,
    node_available,
)
from tests.numbers import compose_numbers, render_strokes

WEB_MODELS = ROOT / "web" / "static" / "models"
needs_node = pytest.mark.skipif(not node_available(), reason="node and npm ci needed")


# What the page reads from the number reader's metadata.json (checked against it below).
STRIP_CONFIG = strip_config()


@pytest.fixture(scope="module")
def numbers(mnist) -> list:
    """Six numbers of MNIST test digits on the number canvas, rendered as the page draws them."""
    (_, _), (x_test, y_test) = mnist
    composed = compose_numbers(x_test, y_test, 6, seed=5, lengths=(2, 8))
    return [(n.label, render_strokes(n.strokes)) for n in composed]


def bar(height: int, width: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """White paper with one dark block at (x, y, w, h)."""
    image = np.full((height, width), 255, np.uint8)
    x, y, w, h = box
    image[y : y + h, x : x + w] = 0
    return image


# --- the strip -----------------------------------------------------------------------------


def test_a_number_fills_the_strip_24_px_high_and_centred():
    strip, place = preprocess_number_strip(bar(280, 1120, (400, 80, 200, 120)))
    assert strip.shape == (STRIP_HEIGHT, STRIP_WIDTH) and strip.dtype == np.float32
    rows, cols = np.flatnonzero(strip.max(axis=1) > 0.5), np.flatnonzero(strip.max(axis=0) > 0.5)
    assert len(rows) == STRIP_INK_HEIGHT and len(cols) == 40  # 200 x 120 scaled by 24 / 120
    assert rows[0] == (STRIP_HEIGHT - STRIP_INK_HEIGHT) // 2 and cols[0] == (STRIP_WIDTH - 40) // 2
    assert place["box"] == [400, 80, 200, 120] and place["scale"] == pytest.approx(0.2)


def test_a_long_number_is_shrunk_to_fit_the_width_not_cut():
    strip, place = preprocess_number_strip(bar(280, 1120, (10, 130, 1100, 40)))
    cols = np.flatnonzero(strip.max(axis=0) > 0.5)
    assert cols[0] == STRIP_MARGIN and cols[-1] == STRIP_WIDTH - STRIP_MARGIN - 1
    assert place["height"] < STRIP_INK_HEIGHT


def test_a_blank_canvas_has_no_strip():
    with pytest.raises(EmptyImageError):
        preprocess_number_strip(np.full((280, 1120), 255, np.uint8))


@needs_node
def test_python_and_the_page_make_the_same_strip(numbers):
    small = np.minimum(bar(50, 90, (3, 10, 8, 30)), bar(50, 90, (40, 10, 8, 30)))  # "11", small, near the edge
    images = [image for _, image in numbers[:4]] + [255 - numbers[4][1], small]
    for image, theirs in zip(images, js_number_strip(images, STRIP_CONFIG)):
        strip, place = preprocess_number_strip(image)
        assert theirs["ok"] and np.abs(theirs["strip"] - strip).max() <= 1e-4
        assert theirs["placement"] == pytest.approx(place)
    blank = js_number_strip([np.full((280, 1120), 255, np.uint8)], STRIP_CONFIG)[0]
    assert not blank["ok"] and blank["error"] == "EmptyImageError"


def test_a_number_is_read_at_each_ink_height_once():
    ink = ink_image(bar(280, 1120, (400, 80, 200, 120)))
    strips = number_strips(ink, (24, 22, 26, 20, 24))
    assert [place["height"] for _, place in strips] == [24, 22, 26, 20]  # the repeated height is not read again
    first, place = number_strip(ink)
    assert np.array_equal(strips[0][0], first) and strips[0][1] == place
    assert all(place["box"] == strips[0][1]["box"] for _, place in strips)


def test_a_number_as_wide_as_the_strip_is_read_once():
    # 1100 x 40 px of ink: 248 px wide at every height, so every height gives the same strip
    strips = number_strips(ink_image(bar(280, 1120, (10, 130, 1100, 40))), (24, 22, 26, 20))
    assert len(strips) == 1 and strips[0][1]["width"] == STRIP_WIDTH - 2 * STRIP_MARGIN


def ledger_cell() -> np.ndarray:
    """A ledger cell as a scan shows it: a two-digit number (x 100-180, y 100-140) with a printed
    heading above it, an underline under it and a neighbour's stroke far to its right."""
    image = np.full((260, 320), 255, np.uint8)
    for x, y, w, h in [
        (100, 100, 30, 40),  # the number's two digits
        (150, 100, 30, 40),
        (40, 10, 240, 6),  # the heading
        (90, 154, 110, 4),  # the underline, 14 px under the digits
        (270, 105, 6, 30),  # a stroke of the next cell, 90 px off
    ]:
        image[y : y + h, x : x + w] = 0
    return image


def test_the_number_box_leaves_out_a_heading_an_underline_and_a_far_stroke():
    top, left, bottom, right = number_box(ink_image(ledger_cell()))
    assert (top, bottom) == (100, 140)  # the heading and the underline are other bands
    assert (left, right) == (100, 180)  # the next cell's stroke is too far off to be a digit


@needs_node
def test_python_and_the_page_make_the_same_strips_at_every_height(numbers):
    scans = require_data(lambda: parish_scans(4), "the parish ledger scans")  # headings, rules, underlines
    hard = require_data(lambda: named_scans(MARGIN_SCANS), "the parish ledger scans")  # margins, print at the edge
    edge = beside_a_broken_page_edge()  # upright lines left out of the band
    images = [image for _, image in numbers[:3]] + [bar(280, 1120, (10, 130, 1100, 40)), ledger_cell(), edge]
    images += [draw_number([SEVEN, ONE]), *scans, *hard]
    for image, theirs in zip(images, js_number_strips(images, STRIP_CONFIG)):
        ours = number_strips(ink_image(image), tuple(STRIP_CONFIG["strip_ink_heights"]))
        assert len(theirs) == len(ours) >= 1
        for (strip, place), their in zip(ours, theirs):
            assert np.abs(their["strip"] - strip).max() <= 1e-4
            assert their["placement"] == pytest.approx(place)


# --- decoding --------------------------------------------------------------------------------


def frames_of(labels: list[int], sure: float = 0.9) -> np.ndarray:
    """Frames whose likeliest class is `labels[t]`, with `sure` probability."""
    frames = np.full((len(labels), BLANK + 1), (1 - sure) / BLANK)
    frames[np.arange(len(labels)), labels] = sure
    return frames


def test_repeats_collapse_and_blanks_part_equal_digits():
    b = BLANK
    reading = decode_frames(frames_of([b, 1, 1, b, 1, b, b, 7, 7, 7, b, 4, b]))
    assert reading["number"] == "1174"
    assert [d["frames"] for d in reading["digits"]] == [[1, 2], [4, 4], [7, 9], [11, 11]]
    assert reading["confidence"] == pytest.approx(0.9**4, abs=1e-6)


def test_only_blanks_read_as_nothing():
    reading = decode_frames(frames_of([BLANK] * 64))
    assert reading == {"number": "", "confidence": 0.0, "digits": []}


@needs_node
def test_python_and_the_page_decode_the_same_frames():
    rng = np.random.default_rng(7)
    logits = rng.normal(0, 1, (20, 64, BLANK + 1))
    logits[..., BLANK] += 1.5  # mostly blank, as the reader's frames are
    frames = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    assert js_decode_frames(frames) == [decode_frames(f) for f in frames]


# --- boxes ------------------------------------------------------------------------------------


def test_boxes_split_the_ink_between_the_frames_that_read_it():
    image = np.full((280, 1120), 255, np.uint8)
    for x in (300, 500, 700):
        image[100:200, x : x + 60] = 0
    ink = ink_image(image)
    _, place = preprocess_number_strip(image)
    centres = [place["left"] + (x + 30 - 300) * place["scale"] for x in (300, 500, 700)]
    digits = [{"digit": 1, "confidence": 0.9, "frames": [int(c // 4), int(c // 4)]} for c in centres]
    assert frame_boxes(ink, place, digits, 4, INK_THRESHOLD) == [
        [300, 100, 60, 100],
        [500, 100, 60, 100],
        [700, 100, 60, 100],
    ]


def test_the_segmentation_boxes_are_kept_when_it_found_as_many_digits():
    sequence = {
        "number": "12",
        "confidence": 0.8,
        "digits": [{"digit": 1, "confidence": 0.9}, {"digit": 2, "confidence": 0.9}],
    }
    segmented = {"number": "17", "confidence": 0.5, "digits": [{"box": [1, 1, 5, 5]}, {"box": [9, 1, 5, 5]}]}
    combined = combine_number_readings(sequence, segmented, [[0, 0, 1, 1], [2, 2, 1, 1]])
    assert combined["number"] == "12" and [d["box"] for d in combined["digits"]] == [[1, 1, 5, 5], [9, 1, 5, 5]]
    one_found = {**segmented, "digits": segmented["digits"][:1]}
    combined = combine_number_readings(sequence, one_found, [[0, 0, 1, 1], [2, 2, 1, 1]])
    assert [d["box"] for d in combined["digits"]] == [[0, 0, 1, 1], [2, 2, 1, 1]]
    nothing = {"number": "", "confidence": 0.0, "digits": []}
    assert combine_number_readings(nothing, segmented, []) == {
        **segmented,
        "readings": {"reader": "", "segmentation": "17"},
    }


@needs_node
def test_python_and_the_page_place_the_same_boxes(numbers):
    rng = np.random.default_rng(2)
    for _, image in numbers[:3]:
        ink = ink_image(image)
        _, place = preprocess_number_strip(image)
        frames = sorted(rng.choice(64, size=5, replace=False).tolist())
        digits = [{"digit": 3, "confidence": 0.9, "frames": [t, t + int(rng.integers(0, 2))]} for t in frames]
        assert js_frame_boxes(ink, place, digits, 4, INK_THRESHOLD) == frame_boxes(ink, place, digits, 4, INK_THRESHOLD)


# --- the committed model ------------------------------------------------------------------------


def test_recorded_figures_of_the_committed_number_reader():
    figures = json.loads((ROOT / "models" / "metrics.json").read_text())["number_reader"]
    print(
        f"\nnumber reader: {figures['whole_number_accuracy']:.2%} of {figures['count']} held-out composed numbers "
        f"read whole; by length {figures['by_length']}"
    )
    # Held-out numbers of 1-8 digits, wider styles than the page test (whose target is 95 %).
    assert figures["whole_number_accuracy"] >= 0.88
    metadata = json.loads((WEB_MODELS / "number_reader" / "metadata.json").read_text())
    assert metadata["preprocess"] == STRIP_CONFIG
    assert metadata["input_shape"] == [STRIP_HEIGHT, STRIP_WIDTH, 1]


@needs_node
def test_the_page_reads_numbers_as_python_does(numbers):
    from export.tfjs import load_shipped
    from reader.read import read_number

    classifier = load_shipped("mnist_cnn", ROOT / "models", WEB_MODELS)
    reader = load_shipped("number_reader", ROOT / "models", WEB_MODELS)
    images = [image for _, image in numbers]
    pages = js_read_number(WEB_MODELS / "mnist_cnn", images, WEB_MODELS / "number_reader")
    right = 0
    for (label, image), page in zip(numbers, pages):
        ours = read_number(image, classifier, reader)
        assert page["number"] == ours["number"]
        assert [d["box"] for d in page["digits"]] == [d["box"] for d in ours["digits"]]
        assert page["confidence"] == pytest.approx(ours["confidence"], abs=1e-4)
        right += ours["number"] == label
    assert right >= len(numbers) - 1


def test_training_runs_end_to_end_on_a_few_numbers(tmp_path):
    command = [sys.executable, "-m", "train.number_reader", "--train-count", "64", "--val-count", "16"]
    command += ["--epochs", "1", "--digits", "300", "--out-dir", str(tmp_path), "--cache-dir", str(tmp_path)]
    command += ["--not-numbers", "14"]  # and strips with no number, labelled empty
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["model"] == "number_reader" and figures["count"] == 16
    assert (tmp_path / "number_reader.keras").is_file()
    recorded = json.loads((tmp_path / "metrics.json").read_text())["number_reader"]
    assert 0 < recorded["train_not_numbers"] <= 14
    assert recorded["train_numbers"] == 64 + recorded["train_not_numbers"]
    assert 0.0 <= recorded["whole_number_accuracy"] <= 1.0

    # As if the run had been asked for two epochs and cut after its first: --resume goes on from the
    # checkpoint, optimizer state and all, with the run's own settings.
    import tf_keras as keras

    from train.checkpoints import CHECKPOINT_MODEL, CHECKPOINT_STATE
    from train.number_reader import ctc_loss

    state = json.loads((tmp_path / CHECKPOINT_STATE).read_text())
    assert state["epochs_done"] == 1 and state["settings"]["train_count"] == 64
    state["settings"]["epochs"] = 2
    (tmp_path / CHECKPOINT_STATE).write_text(json.dumps(state))
    resume = [sys.executable, "-m", "train.number_reader", "--resume", str(tmp_path)]
    done = subprocess.run(resume, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resuming {tmp_path} after epoch 1 of 2" in done.stdout
    assert json.loads((tmp_path / "metrics.json").read_text())["number_reader"]["resumed_after_epoch"] == 1
    assert json.loads((tmp_path / CHECKPOINT_STATE).read_text())["epochs_done"] == 2
    saved = keras.models.load_model(tmp_path / CHECKPOINT_MODEL, custom_objects={"ctc_loss": ctc_loss})
    steps = -(-recorded["train_numbers"] // 64)  # a step per batch of 64: the numbers and the strips of none
    assert int(saved.optimizer.iterations.numpy()) == 2 * steps
    nothing = subprocess.run(
        [*resume[:-1], str(tmp_path / "none")], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert nothing.returncode == 1 and "nothing to resume" in nothing.stderr and "Traceback" not in nothing.stderr

    # A fine-tune blended 0 x with its start gives back the start's weights, exactly, and says so.
    blended = tmp_path / "blended"
    command = [sys.executable, "-m", "train.number_reader", "--train-count", "64", "--val-count", "16", "--epochs", "1"]
    command += ["--digits", "300", "--cache-dir", str(tmp_path), "--out-dir", str(blended)]
    command += ["--init-from", str(tmp_path / "number_reader.keras"), "--blend", "0"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    start = keras.models.load_model(tmp_path / "number_reader.keras", compile=False).get_weights()
    kept = keras.models.load_model(blended / "number_reader.keras", compile=False).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(start, kept))
    assert json.loads((blended / "metrics.json").read_text())["number_reader"]["blend"] == 0.0


def test_a_strip_with_no_number_is_taught_to_be_blank_in_every_frame():
    import tensorflow as tf
    import tf_keras as keras

    from train.number_reader import ctc_loss
    from train.numbers import encode_label

    frames = np.random.default_rng(0).dirichlet(np.ones(11), (3, 64)).astype(np.float32)
    labels = np.stack([encode_label(""), encode_label("407"), encode_label("")])
    loss = ctc_loss(tf.constant(labels), tf.constant(frames)).numpy()[:, 0]
    # No digits: one path, the blank (last class) in every frame.
    assert loss[0] == pytest.approx(-np.log(frames[0, :, -1]).sum(), rel=1e-5)
    assert loss[2] == pytest.approx(-np.log(frames[2, :, -1]).sum(), rel=1e-5)
    # A number's loss is CTC's own, as before.
    alone = keras.backend.ctc_batch_cost(labels[1:2, 1:], frames[1:2], np.array([[64]]), labels[1:2, :1])
    assert loss[1] == pytest.approx(float(alone.numpy()[0, 0]), rel=1e-5)


def test_images_with_no_number_give_strips_the_reader_learns_to_read_as_nothing(tmp_path):
    from train.not_numbers import KINDS, empty_strips, not_a_number, upright

    x, y = empty_strips(3 * len(KINDS), seed=7, cache_dir=tmp_path, workers=1)
    assert 0 < len(x) <= 3 * len(KINDS) and x.shape[1:] == (STRIP_HEIGHT, STRIP_WIDTH) and x.dtype == np.uint8
    assert (y == 0).all()  # no digits: length 0
    assert all(strip.max() > 25 and not upright(strip) for strip in x)  # ink, and none stands like a 1
    assert list(tmp_path.glob("not_numbers_*.npz"))  # made once, then read back
    again, _ = empty_strips(3 * len(KINDS), seed=7, cache_dir=tmp_path, workers=1)
    assert np.array_equal(x, again)
    # A short upright bar is left out: alone, it is a 1.
    assert upright(np.pad(np.full((24, 3), 255, np.uint8), ((4, 4), (120, 133))))
    rng = np.random.default_rng(0)
    assert all(not_a_number(rng, kind).dtype == np.uint8 for kind in KINDS)


def test_a_blend_keeps_its_share_of_the_fine_tune():
    from train.blend import blend_weights

    start = [np.zeros((2, 2), np.float32), np.full(3, 4.0, np.float32)]
    tuned = [np.ones((2, 2), np.float32), np.full(3, 8.0, np.float32)]
    halves = blend_weights(start, tuned, 0.5)
    assert np.array_equal(halves[0], np.full((2, 2), 0.5)) and np.array_equal(halves[1], np.full(3, 6.0))
    assert halves[0].dtype == np.float32
    assert np.array_equal(blend_weights(start, tuned, 1.0)[1], tuned[1])


def test_context_blocks_start_as_no_change_and_blend_in_by_their_share():
    import tf_keras as keras

    from train.blend import blended_model
    from train.models import build_number_reader, context_blocks_off, with_context_blocks

    base = build_number_reader()
    strips = np.random.default_rng(0).random((4, 32, 256, 1), dtype=np.float32)
    before = base.predict(strips, verbose=0)
    wider = with_context_blocks(base, 2)  # a frame sees its neighbours whole: more layers, same reading at first
    assert wider.count_params() > base.count_params()
    assert np.abs(wider.predict(strips, verbose=0) - before).max() == 0.0
    # As after a fine-tune (a model of its own, as loaded from its file): every weight moved, the blocks on.
    tuned = with_context_blocks(keras.models.clone_model(base), 2)
    tuned.set_weights([w + np.float32(0.05) for w in wider.get_weights()])
    after = tuned.predict(strips, verbose=0)
    off = context_blocks_off(base, tuned)  # the blend's start reads as the base reader did
    assert np.abs(off.predict(strips, verbose=0) - before).max() == 0.0
    assert np.abs(after - before).max() > 1e-3
    whole = blended_model(context_blocks_off(base, tuned), tuned, 1.0)
    assert np.abs(whole.predict(strips, verbose=0) - after).max() < 1e-6


@pytest.mark.parametrize(
    "args, message",
    [
        (["--context-blocks", "2"], "--context-blocks needs --init-from"),
        (["--blend", "0.5"], "--blend needs --init-from"),
        (["--init-from", "a.keras", "--blend-tuned", "b.keras"], "--blend-tuned needs --blend"),
        (["--init-from", "a.keras", "--blend", "1.5"], "from 0 to 1"),
    ],
)
def test_a_blend_without_what_it_needs_is_refused_clearly(args, message):
    done = subprocess.run(
        [sys.executable, "-m", "train.number_reader", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_the_exports_validation_bank_is_the_banks_validation_part(tmp_path, monkeypatch, mnist) -> None:
    """The export checks quantisation on validation numbers; it traces only their digits, and they
    must be the very digits digit_banks holds out (else its figure is not the reader's)."""
    import train.numbers as numbers

    (x_train, y_train), test = mnist
    monkeypatch.setattr(numbers, "load_mnist", lambda: ((x_train[:60], y_train[:60]), test))
    monkeypatch.setattr(numbers, "VALIDATION_DIGITS", 7)
    alone = numbers.validation_bank(tmp_path / "alone", workers=1)
    banks = numbers.digit_banks(tmp_path / "full", workers=1)
    assert len(alone) == 7 and [label for label, _ in alone] == y_train[53:60].tolist()
    assert same_bank(alone, banks["validation"])
    assert same_bank(numbers.validation_bank(tmp_path / "full", workers=1), banks["validation"])  # from the cache


def same_bank(a: list, b: list) -> bool:
    """Two banks of (label, strokes) hold the same digits, stroke for stroke."""
    return len(a) == len(b) and all(
        la == lb and len(sa) == len(sb) and all(np.array_equal(x, y) for x, y in zip(sa, sb))
        for (la, sa), (lb, sb) in zip(a, b)
    )
