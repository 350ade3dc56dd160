"""Training reports: models/<name>.keras + history + metrics -> docs/report_<name>.md with PNG plots.

    python -m studies.report            # both MNIST models

Each report shows loss and accuracy curves, the confusion matrix, per-digit
accuracy, the most-confused pairs, the misread test digits and the model summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen on training machines
import matplotlib.pyplot as plt
import numpy as np

from reader.paths import DOCS_DIR, MODELS_DIR, read_metrics
from reader.quiet_tf import import_tensorflow_quietly
from train.cli import command
from train.data import load_mnist
from train.evaluate import predict_probabilities


def plot_curves(history: dict, path: Path, title: str) -> None:
    """Loss and accuracy per epoch, training against validation (and drawn-digit validation)."""
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    ax_loss.plot(epochs, history["loss"], label="training (augmented)")
    ax_loss.plot(epochs, history["val_loss"], label="validation (MNIST)")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss", yscale="log")
    ax_acc.plot(epochs, history["accuracy"], label="training (augmented)")
    ax_acc.plot(epochs, history["val_accuracy"], label="validation (MNIST)")
    if "val_pen_accuracy" in history:
        ax_acc.plot(epochs, history["val_pen_accuracy"], label="validation (pen-drawn, unseen writers)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0.95, 1.0))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion(matrix: np.ndarray, path: Path, title: str) -> None:
    """Counts with the diagonal greyed out, so the errors stand out."""
    off = matrix.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    fig, ax = plt.subplots(figsize=(6, 5.4))
    image = ax.imshow(off, cmap="Reds")
    for (t, p), count in np.ndenumerate(matrix):
        ax.text(p, t, str(count), ha="center", va="center", fontsize=7, color="grey" if t == p else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="read as", ylabel="true digit", title=title)
    fig.colorbar(image, ax=ax, label="errors")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_misread(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray, path: Path, limit: int = 40) -> None:
    wrong = np.flatnonzero(labels != predicted)[:limit]
    cols = 10
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, i in zip(np.atleast_1d(axes).ravel(), wrong):
        ax.imshow(images[i, :, :, 0], cmap="gray")
        ax.set_title(f"{labels[i]}→{predicted[i]}", fontsize=9)
    fig.suptitle("misread test digits (true→read)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def digit_table(per_digit: dict, pen: dict | None) -> str:
    rows = ["| digit | MNIST test | pen-drawn validation |", "|---|---|---|"]
    for d in map(str, range(10)):
        pen_cell = f"{pen[d] * 100:.2f} %" if pen else "–"
        rows.append(f"| {d} | {per_digit[d] * 100:.2f} % | {pen_cell} |")
    return "\n".join(rows)


def confused_list(pairs: list[dict]) -> str:
    return "\n".join(f"- {p['true']} read as {p['read_as']}: {p['count']} times" for p in pairs) or "- none"


def write_report(name: str, models_dir: Path, docs_dir: Path, x_test: np.ndarray, y_test: np.ndarray) -> Path:
    import tf_keras as keras

    model = keras.models.load_model(models_dir / f"{name}.keras")
    history = json.loads((models_dir / f"{name}_history.json").read_text())
    figures = read_metrics(models_dir / "metrics.json")[name]
    test = figures["test"]
    matrix = np.array(test["confusion_matrix"])
    predicted = predict_probabilities(model, x_test).argmax(axis=1)

    docs_dir.mkdir(parents=True, exist_ok=True)
    plot_curves(history, docs_dir / f"{name}_curves.png", f"{name}: training curves")
    plot_confusion(matrix, docs_dir / f"{name}_confusion.png", f"{name}: confusion on the 10,000 test digits")
    plot_misread(x_test, y_test, predicted, docs_dir / f"{name}_misread.png")
    summary: list[str] = []
    model.summary(print_fn=summary.append)
    pen = figures.get("pen_validation")
    export = figures.get("export", {})
    lines = [
        f"# Training report: {name}",
        "",
        "Written by `python -m studies.report` from the committed model, its training history and "
        "`models/metrics.json`.",
        "",
        f"- Test accuracy (MNIST, 10,000 digits): **{test['accuracy'] * 100:.2f} %** ({test['errors']} errors)",
    ]
    if pen:
        lines.append(
            f"- Pen-drawn validation (real trajectories of unseen writers, rendered like the page): "
            f"**{pen['accuracy'] * 100:.2f} %** of {pen['count']}"
        )
    lines += [
        f"- Parameters: {figures['params']:,}; epochs: {figures['epochs']}; "
        f"training time: {figures['train_seconds'] / 60:.1f} min on {figures['machine']}",
    ]
    if export:
        lines.append(
            f"- TF.js export: {export['quantization'] or 'float32'} weights, {export['export_bytes'] / 1024:.0f} KiB; "
            f"test accuracy by weight type: {export['test_accuracy_by_weights']}"
        )
    lines += [
        "",
        "## Curves",
        "",
        f"![training curves]({name}_curves.png)",
        "",
        "## Confusion matrix",
        "",
        f"![confusion matrix]({name}_confusion.png)",
        "",
        "## Per-digit accuracy",
        "",
        digit_table(test["per_digit_accuracy"], pen["per_digit_accuracy"] if pen else None),
        "",
        "## Most-confused pairs (MNIST test)",
        "",
        confused_list(test["most_confused"]),
        "",
    ]
    if pen:
        lines += ["## Most-confused pairs (pen-drawn validation)", "", confused_list(pen["most_confused"]), ""]
    lines += [
        "## Misread test digits",
        "",
        f"![misread digits]({name}_misread.png)",
        "",
        "## Model summary",
        "",
        "```",
        *summary,
        "```",
        "",
    ]
    path = docs_dir / f"report_{name}.md"
    path.write_text("\n".join(lines))
    return path


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the training reports under docs/.")
    parser.add_argument("--model", choices=["mnist_mlp", "mnist_cnn"], action="append", help="default: both")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="default: models/")
    parser.add_argument("--docs-dir", default=str(DOCS_DIR), help="default: docs/")
    parser.add_argument("--data-dir", help="MNIST directory (default: search)")
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    _, (x_test, y_test) = load_mnist(args.data_dir)
    for name in args.model or ["mnist_mlp", "mnist_cnn"]:
        if not (Path(args.models_dir) / f"{name}_history.json").is_file():
            print(f"error: no trained {name} in {args.models_dir}; run `make train-mnist` first", file=sys.stderr)
            return 1
        print(write_report(name, Path(args.models_dir), Path(args.docs_dir), x_test, y_test))
    return 0


if __name__ == "__main__":
    sys.exit(main())
