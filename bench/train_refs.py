"""Train the reference labs' MNIST models on this machine's CPU and cache them for `make bench`.

    python -m bench.train_refs                       # train the ones not cached yet (a cut-short run resumes)
    python -m bench.train_refs --retrain             # train all three again, from scratch
    python -m bench.train_refs --model ref_mlp --epochs 1 --limit 2000 --out-dir /tmp/smoke

Standard split (60,000 training images, the 10,000 test images scored once per epoch),
inputs in [0, 1], no augmentation: the labs' setting. Training time counts the epochs
only, not the per-epoch test pass, and each epoch records the load average beside its
time, since other jobs may share the CPU.
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

from bench.models import BUILDERS, RECIPES, Recipe, step_lr
from reader.paths import REPO_ROOT
from train.data import DataNotFoundError, load_mnist
from train.evaluate import accuracy, predict_probabilities

CACHE_DIR = REPO_ROOT / "cache" / "bench" / "models"  # gitignored: `make bench` reuses what is here
SEED = 42


class EpochClock(keras.callbacks.Callback):
    """Per epoch: training seconds, the 1-minute load average, and test accuracy (scored after the clock stops).

    After each epoch the model and the epochs so far are saved as <name>.partial.*, so a run
    cut short resumes where it stopped, or is benchmarked as it stands (bench.run --no-train).
    """

    def __init__(self, x_test: np.ndarray, y_test: np.ndarray, partial: Path, epochs: list[dict]):
        super().__init__()
        self.x_test, self.y_test = x_test, y_test
        self.partial = partial
        self.epochs = epochs

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self.started
        test = accuracy(self.y_test, predict_probabilities(self.model, self.x_test))
        self.epochs.append(
            {"epoch": epoch + 1, "seconds": round(seconds, 2), "load_1min": round(os.getloadavg()[0], 2), "test": test}
        )
        print(json.dumps(self.epochs[-1]), flush=True)
        self.model.save(f"{self.partial}.keras")
        Path(f"{self.partial}.json").write_text(json.dumps({"epochs": self.epochs}, indent=1) + "\n")


def seconds_to_reach(epochs: list[dict], target: float) -> float:
    """Training seconds until the first epoch whose test accuracy is at least `target`."""
    total = 0.0
    for e in epochs:
        total += e["seconds"]
        if e["test"] >= target:
            return round(total, 1)
    return round(total, 1)


def partial_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}.partial"


def train_reference(
    name: str, recipe: Recipe, data: tuple, out_dir: Path, seed: int = SEED, resume: bool = False, verbose: int = 2
) -> dict:
    """Fit one reference model with its lab's recipe; save it and return its recorded figures."""
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = partial_path(out_dir, name)
    done: list[dict] = []
    if resume and Path(f"{partial}.json").is_file():
        model = keras.models.load_model(f"{partial}.keras")  # with the optimizer's state
        done = json.loads(Path(f"{partial}.json").read_text())["epochs"]
        print(f"{name}: resuming after epoch {len(done)}")
    else:
        model = BUILDERS[name]()
        model.compile(
            optimizer=keras.optimizers.Adam(recipe.lr),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=recipe.from_logits),
            metrics=["accuracy"],
        )
    train_set = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True)
        .batch(recipe.batch_size)
        .prefetch(2)
    )
    clock = EpochClock(x_test, y_test, partial, done)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: step_lr(epoch, recipe))
    load_before = os.getloadavg()
    model.fit(train_set, epochs=recipe.epochs, initial_epoch=len(done), callbacks=[schedule, clock], verbose=verbose)
    model.save(out_dir / f"{name}.keras")
    final = clock.epochs[-1]["test"]
    figures = {
        "model": name,
        "params": int(model.count_params()),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "recipe": dict(recipe.__dict__),
        "train_images": int(len(x_train)),
        "test_accuracy": final,
        "train_seconds": round(sum(e["seconds"] for e in clock.epochs), 1),
        "seconds_to_final_accuracy": seconds_to_reach(clock.epochs, final),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        "epochs": clock.epochs,
        "seed": seed,
    }
    (out_dir / f"{name}.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps({k: figures[k] for k in ("model", "params", "test_accuracy", "train_seconds")}), flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the reference labs' MNIST models (cached).")
    parser.add_argument("--model", choices=list(RECIPES), action="append", help="default: all three")
    parser.add_argument("--retrain", action="store_true", help="train again even when cached (default: off)")
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs, for smoke runs (default: recipe)")
    parser.add_argument("--limit", type=int, help="use only this many training and test images (default: all)")
    parser.add_argument("--out-dir", default=str(CACHE_DIR), help="default: cache/bench/models/")
    parser.add_argument("--data-dir", help="MNIST directory (default: the usual search path)")
    args = parser.parse_args(argv)
    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    except DataNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.limit:
        x_train, y_train, x_test, y_test = (a[: args.limit] for a in (x_train, y_train, x_test, y_test))
    out_dir = Path(args.out_dir)
    for name in args.model or list(RECIPES):
        if (out_dir / f"{name}.json").is_file() and not args.retrain:
            print(f"{name}: cached in {out_dir}, skipping (--retrain to train again)")
            continue
        recipe = RECIPES[name]
        if args.epochs:
            recipe = Recipe(**{**recipe.__dict__, "epochs": args.epochs})
        train_reference(name, recipe, ((x_train, y_train), (x_test, y_test)), out_dir, resume=not args.retrain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
