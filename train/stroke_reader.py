"""Train the stroke reader: a digit read from the movement that drew it (issue 25).

Data: the pen trajectories of the training writers (train/pendigits.py's split; the last six
writers are never trained on), drawn many ways (train/stroke_augment.py), and MNIST training
digits traced back into strokes (train/strokes.py). Validation: the held-out writers' own
trajectories, read once as they were drawn.

The page reads a drawing with the image CNN and this reader together (reader/decode.py
fuse_readings). The weight of the two is chosen here, with the image CNN as the page ships
it, on digits neither model trained on: the held-out writers' trajectories (the CNN reading
them rendered at random sizes, places and brushes, as people draw), and MNIST validation
digits traced into strokes (the CNN reading them drawn with the medium brush).

    python -m train.stroke_reader                 # models/stroke_reader.keras, history, metrics
    python -m train.stroke_reader --resume        # on from the last epoch saved in runs/stroke_reader
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np
import tf_keras as keras

from reader.decode import fuse_readings
from reader.paths import MODELS_DIR, REPO_ROOT
from reader.preprocess import EmptyImageError, preprocess_clean
from train.checkpoints import EpochCheckpoint, load_checkpoint
from train.cli import command
from train.evaluate import update_metrics
from train.models import build_stroke_reader
from train.pendigits import PenDigit, load_pendigits, render_strokes, split_by_writer
from train.stroke_data import (
    MNIST_COPIES,
    canvas_strokes,
    features_of,
    traced_mnist,
    traced_mnist_validation,
    training_set,
)

SEED = 25
EPOCHS = 30
BATCH_SIZE = 128
PEAK_LR = 3e-3
MNIST_WEIGHT_DIGITS = 1_000  # MNIST validation digits traced and read both ways to choose the fusion's weight
WEIGHTS = np.round(np.arange(0.0, 1.0001, 0.05), 2)  # the image CNN's weight in the fusion, searched
RUNS_DIR = REPO_ROOT / "runs" / "stroke_reader"


@dataclass(frozen=True)
class ValidationSet:
    """Digits neither model trained on, read both ways."""

    image: np.ndarray  # (N, 10) the image CNN's probabilities
    strokes: np.ndarray  # (N, 10) the stroke reader's
    labels: np.ndarray

    def figures(self, weight: float) -> dict:
        fused = fused_probabilities(self.image, self.strokes, weight).argmax(1)
        return {
            "digits": int(len(self.labels)),
            "stroke_reader_accuracy": round(float((self.strokes.argmax(1) == self.labels).mean()), 5),
            "image_cnn_accuracy": round(float((self.image.argmax(1) == self.labels).mean()), 5),
            "fused_accuracy": round(float((fused == self.labels).mean()), 5),
            "stroke_reader_misreads": misreads(self.labels, self.strokes.argmax(1)),
            "image_cnn_misreads": misreads(self.labels, self.image.argmax(1)),
            "fused_misreads": misreads(self.labels, fused),
        }


def image_probabilities(model: keras.Model, digits: list[PenDigit], seed: int) -> np.ndarray:
    """The image CNN's probabilities for each digit, drawn as on the page at a random size, place
    and brush (as tests/browser/test_accuracy.py draws them); a drawing the page would call empty
    gets uniform probabilities."""
    rng = np.random.default_rng(seed)
    images, drawn = [], []
    for digit in digits:
        size = float(rng.uniform(0.3, 0.9))
        brush = min(float(rng.choice((0.035, 0.065, 0.1))), 0.2 * size)
        offset = (float(rng.uniform(0.03, 0.97)), float(rng.uniform(0.03, 0.97)))
        pixels = render_strokes(digit.strokes, brush_fraction=brush, size_fraction=size, offset=offset)
        try:
            images.append(preprocess_clean(pixels))
            drawn.append(True)
        except EmptyImageError:
            drawn.append(False)
    found = model.predict(np.stack(images)[..., None], batch_size=256, verbose=0)
    out = np.full((len(digits), 10), 0.1)
    out[np.array(drawn)] = found
    return out


def fused_probabilities(image: np.ndarray, strokes: np.ndarray, weight: float) -> np.ndarray:
    return np.stack([fuse_readings(i, s, weight)["probabilities"] for i, s in zip(image, strokes)])


def scored(fused: np.ndarray, labels: np.ndarray) -> dict:
    truth = fused[np.arange(len(labels)), labels]
    return {
        "accuracy": round(float((fused.argmax(1) == labels).mean()), 5),
        "log_loss": round(float(-np.log(np.maximum(truth, 1e-12)).mean()), 5),
    }


def choose_image_weight(sets: dict[str, ValidationSet]) -> tuple[float, dict]:
    """The image CNN's weight whose fused probabilities give the validation digits' true labels the
    least log loss, averaged over the sets (each kind of drawing counts the same), and each weight's
    accuracy and log loss per set. Log loss rather than accuracy: where many weights read every digit
    right, it still tells how sure of the right digit each one is."""
    scores = {
        float(w): {
            name: scored(fused_probabilities(s.image, s.strokes, float(w)), s.labels) for name, s in sets.items()
        }
        for w in WEIGHTS
    }
    weight = min(scores, key=lambda w: np.mean([by_set["log_loss"] for by_set in scores[w].values()]))
    return weight, {f"{w:.2f}": by_set for w, by_set in scores.items()}


def misreads(labels: np.ndarray, read: np.ndarray) -> dict:
    pairs = Counter(f"{t}->{r}" for t, r in zip(labels, read) if t != r)
    return dict(pairs.most_common())


class TimedCheckpoint(EpochCheckpoint):
    """The shared per-epoch checkpoint, with each epoch's seconds in the history, so a resumed run still
    knows how long its training took."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(epoch, {**(logs or {}), "seconds": time.perf_counter() - self.started})


def train(
    out_dir: Path,
    run_dir: Path,
    epochs: int,
    seed: int,
    limit: int | None,
    resume: bool,
    mnist_digits: int | None = None,
    mnist_copies: int = MNIST_COPIES,
    init_from: Path | None = None,
    label_smoothing: float = 0.0,
    peak_lr: float = PEAK_LR,
) -> dict:
    checkpoint = load_checkpoint(run_dir) if resume else None
    if resume and checkpoint is None:
        print(f"no checkpoint in {run_dir}: starting again")
    # A resumed run goes on with the settings it was started with, whatever the command line says now.
    asked = {
        "epochs": epochs,
        "seed": seed,
        "limit": limit,
        "mnist_digits": mnist_digits,
        "mnist_copies": mnist_copies,
        "init_from": str(init_from) if init_from else None,
        "label_smoothing": label_smoothing,
        "peak_lr": peak_lr,
    }
    settings = {**asked, **checkpoint[1]["settings"]} if checkpoint else asked
    epochs, seed, limit = settings["epochs"], settings["seed"], settings["limit"]
    label_smoothing = settings["label_smoothing"]
    # Runs checkpointed before these settings existed drew every traced digit twice.
    mnist_digits, mnist_copies = settings["mnist_digits"], settings["mnist_copies"]
    done, history = (checkpoint[1]["epochs_done"], checkpoint[1]["history"]) if checkpoint else (0, {})

    keras.utils.set_random_seed(seed)
    train_digits, val_digits = split_by_writer(load_pendigits())
    if limit:
        train_digits, val_digits = train_digits[: limit // 10], val_digits[: limit // 4]
    traced = traced_mnist(limit)
    mnist_strokes, mnist_labels = traced["train"]
    x_train, y_train = training_set(
        train_digits, (mnist_strokes[:mnist_digits], mnist_labels[:mnist_digits]), seed, mnist_copies
    )
    x_val = features_of([canvas_strokes(d) for d in val_digits])
    y_val = np.array([d.label for d in val_digits], dtype=np.int64)
    print(f"stroke reader: {len(x_train)} training drawings, {len(x_val)} of held-out writers")

    # One-hot targets, smoothed: a reader trained to be sure of every traced digit is as sure of the few
    # whose tracing looks like another digit, and in the fusion that certainty outvotes the image CNN.
    targets, val_targets = keras.utils.to_categorical(y_train, 10), keras.utils.to_categorical(y_val, 10)
    if checkpoint:
        model = checkpoint[0]  # weights, optimizer state and the schedule's step, as the last epoch left them
        print(f"resuming {run_dir} after epoch {done} of {epochs}")
    else:
        if settings["init_from"]:
            model = keras.models.load_model(settings["init_from"], compile=False)
        else:
            model = build_stroke_reader()
        steps = int(np.ceil(len(x_train) / BATCH_SIZE))
        peak = settings["peak_lr"]
        schedule = keras.optimizers.schedules.CosineDecay(  # a warm-up epoch, then cosine decay to zero
            initial_learning_rate=peak / 10,
            decay_steps=max(1, steps * (epochs - 1)),
            warmup_target=peak,
            warmup_steps=steps,
        )
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
        model.compile(keras.optimizers.Adam(schedule), loss, metrics=["accuracy"])
    if done < epochs:
        model.fit(
            x_train,
            targets,
            batch_size=BATCH_SIZE,
            epochs=epochs,
            initial_epoch=done,
            validation_data=(x_val, val_targets),
            callbacks=[TimedCheckpoint(run_dir, settings, history)],  # grows `history` epoch by epoch
            shuffle=True,
            verbose=2,
        )
    # Every epoch's seconds, over the sessions a resumed run took (unknown for checkpoints made before
    # they were recorded).
    seconds = history.get("seconds", [])
    train_seconds = round(sum(seconds), 1) if len(seconds) == epochs else None

    from export.tfjs import load_shipped

    cnn = load_shipped("mnist_cnn")
    mnist_drawings, mnist_images, mnist_labels = traced_mnist_validation(
        traced["validation"], MNIST_WEIGHT_DIGITS if limit is None else 50
    )
    sets = {
        "pen_validation": ValidationSet(
            image_probabilities(cnn, val_digits, seed), model.predict(x_val, batch_size=512, verbose=0), y_val
        ),
        "mnist_validation": ValidationSet(
            cnn.predict(mnist_images, batch_size=256, verbose=0),
            model.predict(features_of(mnist_drawings), batch_size=512, verbose=0),
            mnist_labels,
        ),
    }
    weight, by_weight = choose_image_weight(sets)
    figures = {
        **{name: validation.figures(weight) for name, validation in sets.items()},
        "image_weight": weight,
        "fused_by_image_weight": by_weight,
        "params": int(model.count_params()),
        "epochs": epochs,
        "mnist_digits": len(mnist_strokes[:mnist_digits]),
        "mnist_copies": mnist_copies,
        "initialized_from": settings["init_from"],
        "label_smoothing": label_smoothing,
        "peak_lr": settings["peak_lr"],
        "train_drawings": int(len(x_train)),
        "train_seconds": train_seconds,
        "seed": seed,
        "machine": f"{os.cpu_count()} CPU cores",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "stroke_reader.keras")
    (out_dir / "stroke_reader_history.json").write_text(json.dumps(history, indent=1) + "\n")
    update_metrics("stroke_reader", figures, out_dir / "metrics.json", replace=True)
    for name in sets:
        shown = {k: v for k, v in figures[name].items() if not k.endswith("misreads")}
        print(json.dumps({"model": "stroke_reader", "set": name, **shown, "image_weight": weight}))
    return figures


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the stroke reader and choose its weight beside the image CNN.")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--limit", type=int, help="a few digits only: a smoke run")
    parser.add_argument("--out-dir", default=str(MODELS_DIR), help="default: models/")
    parser.add_argument("--run-dir", default=str(RUNS_DIR), help="per-epoch checkpoints (default: runs/stroke_reader)")
    parser.add_argument("--resume", action="store_true", help="go on from the run dir's last checkpoint")
    parser.add_argument("--mnist-digits", type=int, help="the first N traced MNIST training digits only (default: all)")
    parser.add_argument(
        "--mnist-copies", type=int, default=MNIST_COPIES, help=f"draw each traced digit N ways ({MNIST_COPIES})"
    )
    parser.add_argument("--init-from", help="start from this stroke reader (.keras), a second stage (default: new)")
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=0.0,
        help="train towards (1 - S) on the true digit and S spread over all ten (default: 0)",
    )
    parser.add_argument("--lr", type=float, default=PEAK_LR, help=f"peak learning rate (default: {PEAK_LR})")
    args = parser.parse_args(argv)
    if args.mnist_copies < 1:
        parser.error("--mnist-copies must be at least 1")
    if not 0 <= args.label_smoothing < 1:
        parser.error("--label-smoothing is a share: from 0 up to 1")
    if args.init_from and not Path(args.init_from).is_file():
        parser.error(f"--init-from: no such file {args.init_from}")
    train(
        Path(args.out_dir),
        Path(args.run_dir),
        args.epochs,
        args.seed,
        args.limit,
        args.resume,
        args.mnist_digits,
        args.mnist_copies,
        Path(args.init_from) if args.init_from else None,
        args.label_smoothing,
        args.lr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
