"""Optimizer study: the same MLP (and CNN) under one seed and budget, only the optimizer changes.

    python -m studies.optimizer_study            # writes docs/optimizer_study.{md,png,json}
    python -m studies.optimizer_study --limit 2000 --mlp-epochs 1 --cnn-epochs 1 --out-dir /tmp/study

No augmentation and a constant learning rate, so the curves show the optimizers
themselves, not the schedule.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import tf_keras as keras

from reader.paths import DOCS_DIR
from train.cli import command
from train.data import load_mnist
from train.models import BUILDERS

SEED = 7
BATCH_SIZE = 128
VALIDATION_SIZE = 5000


def optimizers() -> dict[str, dict[str, callable]]:
    """model kind -> run name -> optimizer factory (fresh state per run)."""
    opt = keras.optimizers
    return {
        "mlp": {
            "SGD (lr 0.01)": lambda: opt.SGD(0.01),
            "SGD momentum 0.5, Nesterov": lambda: opt.SGD(0.01, momentum=0.5, nesterov=True),
            "RMSprop (default, lr 1e-3)": lambda: opt.RMSprop(),
            "RMSprop lr 1e-4 (x0.1)": lambda: opt.RMSprop(1e-4),
            "Adam (default)": lambda: opt.Adam(),
            "Adam β1=β2=0.8": lambda: opt.Adam(beta_1=0.8, beta_2=0.8),
            "Adam β1=β2=0": lambda: opt.Adam(beta_1=0.0, beta_2=0.0),
        },
        "cnn": {
            "Adam (default)": lambda: opt.Adam(),
            "SGD momentum 0.9": lambda: opt.SGD(0.01, momentum=0.9),
        },
    }


def run_one(kind: str, make_optimizer, data: dict, epochs: int) -> dict:
    keras.utils.set_random_seed(SEED)  # same initial weights and batch order for every optimizer
    model = BUILDERS[kind]()
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(
        data["x_train"],
        data["y_train"],
        batch_size=BATCH_SIZE,
        epochs=epochs,
        validation_data=(data["x_val"], data["y_val"]),
        verbose=2,
        shuffle=True,
    )
    seconds = time.perf_counter() - started
    loss, acc = model.evaluate(data["x_test"], data["y_test"], batch_size=500, verbose=0)
    return {
        "model": kind,
        "test_accuracy": round(float(acc), 5),
        "test_loss": round(float(loss), 5),
        "seconds": round(seconds, 1),
        "epochs": epochs,
        "val_accuracy": [round(float(v), 5) for v in history.history["val_accuracy"]],
    }


def write_table(results: dict, path: Path, budget: str) -> None:
    lines = [
        "# Optimizer study",
        "",
        f"Written by `python -m studies.optimizer_study`. {budget} Seed {SEED} for every run: same initial "
        "weights, same batches; only the optimizer differs. No augmentation, constant learning rate. "
        "Times are wall-clock on a 2-core machine that may be running other jobs: compare them loosely.",
        "",
        "![validation accuracy per epoch](optimizer_study.png)",
        "",
        "| model | optimizer | test accuracy | test loss | time (s) |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {r['model'].upper()} | {name.split(': ', 1)[1]} | {r['test_accuracy'] * 100:.2f} % "
            f"| {r['test_loss']:.4f} | {r['seconds']:.0f} |"
        )
    best = max((r for r in results.values() if r["model"] == "mlp"), key=lambda r: r["test_accuracy"], default=None)
    if best:
        winner = next(k for k, v in results.items() if v is best).split(": ", 1)[1]
        lines += ["", f"Best MLP optimizer in this budget: **{winner}**."]
    path.write_text("\n".join(lines) + "\n")


def plot_curves(results: dict, path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, kind in zip(axes, ("mlp", "cnn")):
        for name, r in results.items():
            if r["model"] == kind:
                ax.plot(
                    np.arange(1, len(r["val_accuracy"]) + 1),
                    r["val_accuracy"],
                    marker="o",
                    label=name.split(": ", 1)[1],
                )
        ax.set(title=f"{kind.upper()}: validation accuracy per epoch", xlabel="epoch", ylabel="accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare optimizers on the MLP and CNN under one seed and budget.")
    parser.add_argument("--mlp-epochs", type=int, default=10, help="epochs per MLP run (default: 10)")
    parser.add_argument("--cnn-epochs", type=int, default=3, help="epochs per CNN run (default: 3)")
    parser.add_argument("--limit", type=int, help="training images (default: all 55,000)")
    parser.add_argument("--data-dir", help="MNIST directory (default: search)")
    parser.add_argument("--out-dir", default=str(DOCS_DIR), help="default: docs/")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    data = {
        "x_train": x_train[:-VALIDATION_SIZE][: args.limit],
        "y_train": y_train[:-VALIDATION_SIZE][: args.limit],
        "x_val": x_train[-VALIDATION_SIZE:],
        "y_val": y_train[-VALIDATION_SIZE:],
        "x_test": x_test,
        "y_test": y_test,
    }
    results = {}
    for kind, runs in optimizers().items():
        epochs = args.mlp_epochs if kind == "mlp" else args.cnn_epochs
        for name, make in runs.items():
            print(f"== {kind}: {name}", flush=True)
            results[f"{kind}: {name}"] = run_one(kind, make, data, epochs)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "optimizer_study.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    budget = (
        f"MLP: {args.mlp_epochs} epochs, CNN: {args.cnn_epochs} epochs, batch {BATCH_SIZE}, "
        f"{len(data['x_train']):,} training images."
    )
    write_table(results, out / "optimizer_study.md", budget)
    plot_curves(results, out / "optimizer_study.png")
    print(out / "optimizer_study.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
