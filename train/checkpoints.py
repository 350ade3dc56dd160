"""Per-epoch checkpoints that let a training run go on in another session (`--resume`).

A run's folder holds checkpoint.keras (the model with its optimizer state, so the learning-rate
schedule and Adam's moments go on where they were) and checkpoint.json (epochs done, the run's
settings, the history so far), and run.json (the settings, written when the run starts, so a run cut in
its first epoch resumes too). Used by train/house.py, train/number_reader.py and train/stroke_reader.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import tf_keras as keras

CHECKPOINT_MODEL = "checkpoint.keras"  # the latest epoch's model and optimizer, in the run's folder
CHECKPOINT_STATE = "checkpoint.json"  # epochs done, the run's settings, the history so far
RUN_SETTINGS = "run.json"  # the settings, written when a run starts (a run cut in its first epoch resumes from it)


def save_checkpoint(model: keras.Model, folder: Path, state: dict) -> None:
    """The model with its optimizer state, then the run's position (epochs done, settings, history so far).
    Each file is written aside and renamed, so a run killed mid-save leaves the previous checkpoint whole."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{CHECKPOINT_MODEL}.{os.getpid()}.tmp.keras"
    model.save(partial)
    os.replace(partial, folder / CHECKPOINT_MODEL)
    partial_state = folder / f"{CHECKPOINT_STATE}.tmp"
    partial_state.write_text(json.dumps(state, indent=1) + "\n")
    os.replace(partial_state, folder / CHECKPOINT_STATE)


def load_checkpoint(folder: Path, custom_objects: dict | None = None) -> tuple[keras.Model, dict] | None:
    """(the model with its optimizer, the saved state), or None when the folder holds no whole checkpoint.
    custom_objects: what the model was compiled with that Keras does not know (a custom loss)."""
    model_file, state_file = folder / CHECKPOINT_MODEL, folder / CHECKPOINT_STATE
    if not (model_file.is_file() and state_file.is_file()):
        return None
    return keras.models.load_model(model_file, custom_objects=custom_objects), json.loads(state_file.read_text())


def write_run_settings(folder: Path, settings: dict) -> None:
    """The settings a run starts with, before its first epoch ends."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN_SETTINGS).write_text(json.dumps(settings, indent=1) + "\n")


def run_settings(folder: Path) -> dict:
    """The settings of the run in `folder`: its last checkpoint's, else those it started with. Raises
    FileNotFoundError when it holds neither: there is nothing to resume."""
    state_file, settings_file = Path(folder) / CHECKPOINT_STATE, Path(folder) / RUN_SETTINGS
    if state_file.is_file():
        return json.loads(state_file.read_text())["settings"]
    if settings_file.is_file():
        return json.loads(settings_file.read_text())
    raise FileNotFoundError(f"{folder} holds no {CHECKPOINT_STATE} or {RUN_SETTINGS}: nothing to resume")


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch: the model, its optimizer and the data position under the run's folder, so
    `--resume` goes on from the next epoch. `history` (the resumed run's, or {}) grows by each epoch's logs."""

    def __init__(self, folder: Path, settings: dict, history: dict):
        super().__init__()
        self.folder, self.settings, self.history = folder, settings, history

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.save({"epochs_done": epoch + 1, "settings": self.settings, "history": self.history})

    def save(self, state: dict) -> None:
        save_checkpoint(self.model, self.folder, state)
