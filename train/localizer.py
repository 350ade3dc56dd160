"""Train the house-number localizer on generated street scenes -> models/localizer.keras.

    python -m train.localizer                               # the committed model
    python -m train.localizer --scenes 300 --epochs 1 --out-dir /tmp/smoke --eval-scenes 20
    python -m train.localizer --init-from models/localizer.keras --real-dir ../shared/data/svhn/train_sample
    python -m train.localizer --evaluate-only --real-dir ../shared/data/svhn/train_sample --trained-in runs/x

Real photos (issue 17): --real-dir mixes in the localizer's views of the *training* photos of a
real SVHN folder (train/svhn.py's split; the number's box is the union of its digit boxes), each
photo drawn --real-passes times and seen --real-oversample times per epoch. The figures then
include the box found (IoU >= 0.5) on the real validation photos; `make evaluate-real` reads them.

Targets are CenterNet's: a Gaussian bump of "centre here" on the 24x32 grid (the number's
centre cell at 1), with the offset in that cell and the box's log size learnt at that cell
only. The evaluation runs the page's two looks (reader/locate.py) on held-out scenes and
reads what was found with the six-head reader, so its figures are the page's.
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
from tqdm import tqdm

from reader.locate import iou
from reader.paths import CACHE_DIR, MODELS_DIR, read_metrics
from reader.quiet_tf import import_tensorflow_quietly
from train.cli import command
from train.evaluate import update_metrics
from train.house import mix, strategy
from train.models import LOCALIZER_INPUT_SHAPE, LOCALIZER_STRIDE, build_localizer

tf = import_tensorflow_quietly()


def epoch_order(repeats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each sample index `repeats[i]` times, shuffled: one epoch's order with oversampling."""
    return rng.permutation(np.repeat(np.arange(len(repeats)), repeats))


# --- settings: defaults of the committed model ---------------------------------------
SCENES = 4000  # generated scenes, three views each (train/scenes.py)
SCENE_SEED = 11
EVAL_SCENES = 300  # held-out scenes (another seed) for the figures in metrics.json
EVAL_SEED = 12  # the browser test uses yet another seed
EPOCHS = 8
BATCH_SIZE = 32
PEAK_LR = 2e-3
REAL_PASSES = 2  # random draws of the closer looks per real photo (three views each)
REAL_OVERSAMPLE = 2  # real views seen this many times per epoch: they are few
REAL_VIEW_SEED = 0
PORTRAIT_RATE = 0.2  # share of views shown as a portrait photo is: a 3:4 strip, grey beside it
GRID = (LOCALIZER_INPUT_SHAPE[0] // LOCALIZER_STRIDE, LOCALIZER_INPUT_SHAPE[1] // LOCALIZER_STRIDE)
# ---------------------------------------------------------------------------------------


def cell_targets(boxes: np.ndarray) -> np.ndarray:
    """(B, 4) boxes in input pixels -> (B, 24, 32, 6): centre heat, centre mask, offset x/y, log w/h."""
    rows, cols = GRID
    out = np.zeros((len(boxes), rows, cols, 6), np.float32)
    grid_y, grid_x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    for k, (x, y, w, h) in enumerate(boxes / LOCALIZER_STRIDE):
        cx, cy = x + w / 2, y + h / 2
        col, row = min(cols - 1, max(0, int(cx))), min(rows - 1, max(0, int(cy)))
        sx, sy = max(0.6, w / 6), max(0.6, h / 6)
        out[k, ..., 0] = np.exp(-(((grid_x - col) / sx) ** 2 + ((grid_y - row) / sy) ** 2) / 2)
        out[k, row, col, 1] = 1.0
        out[k, row, col, 2:] = (np.clip(cx - col, 0, 1), np.clip(cy - row, 0, 1), np.log(w), np.log(h))
    return out


def localizer_loss(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """CenterNet's focal loss on the centre logits, plus L1 on offsets and log sizes at the centre."""
    heat, mask = y_true[..., 0], y_true[..., 1]
    logits = y_pred[..., 0]
    p = tf.sigmoid(logits)
    log_p, log_not_p = -tf.nn.softplus(-logits), -tf.nn.softplus(logits)
    focal = -mask * (1 - p) ** 2 * log_p - (1 - mask) * (1 - heat) ** 4 * p**2 * log_not_p
    offsets = tf.abs(tf.sigmoid(y_pred[..., 1:3]) - y_true[..., 2:4])
    sizes = tf.abs(y_pred[..., 3:5] - y_true[..., 4:6])
    box = mask * (tf.reduce_sum(offsets, -1) + tf.reduce_sum(sizes, -1))
    per_view = tf.reduce_sum(focal + box, axis=[1, 2])
    return per_view / tf.maximum(1.0, tf.reduce_sum(mask, axis=[1, 2]))


def augment(images: np.ndarray, boxes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Mirror (a number's place does not depend on its digits), colour and contrast jitter, and
    portrait strips: the localizer must find numbers whatever the colours and the photo's shape."""
    images = images.astype(np.float32) / 255.0
    boxes = boxes.copy()
    height, width = LOCALIZER_INPUT_SHAPE[:2]
    for k in range(len(images)):
        if rng.random() < 0.5:
            images[k] = images[k, :, ::-1]
            boxes[k, 0] = width - boxes[k, 0] - boxes[k, 2]
        if rng.random() < 0.3:
            images[k] = images[k][..., rng.permutation(3)]
        strip = height * 3 // 4
        whole = 0 <= boxes[k, 0] and boxes[k, 0] + boxes[k, 2] <= width  # a close look may cut the number
        if rng.random() < PORTRAIT_RATE and boxes[k, 2] < strip and whole:
            left = int(rng.uniform(max(0, boxes[k, 0] + boxes[k, 2] - strip), min(boxes[k, 0], width - strip) + 1))
            view = np.full_like(images[k], 0.5)
            view[:, :strip] = images[k, :, left : left + strip]
            images[k] = view
            boxes[k, 0] -= left
    gain = rng.uniform(0.6, 1.4, (len(images), 1, 1, 1)).astype(np.float32)
    bias = rng.uniform(-0.15, 0.15, (len(images), 1, 1, 1)).astype(np.float32)
    images = np.clip((images - 0.5) * gain + 0.5 + bias, 0.0, 1.0)
    return images, boxes


def view_repeats(data: dict) -> np.ndarray:
    """How many times each view is seen per epoch: `repeats` when real photos are mixed in, else once."""
    return data["repeats"] if "repeats" in data else np.ones(len(data["boxes"]), np.int64)


def batches(data: dict, batch_size: int, seed: int):
    rng = np.random.default_rng(seed)
    repeats = view_repeats(data)
    while True:
        order = epoch_order(repeats, rng)
        for start in range(0, len(order) - batch_size + 1, batch_size):
            index = np.sort(order[start : start + batch_size])
            images, boxes = augment(data["images"][index], data["boxes"][index], rng)
            yield images, cell_targets(boxes)


def training_dataset(data: dict, batch_size: int, seed: int) -> tf.data.Dataset:
    signature = (
        tf.TensorSpec((batch_size, *LOCALIZER_INPUT_SHAPE), tf.float32),
        tf.TensorSpec((batch_size, *GRID, 6), tf.float32),
    )
    return tf.data.Dataset.from_generator(lambda: batches(data, batch_size, seed), output_signature=signature).prefetch(
        4
    )


def evaluate_on_scenes(localizer, reader, count: int, seed: int, progress: bool = True) -> dict:
    """The page's automatic mode on held-out scenes: the two looks, then the reader on the box found
    and its variants (reader/read.py find_house_number, as the CLI's --find)."""
    from reader.read import find_house_number
    from train.synth import generate_scenes

    ious, right, misses = [], [], []
    for scene in tqdm(generate_scenes(count, seed), desc="held-out scenes", disable=not progress):
        found = find_house_number(scene.image, reader, localizer)
        ious.append(iou(found["box"], scene.box))
        number = found["number"]
        right.append(number == scene.number)
        if number != scene.number and len(misses) < 30:
            misses.append({"true": scene.number, "read": number, "iou": round(ious[-1], 3)})
    ious_arr = np.array(ious)
    return {
        "scenes": count,
        "seed": seed,
        "box_found_iou_0_5": round(float((ious_arr >= 0.5).mean()), 5),
        "median_iou": round(float(np.median(ious_arr)), 4),
        "read_whole": round(float(np.mean(right)), 5),
        "misread_examples": misses,
    }


def mix_real(generated: dict, real_dir: str, passes: int, oversample: int, cache_dir: Path) -> dict:
    """Generated views + the localizer's views of the real training photos, with per-view repeats."""
    from train.real_views import build_real_views

    real = build_real_views(real_dir, cache_dir, "train", passes, REAL_VIEW_SEED)
    print(f"mixed in {len(real['boxes'])} views of real training photos x{oversample} from {real_dir}")
    data, repeats = mix({key: generated[key] for key in ("images", "boxes")}, real, oversample)
    return {**data, "repeats": repeats}


def evaluate_on_real(localizer, real_dir: str, progress: bool = True) -> dict:
    """The two looks on the real validation photos: the share whose box is found (IoU >= 0.5 with the
    union of the digit boxes) and the median IoU. Reading them is train/evaluate_real.py's job."""
    from reader.locate import locate_number
    from reader.read import load_image
    from train.svhn import load_annotations, split_real, union_box

    _, validation = split_real(load_annotations(real_dir))
    ious = []
    for annotation in tqdm(validation, desc="real validation photos", disable=not progress):
        found = locate_number(load_image(Path(real_dir) / annotation.filename), localizer)
        ious.append(iou(found["box"], union_box(annotation.boxes)))
    ious_arr = np.array(ious)
    return {
        "photos": len(validation),
        "box_found_iou_0_5": round(float((ious_arr >= 0.5).mean()), 5),
        "median_iou": round(float(np.median(ious_arr)), 4),
    }


def train(
    scenes: int,
    epochs: int,
    out_dir: Path,
    eval_scenes: int,
    seed: int = SCENE_SEED,
    cache_dir: Path | None = None,
    init_from: Path | None = None,
    peak_lr: float = PEAK_LR,
    real: dict | None = None,
) -> dict:
    """`real`: {dir, passes, oversample} mixes in the real training photos (mix_real)."""
    from train.evaluate import load_keras_reader
    from train.scenes import cached_views

    keras.utils.set_random_seed(seed)
    data = cached_views(scenes, seed, **({"cache_dir": cache_dir} if cache_dir else {}))
    if real:
        data = mix_real(data, real["dir"], real["passes"], real["oversample"], cache_dir or CACHE_DIR)
    distribution = strategy()
    views = int(view_repeats(data).sum())
    batch_size = min(BATCH_SIZE * distribution.num_replicas_in_sync, views)  # smoke runs: tiny
    steps = views // batch_size
    with distribution.scope():
        model = build_localizer()
        if init_from:  # fine-tuning: trained weights, one more warm-up + cosine cycle
            model.set_weights(keras.models.load_model(init_from, compile=False).get_weights())
        schedule = keras.optimizers.schedules.CosineDecay(
            peak_lr / 10, max(1, steps * epochs - steps), warmup_target=peak_lr, warmup_steps=steps
        )
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss=localizer_loss)
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = keras.callbacks.ModelCheckpoint(str(out_dir / "localizer.keras"))
    started = time.perf_counter()
    history = model.fit(
        training_dataset(data, batch_size, seed),
        steps_per_epoch=steps,
        epochs=epochs,
        callbacks=[checkpoint],
        verbose=2 if os.environ.get("CI") else 1,
    )
    train_seconds = time.perf_counter() - started
    model.save(out_dir / "localizer.keras")
    (out_dir / "localizer_history.json").write_text(json.dumps(history.history, indent=1) + "\n")
    figures = {
        "held_out_scenes": evaluate_on_scenes(model, load_keras_reader("house"), eval_scenes, EVAL_SEED),
        "params": int(model.count_params()),
        "epochs": epochs,
        "train_views": views,
        "real_photos": {**real, "dir": str(real["dir"])} if real else None,
        "train_seconds": round(train_seconds, 1),
        "replicas": distribution.num_replicas_in_sync,
        "input_shape": list(LOCALIZER_INPUT_SHAPE),
        "peak_lr": peak_lr,
        "initialized_from": str(init_from) if init_from else None,
    }
    if real:
        figures["real_validation"] = evaluate_on_real(model, real["dir"])
    update_metrics("localizer", figures, out_dir / "metrics.json")
    summary = {k: v for k, v in figures["held_out_scenes"].items() if k != "misread_examples"}
    if real:
        summary["real_validation"] = figures["real_validation"]
    print(json.dumps({"model": "localizer", **summary, "train_seconds": figures["train_seconds"]}))
    return figures


# What train() records of how a model was trained, beside its figures.
TRAINING_RECORD = ("epochs", "train_views", "train_seconds", "replicas", "peak_lr", "initialized_from", "real_photos")


def evaluate(out_dir: Path, eval_scenes: int, real_dir: str | None = None, trained_in: Path | None = None) -> dict:
    """Measure the localizer in out_dir again, on the held-out scenes and (real_dir) the real validation
    photos, into out_dir/metrics.json. trained_in: the run folder it was trained in, whose metrics.json
    (written by train() at the run's end) says how it was trained; that record replaces the one kept."""
    from train.evaluate import load_keras_reader

    localizer = load_keras_reader("localizer", out_dir)
    figures = {
        "held_out_scenes": evaluate_on_scenes(localizer, load_keras_reader("house"), eval_scenes, EVAL_SEED),
        "params": int(localizer.count_params()),
        "input_shape": list(LOCALIZER_INPUT_SHAPE),
    }
    if real_dir:
        figures["real_validation"] = evaluate_on_real(localizer, real_dir)
    if trained_in:  # a run stopped before its end wrote no record: null, never the previous model's
        record = read_metrics(Path(trained_in) / "metrics.json").get("localizer", {})
        figures.update({key: record.get(key) for key in TRAINING_RECORD})
        figures["trained_in"] = str(trained_in)
    update_metrics("localizer", figures, out_dir / "metrics.json")
    summary = {k: v for k, v in figures["held_out_scenes"].items() if k != "misread_examples"}
    print(json.dumps({"model": "localizer", **summary, "real_validation": figures.get("real_validation")}))
    return figures


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the house-number localizer on generated street scenes.")
    parser.add_argument("--scenes", type=int, default=SCENES, help=f"training scenes (default: {SCENES})")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default: {EPOCHS}")
    parser.add_argument("--eval-scenes", type=int, default=EVAL_SCENES, help=f"held out (default: {EVAL_SCENES})")
    parser.add_argument("--out-dir", default=str(MODELS_DIR), help="default: models/")
    parser.add_argument("--cache-dir", help="where rendered views are cached (default: cache/)")
    parser.add_argument("--init-from", help="start from this trained localizer.keras (fine-tuning)")
    parser.add_argument("--lr", type=float, default=PEAK_LR, help=f"peak learning rate (default: {PEAK_LR})")
    parser.add_argument("--real-dir", help="mix in the training photos of this real SVHN folder")
    parser.add_argument("--real-passes", type=int, default=REAL_PASSES, help=f"default: {REAL_PASSES}")
    parser.add_argument("--real-oversample", type=int, default=REAL_OVERSAMPLE, help=f"default: {REAL_OVERSAMPLE}")
    parser.add_argument("--evaluate-only", action="store_true", help="measure the model in --out-dir again")
    parser.add_argument(
        "--trained-in", help="with --evaluate-only: the run folder the model was trained in (its training record)"
    )
    args = parser.parse_args(argv)
    if args.evaluate_only:
        trained_in = Path(args.trained_in) if args.trained_in else None
        evaluate(Path(args.out_dir), args.eval_scenes, args.real_dir, trained_in)
        return 0
    cache_dir = Path(args.cache_dir) if args.cache_dir else None
    init_from = Path(args.init_from) if args.init_from else None
    train(
        args.scenes,
        args.epochs,
        Path(args.out_dir),
        args.eval_scenes,
        cache_dir=cache_dir,
        init_from=init_from,
        peak_lr=args.lr,
        real={"dir": args.real_dir, "passes": args.real_passes, "oversample": args.real_oversample}
        if args.real_dir
        else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
