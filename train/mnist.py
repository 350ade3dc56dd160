"""Train the MNIST MLP or CNN end to end: data -> model -> fit -> evaluate -> models/.

    python -m train.mnist --model cnn            # full run, writes models/mnist_cnn.keras
    python -m train.mnist --model mlp --epochs 1 --limit 2000 --out-dir /tmp/smoke

Training mixes MNIST with real pen trajectories rendered as the page draws them,
so drawn digits read as well as scanned ones, and with real handwriting on paper
(the training parts of DIDA and NSYSU, train/handwriting.py), so scanned and
photographed digits do too; a writer-disjoint part of the pen data, and the
held-out parts of DIDA and NSYSU, are only ever used for validation.

    # the committed models: the MNIST + pen models fine-tuned with real handwriting added, and
    # blended with the weights they started from (Makefile train-mnist)
    python -m train.mnist --model cnn --init-from runs/mnist_stage1/mnist_cnn.keras --epochs 8 --lr 5e-4 --blend 0.7
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras

from reader.paths import MODELS_DIR
from train.augment import make_augmenter
from train.blend import blended_model
from train.cli import command
from train.data import load_mnist
from train.evaluate import evaluate_classifier, update_metrics
from train.handwriting import handwritten_digits
from train.models import BUILDERS
from train.pendigits import load_pendigits, render_dataset, split_by_writer

# --- settings: defaults of the committed models ------------------------------------
EPOCHS = {"mlp": 30, "cnn": 30}  # cosine decay needs the whole budget: more epochs, lower final loss
PEAK_LR = {"mlp": 1e-3, "cnn": 3e-3}
BATCH_SIZE = 128
VALIDATION_SIZE = 5000  # the last 5,000 training images, as in the classic 55k/5k split
PEN_COPIES = 2  # each training trajectory is rendered twice, with different brushes and sizes
HANDWRITING_COPIES = 3  # each real handwritten digit is shown this often per epoch (8.7k among 66k)
SEED = 42
# ------------------------------------------------------------------------------------


def lr_schedule(peak: float, steps_per_epoch: int, epochs: int) -> keras.optimizers.schedules.LearningRateSchedule:
    """One epoch of warm-up, then cosine decay to zero: high rates explore, the tail settles."""
    warmup = steps_per_epoch
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 10,
        decay_steps=max(1, steps_per_epoch * epochs - warmup),
        warmup_target=peak,
        warmup_steps=warmup,
    )


def pen_data(seed: int, limit: int | None) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(train, validation) pen digits, rendered like the canvas and preprocessed like the page."""
    train_digits, val_digits = split_by_writer(load_pendigits())
    if limit:
        train_digits, val_digits = train_digits[: limit // 10], val_digits[: limit // 10]
    copies = [render_dataset(train_digits, seed=seed + i) for i in range(PEN_COPIES)]
    x_train = np.concatenate([c[0] for c in copies])
    y_train = np.concatenate([c[1] for c in copies])
    return (x_train, y_train), render_dataset(val_digits, seed=seed + 1000)


def make_dataset(x: np.ndarray, y: np.ndarray, seed: int, augment: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(BATCH_SIZE)
    if augment:
        ds = ds.map(make_augmenter(seed), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


class PenValidation(keras.callbacks.Callback):
    """Adds val_pen_accuracy to the history, so the report can plot drawn-digit accuracy too."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        super().__init__()
        self.x, self.y = x, y

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        probabilities = self.model.predict(self.x, batch_size=500, verbose=0)
        logs["val_pen_accuracy"] = float((probabilities.argmax(axis=1) == self.y).mean())


def compile_model(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> keras.Model:
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(
    kind: str,
    epochs: int,
    data_dir: str | None,
    out_dir: Path,
    seed: int = SEED,
    limit: int | None = None,
    use_pen: bool = True,
    use_handwriting: bool = True,
    init_from: Path | None = None,
    peak_lr: float | None = None,
    blend: float | None = None,
    tuned: Path | None = None,
) -> dict:
    """Train one model (from scratch, or on from init_from's weights), save it with its history,
    evaluate it, and return the recorded figures. With `blend`, the saved weights are that share of
    the fine-tune and the rest init_from's (train/blend.py); with `tuned`, a finished fine-tune of
    init_from (its .keras, history and metrics beside it) is blended instead of training again."""
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(data_dir)
    x_val, y_val = x_train[-VALIDATION_SIZE:], y_train[-VALIDATION_SIZE:]
    x_train, y_train = x_train[:-VALIDATION_SIZE], y_train[:-VALIDATION_SIZE]
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_val, y_val = x_val[: limit // 4], y_val[: limit // 4]
        x_test, y_test = x_test[:limit], y_test[:limit]
    callbacks: list[keras.callbacks.Callback] = []
    pen_val = None
    if use_pen:
        (x_pen, y_pen), pen_val = pen_data(seed, limit)
        x_train, y_train = np.concatenate([x_train, x_pen]), np.concatenate([y_train, y_pen])
        callbacks.append(PenValidation(*pen_val))
    mnist_count = len(x_train) - (0 if pen_val is None else len(x_pen))
    real_val = handwritten_digits("validation", limit) if use_handwriting else {}
    if use_handwriting and tuned is None:  # a finished fine-tune is only blended and measured
        real_train = handwritten_digits("train", limit)
        x_real = np.concatenate([x for x, _ in real_train.values()] * HANDWRITING_COPIES)
        y_real = np.concatenate([y for _, y in real_train.values()] * HANDWRITING_COPIES)
        x_train, y_train = np.concatenate([x_train, x_real]), np.concatenate([y_train, y_real])
    print(f"{kind}: {len(x_train)} training images ({mnist_count} MNIST)")

    name = f"mnist_{kind}"
    if tuned is not None:  # the fine-tune has run: its model and its record
        model = keras.models.load_model(tuned, compile=False)
        history = json.loads((tuned.parent / f"{name}_history.json").read_text())
        record = json.loads((tuned.parent / "metrics.json").read_text())[name]
        train_seconds, epochs, train_images = record["train_seconds"], record["epochs"], record["train_images"]
    else:
        model = BUILDERS[kind]() if init_from is None else keras.models.load_model(init_from, compile=False)
        steps = int(np.ceil(len(x_train) / BATCH_SIZE))
        compile_model(model, keras.optimizers.Adam(lr_schedule(peak_lr or PEAK_LR[kind], steps, epochs)))
        model.summary(print_fn=print)
        started = time.perf_counter()
        history = model.fit(
            make_dataset(x_train, y_train, seed, augment=True),
            validation_data=(x_val, y_val),
            epochs=epochs,
            callbacks=callbacks,
            verbose=2 if os.environ.get("CI") else 1,
        ).history
        train_seconds, train_images = time.perf_counter() - started, len(x_train)
    if blend is not None:
        model = blended_model(keras.models.load_model(init_from, compile=False), model, blend)

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / f"{name}.keras")
    (out_dir / f"{name}_history.json").write_text(json.dumps(history, indent=1) + "\n")
    figures = {
        "test": evaluate_classifier(model, x_test, y_test),
        "params": int(model.count_params()),
        "epochs": epochs,
        "train_seconds": round(train_seconds, 1),
        "train_images": int(train_images),
        "seed": seed,
        "machine": f"{os.cpu_count()} CPU cores",
        "init_from": None if init_from is None else str(init_from),
        "blend": blend,
        "blend_tuned": None if tuned is None else str(tuned),
    }
    if pen_val is not None:
        figures["pen_validation"] = evaluate_classifier(model, *pen_val)
    for set_name, (x_held, y_held) in real_val.items():
        figures[f"{set_name}_validation"] = evaluate_classifier(model, x_held, y_held)
    update_metrics(name, figures, out_dir / "metrics.json")
    print(
        json.dumps(
            {
                "model": name,
                "test_accuracy": figures["test"]["accuracy"],
                "pen_validation_accuracy": figures.get("pen_validation", {}).get("accuracy"),
                **{f"{n}_validation_accuracy": figures[f"{n}_validation"]["accuracy"] for n in real_val},
                "params": figures["params"],
                "train_seconds": figures["train_seconds"],
            }
        )
    )
    return figures


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train an MNIST model end to end and record its metrics.")
    parser.add_argument("--model", choices=["mlp", "cnn"], required=True, help="which network")
    parser.add_argument("--epochs", type=int, help="epochs (default: 30 for both)")
    parser.add_argument("--data-dir", help="MNIST directory (default: $MNIST_DIR, data/mnist/, ../shared/data/mnist/)")
    parser.add_argument(
        "--out-dir", default=str(MODELS_DIR), help="where model, history and metrics go (default: models/)"
    )
    parser.add_argument("--limit", type=int, help="use only this many training images (smoke runs)")
    parser.add_argument("--no-pen", action="store_true", help="train on MNIST only (default: mix in pen digits)")
    parser.add_argument(
        "--no-handwriting", action="store_true", help="leave out the real DIDA and NSYSU training digits"
    )
    parser.add_argument("--init-from", help="start from this model's weights (fine-tuning) instead of from scratch")
    parser.add_argument("--lr", type=float, help="peak learning rate (default: 3e-3 cnn, 1e-3 mlp)")
    parser.add_argument(
        "--blend", type=float, help="save BLEND x the fine-tuned weights + (1 - BLEND) x the --init-from ones"
    )
    parser.add_argument(
        "--blend-tuned", help="with --blend: blend this finished fine-tune (.keras) with --init-from, no training"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    args = parser.parse_args(argv)
    if args.blend is not None and not args.init_from:
        parser.error("--blend needs --init-from: the weights the fine-tune started from")
    if args.blend is not None and not 0 <= args.blend <= 1:
        parser.error("--blend is a share: from 0 to 1")
    if args.blend_tuned and args.blend is None:
        parser.error("--blend-tuned needs --blend")
    train(
        args.model,
        args.epochs or EPOCHS[args.model],
        args.data_dir,
        Path(args.out_dir),
        seed=args.seed,
        limit=args.limit,
        use_pen=not args.no_pen,
        use_handwriting=not args.no_handwriting,
        init_from=Path(args.init_from) if args.init_from else None,
        peak_lr=args.lr,
        blend=args.blend,
        tuned=Path(args.blend_tuned) if args.blend_tuned else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
