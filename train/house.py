"""Train the six-head house-number reader: generated street numbers (+ SVHN) -> models/house.keras.

    python -m train.house                              # the committed model's first stages
    python -m train.house --svhn-dir ~/svhn/train      # also mix in a whole real SVHN format 1 split
    python -m train.house --train-count 2000 --val-count 500 --epochs 1 --out-dir /tmp/smoke

Real photos (issue 17): --real-dir mixes in the *training* part of a real SVHN folder (train/svhn.py's
fixed split; its validation photos are never read here), each photo cropped from its annotated box
and from --box-jitter - 1 loose boxes (grown 0-40 % and shifted, as a person draws one), shown
--real-oversample times per epoch; --augment adds what real photos show (low resolution, blur,
colour and contrast). The committed reader was fine-tuned so (the Makefile's train-house tells how):

    python -m train.house --init-from runs/house_stage2/house.keras --real-dir ../shared/data/svhn/train_sample \
        --train-count 16000 --box-jitter 8 --real-oversample 2 --augment --epochs 4 --lr 5e-4 --dropout 0.1

Built under a tf.distribute strategy: the same command uses every GPU a machine has. On several
machines, set TF_CONFIG on each (the same cluster, its own task) and run the same command on all:
MultiWorkerMirroredStrategy then trains one model in step over every worker's devices, each worker
drawing its own batches (seeded by its index), and only the chief (worker 0) writes the model,
history and metrics to --out-dir (the others write to a temporary folder and delete it):

    TF_CONFIG='{"cluster": {"worker": ["gpu1:12345", "gpu2:12345"]}, "task": {"type": "worker", "index": 0}}' \
        python -m train.house --out-dir runs/house          # on gpu1; index 1 on gpu2

--batch-size is per replica, so the global batch (and the learning rate's steps) grow with the
number of devices; give every worker the same data (the cache/ npz files, or the same seeds).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tf_keras as keras

from reader.decode import decode_house_number
from reader.house_crop import HOUSE_CROP, HOUSE_INPUT, HOUSE_OFFSETS, centre_crop
from reader.paths import CACHE_DIR, MODELS_DIR, RUNS_DIR
from reader.quiet_tf import import_tensorflow_quietly
from train import checkpoints
from train.checkpoints import load_checkpoint, run_settings, save_checkpoint, write_run_settings
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
REAL_CROP_SEED = 0  # the jittered boxes of the real training crops (cached under cache/)
COMPOSE_SEED = 0  # the compositions of the real training photos' digits (cached under cache/)
LOW_RES_RATE = 0.3  # with --augment: share of windows shown at a lower resolution
VAL_CHECKED = 2000  # held-out generated crops Keras checks after each epoch
# ---------------------------------------------------------------------------------------


def strategy() -> tf.distribute.Strategy:
    """Several machines (TF_CONFIG set): all workers in step; else mirror over a machine's GPUs when
    there are several; otherwise the default (one device)."""
    if os.environ.get("TF_CONFIG"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def is_chief(tf_config: str | None = None) -> bool:
    """Whether this process writes the results: always on one machine; under TF_CONFIG, the "chief"
    task or, in a cluster without one, worker 0."""
    config = json.loads((tf_config if tf_config is not None else os.environ.get("TF_CONFIG")) or "{}")
    if not config:
        return True
    task = config.get("task", {})
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type", "worker") == "worker" and int(task.get("index", 0)) == 0


def targets(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Labels keyed by head name; the length head's classes are lengths 1..6 shifted to 0..5."""
    out = {"length": data["length"].astype(np.int64) - 1}
    for i, name in enumerate(HOUSE_HEADS[1:]):
        out[name] = data["digits"][:, i].astype(np.int64)
    return out


def random_windows(images: tf.Tensor, labels: dict) -> tuple[tf.Tensor, dict]:
    """uint8 (B, 64, 64, 3) -> float (B, 54, 54, 3): each crop its own random 54x54 window, cut by
    gathering rows and columns (one op per axis for the whole batch, no per-sample loop)."""
    size, slack = tf.shape(images)[0], HOUSE_CROP - HOUSE_INPUT
    offsets = tf.random.uniform([size, 2], 0, slack + 1, tf.int32)
    span = tf.range(HOUSE_INPUT)
    rows = offsets[:, :1] + span  # (B, 54)
    cols = offsets[:, 1:] + span
    windows = tf.gather(tf.gather(images, rows, axis=1, batch_dims=1), cols, axis=2, batch_dims=1)
    return tf.cast(windows, tf.float32) / 255.0, labels


def photo_augment(images: tf.Tensor, labels: dict) -> tuple[tf.Tensor, dict]:
    """float (B, 54, 54, 3) -> the same, looking more like real street photos: each batch a random
    share shown at a lower resolution (a number a dozen pixels high, blurred by the upscaling), and
    every window its own contrast, brightness and saturation (dull light, tinted glass, washed paint)."""
    size = tf.shape(images)[0]
    low = tf.random.uniform([], 14, HOUSE_INPUT, tf.int32)
    blurred = tf.image.resize(tf.image.resize(images, [low, low], antialias=True), [HOUSE_INPUT, HOUSE_INPUT])
    pick = tf.random.uniform([size, 1, 1, 1]) < LOW_RES_RATE
    images = tf.where(pick, blurred, images)
    grey = tf.reduce_mean(images, axis=-1, keepdims=True)
    saturation = tf.random.uniform([size, 1, 1, 1], 0.3, 1.5)
    images = grey + saturation * (images - grey)
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    contrast = tf.random.uniform([size, 1, 1, 1], 0.5, 1.3)
    brightness = tf.random.uniform([size, 1, 1, 1], -0.15, 0.15)
    return tf.clip_by_value((images - mean) * contrast + mean + brightness, 0.0, 1.0), labels


def centre_windows(images: np.ndarray) -> np.ndarray:
    return np.stack([centre_crop(im, HOUSE_INPUT) for im in images]).astype(np.float32) / 255.0


def validation_windows(val_data: dict[str, np.ndarray], count: int = VAL_CHECKED) -> tuple[np.ndarray, dict]:
    """The held-out generated crops Keras checks after each epoch: their centre windows and labels."""
    return centre_windows(val_data["images"][:count]), {k: v[:count] for k, v in targets(val_data).items()}


def steps_per_epoch(repeats: np.ndarray, batch_size: int) -> int:
    """Whole batches in one epoch's draw (each sample `repeats[i]` times); the rest waits for the next."""
    return max(1, int(repeats.sum()) // batch_size)


def training_dataset(
    data: dict[str, np.ndarray],
    batch_size: int,
    seed: int,
    repeats: np.ndarray | None = None,
    augment: bool = False,
    first_epoch: int = 0,
) -> tf.data.Dataset:
    """Training batches made wholly in the graph: no Python on the hot path.

    The uint8 crops sit once in a CPU variable (a graph constant would be copied into every
    function that captures it, and stops at 2 GB); each batch is a gather of indices from an epoch's
    order, then per-sample windows and the augmentation, on the whole batch at once. Epoch e's order is
    a stateless shuffle of the oversampled indices seeded by (seed, e), so a run resumed at
    `first_epoch` draws the very batches an unbroken run would have drawn. `repeats` (one count per
    sample; default 1) oversamples: the real photos are few."""
    repeats = np.ones(len(data["images"]), np.int64) if repeats is None else repeats
    with tf.device("/cpu:0"):
        images = tf.Variable(data["images"], trainable=False, name="training_crops")
    labels = {k: tf.constant(v) for k, v in targets(data).items()}
    pool = tf.constant(np.repeat(np.arange(len(repeats), dtype=np.int64), repeats))
    drawn = steps_per_epoch(repeats, batch_size) * batch_size

    def epoch_indices(epoch: tf.Tensor) -> tf.data.Dataset:
        order = tf.random.experimental.stateless_shuffle(pool, seed=tf.stack([tf.constant(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(order[:drawn])

    def gather(index: tf.Tensor) -> tuple[tf.Tensor, dict]:
        return tf.gather(images, index), {k: tf.gather(v, index) for k, v in labels.items()}

    ds = tf.data.Dataset.range(first_epoch, np.iinfo(np.int64).max).flat_map(epoch_indices)
    ds = ds.batch(batch_size, drop_remainder=True).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.map(random_windows, num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        ds = ds.map(photo_augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def distributed_dataset(distribution: tf.distribute.Strategy, global_batch: int, seed: int, **kwargs):
    """training_dataset per input pipeline (one per worker): per-replica batches, each worker its own
    seed so the workers draw different samples from the same data."""

    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        batch = context.get_per_replica_batch_size(global_batch)
        return training_dataset(batch_size=batch, seed=seed + context.input_pipeline_id, **kwargs)

    return distribution.distribute_datasets_from_function(dataset_fn)


def read_windows(model: keras.Model, images: np.ndarray) -> list[np.ndarray]:
    """uint8 (N, 64, 64, 3) crops -> the six heads, each averaged over the windows the CLI and the
    page read (house_crop.house_windows), one window position at a time to keep memory flat."""
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


def mix(generated: dict, real: dict, oversample: int, repeats: np.ndarray | None = None) -> tuple[dict, np.ndarray]:
    """Crops so far + more crops -> (one dict of arrays, per-sample repeats): the new ones `oversample`
    times, those so far as `repeats` says (default once each)."""
    data = {k: np.concatenate([generated[k], real[k]]) for k in generated}
    before = np.ones(len(generated["images"]), np.int64) if repeats is None else repeats
    return data, np.concatenate([before, np.full(len(real["images"]), oversample, np.int64)])


def load_data(
    train_count: int, val_count: int, svhn_dir: str | None, real: dict | None = None
) -> tuple[dict, dict, np.ndarray]:
    """(training crops, held-out generated crops, per-sample repeats); `real` mixes in real photos:
    {dir, variants, oversample} (load_real)."""
    from train.synth import cached_samples

    train_data = cached_samples(train_count, TRAIN_SEED)
    val_data = cached_samples(val_count, VAL_SEED)
    repeats = None
    if svhn_dir:
        from train.svhn import build_crops

        crops = build_crops(svhn_dir)
        train_data, repeats = mix(train_data, crops, 1)
        print(f"mixed in {len(crops['images'])} SVHN crops from {svhn_dir}")
    if real:
        crops = load_real(real["dir"], "train", real["variants"])
        train_data, repeats = mix(train_data, crops, real["oversample"], repeats)
        print(f"mixed in {len(crops['images'])} real training crops x{real['oversample']} from {real['dir']}")
    if real and real.get("compose"):
        made = load_compositions(real["dir"], real["compose"])
        train_data, repeats = mix(train_data, made, 1, repeats)
        print(f"mixed in {len(made['images'])} compositions of the real training photos' digits (train/compose.py)")
    if repeats is None:
        repeats = np.ones(len(train_data["images"]), np.int64)
    return train_data, val_data, repeats


def load_compositions(directory: str, count: int) -> dict[str, np.ndarray]:
    """`count` numbers spliced from the real training photos' digits (train/compose.py), cached under cache/."""
    from train.compose import cached_compositions

    made = cached_compositions(directory, count, COMPOSE_SEED, CACHE_DIR)
    return {k: made[k] for k in ("images", "length", "digits")}


def load_real(directory: str, part: str, variants: int = 1) -> dict[str, np.ndarray]:
    """Real crops of one part of the fixed split (train/svhn.py), cached under cache/."""
    from train.svhn import build_real_crops

    crops = build_real_crops(directory, CACHE_DIR, part, variants, seed=REAL_CROP_SEED)
    return {k: crops[k] for k in ("images", "length", "digits")}


class RealValidation(keras.callbacks.Callback):
    """After each epoch, the share of real validation numbers read whole from their annotated box
    (the crops evaluate_real reads), logged as real_val_whole: the figure that matters, watched live."""

    def __init__(self, crops: dict[str, np.ndarray]):
        super().__init__()
        self.crops = crops

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        figure = whole_number_accuracy(self.model, self.crops)["whole_number_accuracy"]
        print(f"epoch {epoch + 1}: real validation read whole {figure * 100:.2f} %", flush=True)
        if logs is not None:
            logs["real_val_whole"] = figure


def compile_reader(model: keras.Model, peak_lr: float, steps: int, epochs: int) -> None:
    """Adam on one warm-up epoch then a cosine decay over the rest; a loss and an accuracy per head."""
    schedule = keras.optimizers.schedules.CosineDecay(
        peak_lr / 10, max(1, steps * epochs - steps), warmup_target=peak_lr, warmup_steps=steps
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss={name: "sparse_categorical_crossentropy" for name in HOUSE_HEADS},
        metrics={name: "accuracy" for name in HOUSE_HEADS},
    )


def checkpoint_dir(out_dir: Path) -> Path:
    """Where a run keeps its checkpoints: beside its output, but under runs/ when it writes models/."""
    return RUNS_DIR / "house" if Path(out_dir).resolve() == MODELS_DIR.resolve() else Path(out_dir)


class EpochCheckpoint(checkpoints.EpochCheckpoint):
    """The shared per-epoch checkpoint; a non-chief worker saves into a scratch folder, in step."""

    def save(self, state: dict) -> None:
        if is_chief():
            super().save(state)
        else:
            with tempfile.TemporaryDirectory() as scratch:
                save_checkpoint(self.model, Path(scratch), state)


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
    real: dict | None = None,
    augment: bool = False,
    batch_per_replica: int = BATCH_SIZE,
    resume: bool = False,
) -> dict:
    """Train (or, with `resume`, go on with) one run; its settings are what `--resume` reads back."""
    settings = {
        "train_count": train_count,
        "val_count": val_count,
        "epochs": epochs,
        "out_dir": str(out_dir),
        "svhn_dir": svhn_dir,
        "seed": seed,
        "init_from": str(init_from) if init_from else None,
        "peak_lr": peak_lr,
        "dropout": dropout,
        "real": real,
        "augment": augment,
        "batch_per_replica": batch_per_replica,
    }
    out_dir, folder = Path(out_dir), checkpoint_dir(Path(out_dir))
    distribution = strategy()  # first: MultiWorkerMirroredStrategy must come before other TF work
    keras.utils.set_random_seed(seed)
    train_data, val_data, repeats = load_data(train_count, val_count, svhn_dir, real)
    batch_size = batch_per_replica * distribution.num_replicas_in_sync
    steps = steps_per_epoch(repeats, batch_size)
    checkpoint = load_checkpoint(folder) if resume else None
    if resume and checkpoint is None:
        print(f"no checkpoint in {folder}: the run starts again from its first epoch", flush=True)
    first_epoch, history = (checkpoint[1]["epochs_done"], checkpoint[1]["history"]) if checkpoint else (0, {})
    with distribution.scope():
        if checkpoint:
            model = checkpoint[0]  # weights, optimizer state and the schedule's step, as the epoch left them
            print(f"resuming {folder} after epoch {first_epoch} of {epochs}", flush=True)
        else:
            model = build_house_reader(dropout=dropout)
            if init_from:
                # Fine-tuning: start from trained weights and run one more warm-up + cosine cycle.
                model.set_weights(keras.models.load_model(init_from).get_weights())
            compile_reader(model, peak_lr, steps, epochs)
    model.summary(print_fn=print)
    val_inputs, val_targets = validation_windows(val_data)
    out_dir.mkdir(parents=True, exist_ok=True)
    if is_chief() and not checkpoint:
        write_run_settings(folder, settings)
    # The live real figure first, so the checkpoint's history holds it too.
    callbacks: list[keras.callbacks.Callback] = []
    if real and distribution.num_replicas_in_sync == 1:  # a live figure costs a predict; one device only
        callbacks.append(RealValidation(load_real(real["dir"], "val")))
    callbacks.append(EpochCheckpoint(folder, settings, history))
    data = {"data": train_data, "repeats": repeats, "augment": augment, "first_epoch": first_epoch}
    started = time.perf_counter()
    model.fit(
        distributed_dataset(distribution, batch_size, seed, **data),
        steps_per_epoch=steps,
        initial_epoch=first_epoch,
        epochs=epochs,
        validation_data=(val_inputs, val_targets),
        callbacks=callbacks,
        verbose=2 if os.environ.get("CI") else 1,
    )
    train_seconds = time.perf_counter() - started
    if not is_chief():
        # Every worker saves (saving may need them all in step); only the chief's copy is kept.
        with tempfile.TemporaryDirectory() as scratch:
            model.save(Path(scratch) / "house.keras")
        return {}
    model.save(out_dir / "house.keras")
    # Under several workers the trained model's predict would wait for the others: read a plain copy.
    reader = keras.models.load_model(out_dir / "house.keras", compile=False) if os.environ.get("TF_CONFIG") else model
    (out_dir / "house_history.json").write_text(json.dumps(history, indent=1) + "\n")
    figures = {
        "held_out_generated": whole_number_accuracy(reader, val_data),
        "params": int(model.count_params()),
        "epochs": epochs,
        "train_images": len(train_data["images"]),
        "train_seconds": round(train_seconds, 1),
        "resumed_after_epoch": first_epoch or None,
        "replicas": distribution.num_replicas_in_sync,
        "input_shape": list(HOUSE_INPUT_SHAPE),
        "svhn_mixed_in": bool(svhn_dir),
        "real_mixed_in": real,
        "augment": augment,
        "peak_lr": peak_lr,
        "dropout": dropout,
        "initialized_from": str(init_from) if init_from else None,
    }
    update_metrics("house", figures, out_dir / "metrics.json")
    summary = {k: figures["held_out_generated"][k] for k in ("whole_number_accuracy", "count", "accuracy_by_length")}
    print(json.dumps({"model": "house", **summary, "train_seconds": figures["train_seconds"]}))
    return figures


def resume_run(folder: Path) -> dict:
    """Go on with the run whose checkpoints are in `folder`, with the settings it was started with."""
    settings = run_settings(folder)
    settings["out_dir"] = Path(settings["out_dir"])
    settings["init_from"] = Path(settings["init_from"]) if settings["init_from"] else None
    return train(**settings, resume=True)


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
        "--real-dir", help="a real SVHN folder (train/svhn.py's split): mix in its training photos (default: none)"
    )
    parser.add_argument(
        "--box-jitter",
        type=int,
        default=1,
        help="crops per real photo: the annotated box + N-1 loose ones (default: 1)",
    )
    parser.add_argument("--real-oversample", type=int, default=1, help="real crops per epoch, times (default: 1)")
    parser.add_argument(
        "--compose",
        type=int,
        default=0,
        help="with --real-dir: also N numbers spliced from its training photos' digits (train/compose.py; default: 0)",
    )
    parser.add_argument("--augment", action="store_true", help="low resolution, blur, colour (default: off)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"per replica (default: {BATCH_SIZE})")
    parser.add_argument(
        "--resume",
        metavar="RUN",
        help="go on with the run whose checkpoints are in RUN (e.g. runs/house_real), with its own settings",
    )
    parser.add_argument(
        "--evaluate-only", action="store_true", help="measure the trained model in --out-dir again; no training"
    )
    args = parser.parse_args(argv)
    real = None
    if args.real_dir:
        real = {
            "dir": args.real_dir,
            "variants": args.box_jitter,
            "oversample": args.real_oversample,
            "compose": args.compose,
        }
    if args.evaluate_only:
        evaluate(Path(args.out_dir), args.val_count)
        return 0
    if args.resume:
        resume_run(Path(args.resume))
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
        real=real,
        augment=args.augment,
        batch_per_replica=args.batch_size,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
