"""Train the whole-number reader (CTC over strip columns) on composed handwritten numbers.

    python -m train.number_reader                     # the committed model -> models/number_reader.keras
    python -m train.number_reader --evaluate-only     # score the committed model again
    python -m train.number_reader --train-count 500 --val-count 100 --epochs 1 --digits 600 --out-dir /tmp/smoke
    python -m train.number_reader --init-from models/number_reader.keras --paper-count 4000 --train-count 3000 ...
                                                      # fine-tune on clean and paper numbers (train/paper.py)
    python -m train.number_reader --init-from models/number_reader.keras --blend 0.5 --blend-tuned RUN.keras
                                                      # only blend a finished fine-tune with its start (--blend)
    python -m train.number_reader --resume runs/parish5   # go on with a run cut short, with its own settings

Every epoch leaves a checkpoint (the model, its optimizer, the epochs done) in the run's folder: its
--out-dir, or runs/number_reader when it writes models/.

Numbers of 1 to 8 digits are composed from MNIST training digits and pen digits
(train/numbers.py) and cached in cache/; validation numbers come from MNIST training digits
held out of the bank. The browser test set (MNIST *test* digits, tests/numbers.py) is never
seen here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import tf_keras as keras

from reader.number_strip import STRIP_HEIGHT, STRIP_MARGIN, STRIP_WIDTH
from reader.paths import CACHE_DIR, MODELS_DIR, RUNS_DIR
from reader.quiet_tf import import_tensorflow_quietly
from train.blend import blended_model
from train.checkpoints import EpochCheckpoint, load_checkpoint, run_settings, write_run_settings
from train.cli import command
from train.evaluate import update_metrics
from train.models import build_number_reader, context_blocks_off, with_context_blocks
from train.number_accuracy import whole_number_accuracy
from train.numbers import MAX_DIGITS, digit_banks, make_numbers_parallel

tf = import_tensorflow_quietly()

# --- settings: defaults of the committed model ---------------------------------------
TRAIN_COUNT = 30_000
VAL_COUNT = 2_000
EPOCHS = 15
BATCH_SIZE = 64
PEAK_LR = 2e-3
TRAIN_SEED, VAL_SEED, EXTRA_SEED = 1, 2, 3
NUMBERS_VERSION = 1  # bump when the composed numbers change: it is part of the cache file name
STRETCH = (0.85, 1.15)  # each epoch sees every number this much wider or narrower ...
SQUEEZE = (0.9, 1.05)  # ... taller or shorter ...
SHIFT = 2  # ... and moved up to this many px: new views of the same numbers
# ---------------------------------------------------------------------------------------


def ctc_loss(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """y_true packs each number as [length, digit_1 .. digit_8] (train/numbers.py encode_label).

    A label with no digits (a strip with no number, train/not_numbers.py) has one path, blank in every
    frame, so its loss is minus the sum of the blank's log probabilities; TensorFlow's CTC op refuses
    an empty label, so it is given a dummy one-digit label whose loss is then replaced."""
    y_true = tf.cast(y_true, tf.int32)
    batch = tf.shape(y_pred)[0]
    frames = tf.fill([batch, 1], tf.shape(y_pred)[1])
    lengths = y_true[:, :1]
    empty = tf.equal(lengths, 0)
    loss = keras.backend.ctc_batch_cost(y_true[:, 1:], y_pred, frames, tf.maximum(lengths, 1))
    blank = tf.clip_by_value(y_pred[:, :, -1], keras.backend.epsilon(), 1.0)
    all_blank = -tf.reduce_sum(tf.math.log(blank), axis=1, keepdims=True)
    return tf.where(empty, all_blank, loss)


def cached_numbers(bank: list, count: int, seed: int, cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Composed numbers, made once per (count, seed) and kept in cache_dir (minutes to make)."""
    path = Path(cache_dir) / f"numbers_v{NUMBERS_VERSION}_n{count}_s{seed}.npz"
    if path.exists():
        data = np.load(path)
        return data["x"], data["y"]
    x, y = make_numbers_parallel(bank, count, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x=x, y=y)
    return x, y


def distort(strip: tf.Tensor) -> tf.Tensor:
    """float (32, 256, 1) strip -> the same number resized a little and shifted, its ink still whole."""
    columns = tf.where(tf.reduce_max(strip, axis=[0, 2]) > 0.1)
    ink_width = tf.cast(tf.reduce_max(columns) - tf.reduce_min(columns) + 1, tf.float32)
    widest = tf.minimum(STRETCH[1], (STRIP_WIDTH - 2 * STRIP_MARGIN) / ink_width)
    stretch = tf.random.uniform([], STRETCH[0], tf.maximum(widest, STRETCH[0]))
    size = [
        tf.cast(tf.round(STRIP_HEIGHT * tf.random.uniform([], *SQUEEZE)), tf.int32),
        tf.cast(tf.round(STRIP_WIDTH * stretch), tf.int32),
    ]
    resized = tf.image.resize(strip, size, antialias=True)
    padded = tf.image.resize_with_crop_or_pad(resized, STRIP_HEIGHT + 2 * SHIFT, STRIP_WIDTH + 2 * SHIFT)
    return tf.image.random_crop(padded, [STRIP_HEIGHT, STRIP_WIDTH, 1])


class ProgressLine(keras.callbacks.Callback):
    """One line per epoch with the validation whole-number accuracy: the figure that matters; with
    real validation numbers (the parish validation strips), theirs too."""

    def __init__(self, x_val: np.ndarray, y_val: np.ndarray, real: tuple[np.ndarray, np.ndarray] | None = None):
        super().__init__()
        self.x_val, self.y_val, self.real = x_val, y_val, real

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self.started
        line = {
            "epoch": epoch + 1,
            "seconds": round(seconds, 1),
            "loss": round(logs["loss"], 4),
            "val_whole": whole_number_accuracy(self.model, self.x_val, self.y_val)["whole_number_accuracy"],
        }
        if self.real is not None:  # one strip each (24 px), not the CLI's vote: a quick real figure per epoch
            line["parish_val_whole"] = whole_number_accuracy(self.model, *self.real)["whole_number_accuracy"]
        print(json.dumps(line), flush=True)


def starting_model(init_from: Path, context_blocks: int = 0) -> keras.Model:
    """The weights a run starts from, with `context_blocks` new residual blocks (train/models.py
    with_context_blocks: it reads as before until trained)."""
    model = keras.models.load_model(init_from, compile=False)
    return with_context_blocks(model, context_blocks) if context_blocks else model


def blend_start(init_from: Path, tuned: keras.Model, context_blocks: int = 0) -> keras.Model:
    """What a fine-tune is blended with: the model it started from, its new context blocks (if it added
    some) as tuned but switched off (train/models.py context_blocks_off)."""
    model = keras.models.load_model(init_from, compile=False)
    return context_blocks_off(model, tuned) if context_blocks else model


def checkpoint_dir(out_dir: Path) -> Path:
    """Where a run keeps its checkpoints: its output folder, but runs/number_reader when it writes models/."""
    return RUNS_DIR / "number_reader" if Path(out_dir).resolve() == MODELS_DIR.resolve() else Path(out_dir)


def epoch_batches(x: np.ndarray, y: np.ndarray, steps: int, first_epoch: int, distorted: bool) -> tf.data.Dataset:
    """Batches for model.fit(steps_per_epoch=steps): the numbers in a new seeded order each epoch,
    drawn as an unbroken run draws them from `first_epoch` on (a resumed run skips what it has seen)."""
    images, labels = tf.constant(x), tf.constant(y)
    return (
        tf.data.Dataset.range(len(x))
        .shuffle(len(x), seed=TRAIN_SEED, reshuffle_each_iteration=True)
        .repeat()
        .skip(first_epoch * steps * BATCH_SIZE)
        .map(lambda i: (tf.cast(tf.gather(images, i), tf.float32)[..., None] / 255.0, tf.gather(labels, i)))
        .map(lambda x, y: (distort(x) if distorted else x, y), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(BATCH_SIZE)
        .prefetch(2)
    )


def train(
    out_dir: Path,
    train_count: int,
    val_count: int,
    epochs: int,
    cache_dir: Path,
    init_from: Path | None = None,
    digits: int | None = None,
    extra_count: int = 0,
    peak_lr: float = PEAK_LR,
    distorted: bool = True,
    paper_count: int = 0,
    blend: float | None = None,
    parish: bool = False,
    joined: int = 0,
    parish_copies: int = 1,
    context_blocks: int = 0,
    not_numbers: int = 0,
    resume: bool = False,
) -> dict:
    """Train (or, with `resume`, go on with) one run; its settings are what `--resume` reads back."""
    settings = {
        "out_dir": str(out_dir),
        "train_count": train_count,
        "val_count": val_count,
        "epochs": epochs,
        "cache_dir": str(cache_dir),
        "init_from": str(init_from) if init_from else None,
        "digits": digits,
        "extra_count": extra_count,
        "peak_lr": peak_lr,
        "distorted": distorted,
        "paper_count": paper_count,
        "blend": blend,
        "parish": parish,
        "joined": joined,
        "parish_copies": parish_copies,
        "context_blocks": context_blocks,
        "not_numbers": not_numbers,
    }
    folder = checkpoint_dir(out_dir)
    checkpoint = load_checkpoint(folder, {"ctc_loss": ctc_loss}) if resume else None
    if resume and checkpoint is None:
        print(f"no checkpoint in {folder}: the run starts again from its first epoch", flush=True)
    first_epoch, history = (checkpoint[1]["epochs_done"], checkpoint[1]["history"]) if checkpoint else (0, {})
    started = time.perf_counter()
    if paper_count or parish:
        x_train, y_train, x_val, y_val = paper_mix(train_count, paper_count, val_count, cache_dir)
    else:
        banks = digit_banks(cache_dir, limit=digits)
        x_train, y_train = cached_numbers(banks["train"], train_count, TRAIN_SEED, cache_dir)
        if extra_count:
            x_more, y_more = cached_numbers(banks["train"], extra_count, EXTRA_SEED, cache_dir)
            x_train, y_train = np.concatenate([x_train, x_more]), np.concatenate([y_train, y_more])
        x_val, y_val = cached_numbers(banks["validation"], val_count, VAL_SEED, cache_dir)
    real_count, real_val = 0, None
    if parish:  # real handwritten numbers on real ledger paper (train/handwriting.py), all of them
        from train.handwriting import joined_numbers, parish_strips

        x_real, y_real = parish_strips("train", cache_dir)
        real_val = parish_strips("validation", cache_dir)
        x_real, y_real = np.concatenate([x_real] * parish_copies), np.concatenate([y_real] * parish_copies)
        if joined:  # long numbers of real ink: 2-3 parish numbers side by side
            x_long, y_long = joined_numbers(x_real, y_real, joined, TRAIN_SEED, MAX_DIGITS)
            x_real, y_real = np.concatenate([x_real, x_long]), np.concatenate([y_real, y_long])
        x_train, y_train, real_count = np.concatenate([x_train, x_real]), np.concatenate([y_train, y_real]), len(x_real)
    empty_count = 0
    if not_numbers:  # noise, blots, lone dashes and dots: strips to read as nothing (train/not_numbers.py)
        from train.not_numbers import empty_strips

        x_empty, y_empty = empty_strips(not_numbers, TRAIN_SEED, cache_dir)
        x_train, y_train = np.concatenate([x_train, x_empty]), np.concatenate([y_train, y_empty])
        empty_count = len(x_empty)
    print(
        f"numbers ready: {len(x_train)} training, {len(x_val)} validation ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    steps = int(np.ceil(len(x_train) / BATCH_SIZE))
    if checkpoint:
        model = checkpoint[0]  # weights, optimizer state and the schedule's step, as the last epoch left them
        print(f"resuming {folder} after epoch {first_epoch} of {epochs}", flush=True)
    else:
        model = starting_model(init_from, context_blocks) if init_from else build_number_reader()
        schedule = keras.optimizers.schedules.CosineDecay(
            peak_lr / 10, epochs * steps, warmup_target=peak_lr, warmup_steps=epochs * steps // 20
        )
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss=ctc_loss)
        write_run_settings(folder, settings)
    started = time.perf_counter()
    model.fit(
        epoch_batches(x_train, y_train, steps, first_epoch, distorted),
        steps_per_epoch=steps,
        initial_epoch=first_epoch,
        epochs=epochs,
        verbose=2,
        callbacks=[ProgressLine(x_val, y_val, real_val), EpochCheckpoint(folder, settings, history)],
    )
    seconds = time.perf_counter() - started
    if blend is not None:
        model = blended_model(blend_start(init_from, model, context_blocks), model, blend)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "number_reader.keras")
    figures = {
        **whole_number_accuracy(model, x_val, y_val),
        "train_numbers": int(len(x_train)),
        "train_paper_numbers": paper_count,
        "train_parish_numbers": real_count - joined if parish else 0,
        "parish_copies": parish_copies if parish else 0,
        "train_joined_parish_numbers": joined if parish else 0,
        "initialized_from": str(init_from) if init_from else None,
        "peak_lr": peak_lr,
        "distorted": distorted,
        "epochs": epochs,
        "blend": blend,
        "train_seconds": round(seconds, 1),
        "resumed_after_epoch": first_epoch or None,
        "parameters": int(model.count_params()),
        "context_blocks": context_blocks,
        "train_not_numbers": empty_count,
    }
    update_metrics("number_reader", figures, out_dir / "metrics.json")
    return figures


def resume_run(folder: Path) -> dict:
    """Go on with the run whose checkpoints are in `folder`, with the settings it was started with."""
    settings = run_settings(folder)
    for key in ("out_dir", "cache_dir"):
        settings[key] = Path(settings[key])
    settings["init_from"] = Path(settings["init_from"]) if settings["init_from"] else None
    return train(**settings, resume=True)


def paper_mix(
    clean_count: int, paper_count: int, val_count: int, cache_dir: Path
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Canvas and paper numbers from the same training digits (train/paper.py), shuffled together
    by the dataset; validation on clean canvas numbers from digits never trained on."""
    from train.paper import clean_validation_numbers, training_clean_numbers, training_paper_numbers

    x_clean, y_clean = training_clean_numbers(clean_count, cache_dir)
    x_val, y_val = clean_validation_numbers(cache_dir, val_count)
    if not paper_count:  # canvas numbers only (beside real ones, --parish)
        return x_clean, y_clean, x_val, y_val
    x_paper, y_paper = training_paper_numbers(paper_count, cache_dir)
    return np.concatenate([x_clean, x_paper]), np.concatenate([y_clean, y_paper]), x_val, y_val


def blend_finished(
    init_from: Path,
    tuned_path: Path,
    share: float,
    out_dir: Path,
    val_count: int,
    cache_dir: Path,
    context_blocks: int = 0,
) -> dict:
    """--blend on a fine-tune that has already run: the same model the one-step command saves.
    Its training record is the finished run's (metrics.json beside it), with the blend and the
    blended model's figure on the clean validation numbers."""
    from train.paper import clean_validation_numbers

    tuned = keras.models.load_model(tuned_path, compile=False)
    model = blended_model(blend_start(init_from, tuned, context_blocks), tuned, share)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "number_reader.keras")
    record_path = tuned_path.parent / "metrics.json"
    record = json.loads(record_path.read_text()).get("number_reader", {}) if record_path.is_file() else {}
    figures = {
        **record,
        **whole_number_accuracy(model, *clean_validation_numbers(cache_dir, val_count)),
        "initialized_from": str(init_from),
        "blend": share,
        "blend_tuned": str(tuned_path),
        "context_blocks": context_blocks,
    }
    update_metrics("number_reader", figures, out_dir / "metrics.json")
    return figures


def evaluate(out_dir: Path, val_count: int, cache_dir: Path, digits: int | None = None) -> dict:
    model = keras.models.load_model(out_dir / "number_reader.keras", compile=False)
    x_val, y_val = cached_numbers(digit_banks(cache_dir, limit=digits)["validation"], val_count, VAL_SEED, cache_dir)
    figures = whole_number_accuracy(model, x_val, y_val)
    update_metrics("number_reader", figures, out_dir / "metrics.json")
    return figures


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the whole-number reader on composed handwritten numbers.")
    parser.add_argument("--train-count", type=int, default=TRAIN_COUNT, help=f"default: {TRAIN_COUNT}")
    parser.add_argument("--val-count", type=int, default=VAL_COUNT, help=f"default: {VAL_COUNT}")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default: {EPOCHS}")
    parser.add_argument("--out-dir", default=str(MODELS_DIR), help="default: models/")
    parser.add_argument("--cache-dir", default=str(CACHE_DIR), help="default: cache/")
    parser.add_argument("--init-from", help="start from these weights (a .keras file) instead of random ones")
    parser.add_argument(
        "--digits", type=int, help="use only the first N MNIST training digits (smoke runs; default: all)"
    )
    parser.add_argument("--extra-count", type=int, default=0, help="also train on this many more numbers (default: 0)")
    parser.add_argument("--lr", type=float, default=PEAK_LR, help=f"peak learning rate (default: {PEAK_LR})")
    parser.add_argument(
        "--no-distort", action="store_true", help="train on the numbers as composed (default: distorted)"
    )
    parser.add_argument(
        "--paper-count",
        type=int,
        default=0,
        help="also train on this many numbers on paper (train/paper.py), beside --train-count canvas ones (default: 0)",
    )
    parser.add_argument(
        "--parish",
        action="store_true",
        help="also train on every digit-only parish training number: real scans (train/handwriting.py)",
    )
    parser.add_argument(
        "--parish-copies",
        type=int,
        default=1,
        help="with --parish: show each parish number this many times per epoch (default: 1)",
    )
    parser.add_argument(
        "--joined",
        type=int,
        default=0,
        help="with --parish: also this many long numbers of 2-3 parish numbers side by side (default: 0)",
    )
    parser.add_argument(
        "--blend",
        type=float,
        help="save BLEND x the fine-tuned weights + (1 - BLEND) x the --init-from ones (default: the fine-tuned)",
    )
    parser.add_argument(
        "--blend-tuned",
        help="with --blend: blend this finished fine-tune (.keras) with --init-from instead of training",
    )
    parser.add_argument(
        "--context-blocks",
        type=int,
        default=0,
        help="add this many residual blocks of dilated 1-D convs to the --init-from reader, so each frame sees"
        " more of the number; they start as no change (default: 0)",
    )
    parser.add_argument(
        "--not-numbers",
        type=int,
        default=0,
        help="also train on the strips of this many images with no number (noise, blots, lone dashes, dots),"
        " labelled empty, so they are refused (train/not_numbers.py; default: 0)",
    )
    parser.add_argument("--evaluate-only", action="store_true", help="score the saved model and record it")
    parser.add_argument(
        "--resume",
        metavar="RUN",
        help="go on with the run whose checkpoints are in RUN (its --out-dir, or runs/number_reader), as it started",
    )
    args = parser.parse_args(argv)
    if (args.blend is not None or args.blend_tuned) and not args.init_from:
        parser.error("--blend needs --init-from: the weights the fine-tune started from")
    if args.context_blocks and not args.init_from:
        parser.error("--context-blocks needs --init-from: the blocks are added to a trained reader")
    if args.context_blocks < 0:
        parser.error("--context-blocks is a count: 0 or more")
    if args.joined and not args.parish:
        parser.error("--joined needs --parish: long numbers are made of the parish numbers")
    if args.blend_tuned and args.blend is None:
        parser.error("--blend-tuned needs --blend")
    if args.blend is not None and not 0 <= args.blend <= 1:
        parser.error("--blend is a share: from 0 to 1")
    out_dir, cache_dir = Path(args.out_dir), Path(args.cache_dir)
    if args.resume:
        figures = resume_run(Path(args.resume))
    elif args.evaluate_only:
        figures = evaluate(out_dir, args.val_count, cache_dir, args.digits)
    elif args.blend_tuned:
        figures = blend_finished(
            Path(args.init_from),
            Path(args.blend_tuned),
            args.blend,
            out_dir,
            args.val_count,
            cache_dir,
            args.context_blocks,
        )
    else:
        init = Path(args.init_from) if args.init_from else None
        figures = train(
            out_dir,
            args.train_count,
            args.val_count,
            args.epochs,
            cache_dir,
            init,
            args.digits,
            args.extra_count,
            args.lr,
            not args.no_distort,
            args.paper_count,
            args.blend,
            args.parish,
            args.joined,
            args.parish_copies,
            args.context_blocks,
            args.not_numbers,
        )
    print(json.dumps({"model": "number_reader", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
