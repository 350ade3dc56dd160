"""The stroke reader's training: drawings made many ways, a smoke run end to end, resuming, and the
committed reader's figures on the held-out writers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reader.paths import MODELS_DIR, read_metrics
from reader.stroke_features import N_FEATURES, N_POINTS, stroke_features


def test_augmented_drawings_keep_the_digit_but_change_the_path(pen_digits):
    from train.stroke_augment import augment_strokes
    from train.stroke_data import canvas_strokes

    strokes = canvas_strokes(pen_digits[0])
    rng = np.random.default_rng(0)
    drawn = [augment_strokes(strokes, rng) for _ in range(20)]
    original = stroke_features(strokes)
    changes = [np.abs(stroke_features(d)[:, :2] - original[:, :2]).mean() for d in drawn]
    # Every drawing differs from the original, yet stays near it: the same digit, drawn another way.
    assert min(changes) > 0.005 and np.median(changes) < 0.25
    assert all(np.isfinite(stroke_features(d)).all() for d in drawn)


def test_traced_mnist_digits_change_order_and_direction_more_than_pen_digits():
    from train.stroke_augment import reorder

    strokes = [np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])]
    rng = np.random.default_rng(3)
    flipped = lambda p_order, p_reverse: sum(  # noqa: E731
        reorder(strokes, rng, p_order, p_reverse)[0][0, 0] != 0.0 for _ in range(400)
    )
    assert flipped(0.5, 0.5) > 2 * flipped(0.1, 0.05)


def test_a_smoke_run_trains_records_and_resumes(tmp_path, capsys):
    from train.stroke_reader import main

    out, run = tmp_path / "models", tmp_path / "run"
    args = ["--limit", "100", "--epochs", "2", "--out-dir", str(out), "--run-dir", str(run)]
    assert main(args) == 0
    assert (out / "stroke_reader.keras").is_file() and (run / "checkpoint.keras").is_file()
    record = json.loads((run / "checkpoint.json").read_text())
    assert record["epochs_done"] == 2 and len(record["history"]["val_accuracy"]) == 2
    figures = read_metrics(out / "metrics.json")["stroke_reader"]
    assert 0.0 <= figures["image_weight"] <= 1.0 and figures["train_seconds"] > 0
    assert set(figures["pen_validation"]) >= {"stroke_reader_accuracy", "image_cnn_accuracy", "fused_accuracy"}
    # The fused figure is the best over the weights searched, so never under either model alone.
    best_alone = max(
        figures["pen_validation"]["image_cnn_accuracy"], figures["pen_validation"]["stroke_reader_accuracy"]
    )
    assert figures["pen_validation"]["fused_accuracy"] >= best_alone

    capsys.readouterr()
    assert main([*args, "--resume"]) == 0  # all epochs done: nothing to train, the same record
    assert "resuming" in capsys.readouterr().out
    assert len(json.loads((out / "stroke_reader_history.json").read_text())["val_accuracy"]) == 2
    # The seconds the two epochs took are kept in the checkpoint, so the resumed run still records them.
    assert read_metrics(out / "metrics.json")["stroke_reader"]["train_seconds"] == figures["train_seconds"]

    (run / "checkpoint.keras").unlink()
    assert main([*args, "--epochs", "1", "--resume"]) == 0
    assert "no checkpoint" in capsys.readouterr().out

    # A second stage: from the reader just made, towards smoothed targets; it starts from those weights.
    import tf_keras as keras

    start = keras.models.load_model(out / "stroke_reader.keras", compile=False).get_weights()
    (tmp_path / "start.keras").write_bytes((out / "stroke_reader.keras").read_bytes())
    stage = [
        "--limit",
        "100",
        "--epochs",
        "1",
        "--out-dir",
        str(tmp_path / "stage2"),
        "--run-dir",
        str(tmp_path / "r2"),
    ]
    assert main([*stage, "--init-from", str(tmp_path / "start.keras"), "--label-smoothing", "0.1", "--lr", "1e-4"]) == 0
    second = read_metrics(tmp_path / "stage2" / "metrics.json")["stroke_reader"]
    assert second["label_smoothing"] == 0.1 and second["initialized_from"] == str(tmp_path / "start.keras")
    tuned = keras.models.load_model(tmp_path / "stage2" / "stroke_reader.keras", compile=False).get_weights()
    moved = [float(np.abs(a - b).max()) for a, b in zip(start, tuned)]
    assert 0 < max(moved) < 0.5  # trained on, a little, from where it was


@pytest.mark.parametrize(
    "args, message", [(["--label-smoothing", "1.5"], "a share"), (["--init-from", "none.keras"], "no such file")]
)
def test_a_stage_without_what_it_needs_is_refused_clearly(args, message, capsys):
    from train.stroke_reader import main

    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_the_committed_stroke_reader_reads_the_held_out_writers():
    import tf_keras as keras

    from train.stroke_data import held_out_features

    model = keras.models.load_model(MODELS_DIR / "stroke_reader.keras", compile=False)
    assert model.input_shape[1:] == (N_POINTS, N_FEATURES) and model.count_params() <= 100_000
    x, y = held_out_features()
    accuracy = float((model.predict(x, batch_size=512, verbose=0).argmax(1) == y).mean())
    recorded = read_metrics()["stroke_reader"]["pen_validation"]
    assert accuracy == pytest.approx(recorded["stroke_reader_accuracy"], abs=1e-4)
    assert accuracy >= 0.99
