"""Training the house reader on two cores (issue 24): batches made in the graph, runs that resume, and the
benchmark that says where the time goes."""

import json
from collections import Counter

import numpy as np

from train.house import HOUSE_CROP, HOUSE_INPUT, steps_per_epoch, training_dataset
from train.models import HOUSE_HEADS


def numbered_crops(count: int) -> dict[str, np.ndarray]:
    """Crops whose pixels say where they are: red = row * 4, green = column * 4, blue = the crop's index."""
    rows, cols = np.meshgrid(np.arange(HOUSE_CROP), np.arange(HOUSE_CROP), indexing="ij")
    images = np.empty((count, HOUSE_CROP, HOUSE_CROP, 3), np.uint8)
    images[..., 0], images[..., 1] = rows * 4, cols * 4
    images[..., 2] = np.arange(count)[:, None, None]
    digits = np.full((count, 5), 10)
    digits[:, 0] = np.arange(count) % 10
    return {"images": images, "length": np.ones(count, np.int64), "digits": digits}


def drawn_indices(dataset, batches: int) -> list[list[int]]:
    """The crop index of every window in the first `batches` batches."""
    return [np.round(images[:, 0, 0, 2].numpy() * 255).astype(int).tolist() for images, _ in dataset.take(batches)]


def test_an_epoch_draws_each_crop_as_often_as_its_repeats_and_its_labels_with_it():
    data = numbered_crops(12)
    repeats = np.array([1] * 8 + [3] * 4)
    steps = steps_per_epoch(repeats, 4)
    assert steps == 5
    epoch = training_dataset(data, batch_size=4, seed=3, repeats=repeats)
    drawn = Counter(i for batch in drawn_indices(epoch, steps) for i in batch)
    assert [drawn[i] for i in range(12)] == repeats.tolist()
    for images, labels in epoch.take(3):
        index = np.round(images[:, 0, 0, 2].numpy() * 255).astype(int)
        assert (labels["digit_1"].numpy() == index % 10).all()


def test_a_resumed_run_draws_the_batches_an_unbroken_run_would():
    data = numbered_crops(16)
    unbroken = drawn_indices(training_dataset(data, batch_size=4, seed=5), 12)  # three epochs
    resumed = drawn_indices(training_dataset(data, batch_size=4, seed=5, first_epoch=1), 8)
    assert resumed == unbroken[4:]
    assert unbroken[:4] != unbroken[4:8]  # each epoch its own order


def test_every_crop_in_a_batch_gets_its_own_window():
    images, _ = next(iter(training_dataset(numbered_crops(64), batch_size=64, seed=1)))
    windows = np.round(images.numpy() * 255).astype(int)
    assert windows.shape == (64, HOUSE_INPUT, HOUSE_INPUT, 3)
    tops, lefts = windows[:, 0, 0, 0] // 4, windows[:, 0, 0, 1] // 4
    # Each window is a whole 54x54 piece of its crop: rows and columns run on from its corner.
    assert (windows[:, :, 0, 0] // 4 == tops[:, None] + np.arange(HOUSE_INPUT)).all()
    assert (windows[:, 0, :, 1] // 4 == lefts[:, None] + np.arange(HOUSE_INPUT)).all()
    assert max(tops) <= HOUSE_CROP - HOUSE_INPUT and max(lefts) <= HOUSE_CROP - HOUSE_INPUT
    assert len(set(zip(tops, lefts))) > 16  # not one window position for the whole batch


def test_a_run_resumes_from_its_checkpoint_and_starts_again_when_it_is_gone(tmp_path, capsys):
    import tf_keras as keras

    from train.checkpoints import CHECKPOINT_MODEL, CHECKPOINT_STATE
    from train.house import resume_run, train

    figures = train(train_count=256, val_count=64, epochs=1, out_dir=tmp_path, batch_per_replica=64)
    held_out = figures["held_out_generated"]
    assert held_out["count"] == 64 and 0.0 <= held_out["whole_number_accuracy"] <= 1.0
    assert set(held_out["per_head_accuracy"]) == set(HOUSE_HEADS)
    recorded = json.loads((tmp_path / "metrics.json").read_text())["house"]
    assert recorded["held_out_generated"] == held_out and recorded["replicas"] >= 1
    assert (tmp_path / "house.keras").is_file() and (tmp_path / "house_history.json").is_file()
    saved = keras.models.load_model(tmp_path / CHECKPOINT_MODEL)
    assert int(saved.optimizer.iterations.numpy()) == 4  # the optimizer's state is in the checkpoint
    # As if the run had been asked for two epochs and stopped after its first.
    state = json.loads((tmp_path / CHECKPOINT_STATE).read_text())
    state["settings"]["epochs"] = 2
    (tmp_path / CHECKPOINT_STATE).write_text(json.dumps(state))

    figures = resume_run(tmp_path)
    assert "resuming" in capsys.readouterr().out
    assert figures["resumed_after_epoch"] == 1 and figures["epochs"] == 2
    state = json.loads((tmp_path / CHECKPOINT_STATE).read_text())
    assert state["epochs_done"] == 2 and len(state["history"]["loss"]) == 2
    assert int(keras.models.load_model(tmp_path / CHECKPOINT_MODEL).optimizer.iterations.numpy()) == 8

    (tmp_path / CHECKPOINT_MODEL).unlink()
    state["settings"]["epochs"] = 1  # (one epoch is enough to see it start again)
    (tmp_path / CHECKPOINT_STATE).write_text(json.dumps(state))
    figures = resume_run(tmp_path)
    assert "the run starts again from its first epoch" in capsys.readouterr().out
    assert figures["resumed_after_epoch"] is None


def test_resuming_nothing_is_a_clear_error(tmp_path, capsys):
    from train.house import main

    assert main(["--resume", str(tmp_path)]) == 1
    assert "nothing to resume" in capsys.readouterr().err


def test_the_training_benchmark_prints_the_three_rates(capsys):
    from bench.training import main

    assert main(["--train-count", "256", "--val-count", "64", "--real-dir", "", "--steps", "2"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rates = figures["samples_per_second"]
    assert set(rates) == {"model_alone", "pipeline_alone", "together", "all_told"}
    assert all(rate > 0 for rate in rates.values()) and rates["all_told"] <= rates["together"]
