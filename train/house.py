"""Train the six-head house-number reader: generated street numbers (+ SVHN) -> models/house.keras.

    python -m train.house                              # the committed model
    python -m train.house --svhn-dir ~/svhn/train      # also mix in real SVHN format 1
    python -m train.house --train-count 2000 --val-count 500 --epochs 1 --out-dir /tmp/smoke

Built under a tf.distribute strategy: the same command uses every GPU a machine has.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import tf_keras as keras

from reader.decode import decode_house_number
from reader.paths import MODELS_DIR
from reader.preprocess import HOUSE_INPUT, HOUSE_OFFSETS, centre_crop
from reader.quiet_tf import import_tensorflow_quietly
from train.cli import command
from train.evaluate import update_metrics
from train.models import HOUSE_HEADS, HOUSE_INPUT_SHAPE, build_house_reader

tf = import_tensorflow_quietly()

# --- settings: defaults of the committed model ---------------------------------------
TRAIN_COUNT = 120_000  # generated crops; each epoch sees new random 54x54 windows of them
VAL_COUNT = 10_000  # held-out generated crops (another seed), for the whole-number accuracy
EPOCHS = 10  # about an hour on 2 CPU cores
BATCH_SIZE = 128  # per replica
PEAK_LR = 2e-3
DROPOUT = 0.3
TRAIN_SEED, VAL_SEED = 1, 2
# ---------------------------------------------------------------------------------------


def strategy() -> tf.distribute.Strategy:
    """Mirror over all GPUs when there are several; otherwise the default (one device)."""
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def targets(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Labels keyed by head name; the length head's classes are lengths 1..6 shifted to 0..5."""
    out = {"length": data["length"].astype(np.int64) - 1}
    for i, name in enumerate(HOUSE_HEADS[1:]):
        out[name] = data["digits"][:, i].astype(np.int64)
    return out


def random_window(images: tf.Tensor, labels: dict, seed: int | None = None) -> tuple[tf.Tensor, dict]:
    """uint8 (B, 64, 64, 3) -> float (B, 54, 54, 3): a random 54x54 window of each crop."""
    size = tf.shape(images)[0]
    crops = tf.image.random_crop(tf.cast(images, tf.float32) / 255.0, [size, HOUSE_INPUT, HOUSE_INPUT, 3], seed=seed)
    return crops, labels


def centre_windows(images: np.ndarray) -> np.ndarray:
    return np.stack([centre_crop(im, HOUSE_INPUT) for im in images]).astype(np.float32) / 255.0


def training_dataset(data: dict[str, np.ndarray], batch_size: int, seed: int) -> tf.data.Dataset:
    """Batches gathered from numpy (the crops are too big to embed in a graph), windows cut in TF."""
    images, labels = data["images"], targets(data)
    count = len(images)

    def batches():
        rng = np.random.default_rng(seed)
        while True:
            order = rng.permutation(count)
            for start in range(0, count - batch_size + 1, batch_size):
                index = np.sort(order[start : start + batch_size])
                yield images[index], {k: v[index] for k, v in labels.items()}

    signature = (
        tf.TensorSpec((batch_size, *images.shape[1:]), tf.uint8),
        {k: tf.TensorSpec((batch_size,), tf.int64) for k in labels},
    )
    ds = tf.data.Dataset.from_generator(batches, output_signature=signature)
    return ds.map(random_window, num_parallel_calls=tf.data.AUTOTUNE).prefetch(4)


def read_windows(model: keras.Model, images: np.ndarray) -> list[np.ndarray]:
    """uint8 (N, 64, 64, 3) crops -> the six heads, each averaged over the windows the CLI and the
    page read (preprocess.house_windows), one window position at a time to keep memory flat."""
    size = HOUSE_INPUT
    top, left = (images.shape[1] - size) // 2, (images.shape[2] - size) // 2
    total = None
    for dy, dx in HOUSE_OFFSETS:
        windows = images[:, top + dy : top + dy + size, left + dx : left + dx + size].astype(np.float32) / 255.0
        outputs = model.predict(windows, batch_size=256, verbose=0)
        total = outputs if total is None else [t + o for t, o in zip(total, outputs)]
    return [t / len(HOUSE_OFFSETS) for t in total]


def whole_number_accuracy(model: keras.Model, data: dict[str, np.ndarray]) -> dict:
    """Decode every held-out crop as the CLI does and count numbers read whole, plus per-head accuracy."""
    outputs = read_windows(model, data["images"])
    truth = targets(data)
    per_head = {
        name: round(float((out.argmax(axis=1) == truth[name]).mean()), 5) for name, out in zip(HOUSE_HEADS, outputs)
    }
    expected = ["".join(str(d) for d in row if d != 10) for row in data["digits"]]
    read = [decode_house_number(outputs[0][i], [o[i] for o in outputs[1:]])["number"] for i in range(len(expected))]
    correct = np.array([a == b for a, b in zip(read, expected)])
    by_length = {
        str(n): round(float(correct[data["length"] == n].mean()), 5) for n in sorted(set(data["length"].tolist()))
    }
    misread = [{"true": e, "read": r} for e, r in zip(expected, read) if e != r][:30]
    return {
        "whole_number_accuracy": round(float(correct.mean()), 5),
        "count": len(expected),
        "per_head_accuracy": per_head,
        "accuracy_by_length": by_length,
        "misread_examples": misread,
    }


def load_data(train_count: int, val_count: int, svhn_dir: str | None) -> tuple[dict, dict]:
    from train.synth import cached_samples

    train_data = cached_samples(train_count, TRAIN_SEED)
    val_data = cached_samples(val_count, VAL_SEED)
    if svhn_dir:
        from train.svhn import build_crops

        real = build_crops(svhn_dir)
        train_data = {k: np.concatenate([train_data[k], real[k]]) for k in train_data}
        print(f"mixed in {len(real['images'])} SVHN crops from {svhn_dir}")
    return train_data, val_data


def train(
    train_count: int,
    val_count: int,
    epochs: int,
    out_dir: Path,
    svhn_dir: str | None = None,
    seed: int = TRAIN_SEED,
    init_from: Path | None = None,
    peak_lr: float = PEAK_LR,
    dropout: float = DROPOUT,
) -> dict:
    keras.utils.set_random_seed(seed)
    train_data, val_data = load_data(train_count, val_count, svhn_dir)
    distribution = strategy()
    batch_size = BATCH_SIZE * distribution.num_replicas_in_sync
    steps = len(train_data["images"]) // batch_size
    with distribution.scope():
        model = build_house_reader(dropout=dropout)
        if init_from:
            # Fine-tuning: start from trained weights and run one more warm-up + cosine cycle.
            model.set_weights(keras.models.load_model(init_from).get_weights())
        schedule = keras.optimizers.schedules.CosineDecay(
            peak_lr / 10, max(1, steps * epochs - steps), warmup_target=peak_lr, warmup_steps=steps
        )
        model.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss={name: "sparse_categorical_crossentropy" for name in HOUSE_HEADS},
            metrics={name: "accuracy" for name in HOUSE_HEADS},
        )
    model.summary(print_fn=print)
    val_inputs = centre_windows(val_data["images"][:2000])
    val_targets = {k: v[:2000] for k, v in targets(val_data).items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    # Saved after every epoch, so a run cut short still leaves its latest weights.
    checkpoint = keras.callbacks.ModelCheckpoint(str(out_dir / "house.keras"))
    started = time.perf_counter()
    history = model.fit(
        training_dataset(train_data, batch_size, seed),
        steps_per_epoch=steps,
        epochs=epochs,
        validation_data=(val_inputs, val_targets),
        callbacks=[checkpoint],
        verbose=2 if os.environ.get("CI") else 1,
    )
    train_seconds = time.perf_counter() - started
    model.save(out_dir / "house.keras")
    (out_dir / "house_history.json").write_text(json.dumps(history.history, indent=1) + "\n")
    figures = {
        "held_out_generated": whole_number_accuracy(model, val_data),
        "params": int(model.count_params()),
        "epochs": epochs,
        "train_images": len(train_data["images"]),
        "train_seconds": round(train_seconds, 1),
        "replicas": distribution.num_replicas_in_sync,
        "input_shape": list(HOUSE_INPUT_SHAPE),
        "svhn_mixed_in": bool(svhn_dir),
        "peak_lr": peak_lr,
        "dropout": dropout,
        "initialized_from": str(init_from) if init_from else None,
    }
    update_metrics("house", figures, out_dir / "metrics.json")
    summary = {k: figures["held_out_generated"][k] for k in ("whole_number_accuracy", "count", "accuracy_by_length")}
    print(json.dumps({"model": "house", **summary, "train_seconds": figures["train_seconds"]}))
    return figures


def evaluate(out_dir: Path, val_count: int) -> dict:
    """Measure a trained reader again on the held-out numbers, as the CLI and the page read, into metrics.json."""
    from train.synth import cached_samples

    model = keras.models.load_model(out_dir / "house.keras", compile=False)
    held_out = whole_number_accuracy(model, cached_samples(val_count, VAL_SEED))
    figures = {"held_out_generated": held_out, "windows_read": len(HOUSE_OFFSETS)}
    update_metrics("house", figures, out_dir / "metrics.json")
    summary = {k: held_out[k] for k in ("whole_number_accuracy", "count", "accuracy_by_length")}
    print(json.dumps({"model": "house", **summary}))
    return held_out


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the six-head house-number reader.")
    parser.add_argument(
        "--train-count", type=int, default=TRAIN_COUNT, help=f"generated crops (default: {TRAIN_COUNT})"
    )
    parser.add_argument("--val-count", type=int, default=VAL_COUNT, help=f"held-out crops (default: {VAL_COUNT})")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default: {EPOCHS}")
    parser.add_argument("--svhn-dir", help="an SVHN format 1 split folder (PNGs + digitStruct.mat) to mix in")
    parser.add_argument("--out-dir", default=str(MODELS_DIR), help="default: models/")
    parser.add_argument("--init-from", help="start from this trained house.keras (fine-tuning)")
    parser.add_argument("--lr", type=float, default=PEAK_LR, help=f"peak learning rate (default: {PEAK_LR})")
    parser.add_argument("--dropout", type=float, default=DROPOUT, help=f"dropout before the heads (default: {DROPOUT})")
    parser.add_argument(
        "--evaluate-only", action="store_true", help="measure the trained model in --out-dir again; no training"
    )
    args = parser.parse_args(argv)
    if args.evaluate_only:
        evaluate(Path(args.out_dir), args.val_count)
        return 0
    train(
        args.train_count,
        args.val_count,
        args.epochs,
        Path(args.out_dir),
        args.svhn_dir,
        init_from=Path(args.init_from) if args.init_from else None,
        peak_lr=args.lr,
        dropout=args.dropout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
