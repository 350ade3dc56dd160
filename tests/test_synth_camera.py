"""The generator's photograph (train/synth/camera.py): a bad camera, but one a person can still read."""

from __future__ import annotations

import numpy as np
from PIL import Image

from train.synth.camera import camera, jpeg, light, occlude

SIZE = (64, 64)


def sign(size: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """A light plate with a dark bar across it (float RGB) and the bar's mask: something to photograph."""
    image = np.full((size, size, 3), 0.9, np.float32)
    digits = np.zeros((size, size), np.float32)
    digits[30:66, 40:56] = 1
    image[digits > 0] = 0.1
    return image, digits


def test_the_camera_gives_uint8_at_the_crop_size_and_keeps_the_contrast() -> None:
    image, digits = sign()
    for seed in range(20):
        photo = camera(image, np.random.default_rng(seed), SIZE, 24, 1.0)
        assert photo.shape == (64, 64, 3) and photo.dtype == np.uint8
        bar, plate = photo[22:42, 28:36].mean(), photo[5:15, 5:15].mean()
        assert plate - bar > 60, seed  # blur, noise and JPEG never wash the digit out


def test_the_same_seed_takes_the_same_photo() -> None:
    image, _ = sign()
    one = camera(image, np.random.default_rng(7), SIZE, 24, 1.0)
    assert np.array_equal(one, camera(image, np.random.default_rng(7), SIZE, 24, 1.0))


def test_mild_photos_are_sharper_than_the_rest_on_average() -> None:
    image, _ = sign()
    edge = lambda photo: np.abs(np.diff(photo.astype(np.float32).mean(axis=2), axis=1)).max()
    mild = np.mean([edge(camera(image, np.random.default_rng(s), SIZE, 24, 1.0, mild=True)) for s in range(30)])
    rough = np.mean([edge(camera(image, np.random.default_rng(s), SIZE, 24, 1.0)) for s in range(30)])
    assert mild >= rough


def test_jpeg_quality_costs_detail() -> None:
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    error = lambda q: np.abs(np.asarray(jpeg(noisy, q), np.float32) - np.asarray(noisy, np.float32)).mean()
    assert error(30) > error(95)
    assert jpeg(noisy, 50).size == noisy.size and jpeg(noisy, 50).mode == "RGB"


def test_light_changes_the_exposure_but_keeps_the_picture() -> None:
    image, _ = sign()
    lit = light(image, np.random.default_rng(3), 30.0)
    assert lit.shape == image.shape and np.isfinite(lit).all()
    assert np.corrcoef(lit.mean(axis=2).ravel(), image.mean(axis=2).ravel())[0, 1] > 0.8


def test_occluders_never_hide_much_of_the_number() -> None:
    image, digits = sign()
    occluded = 0
    for seed in range(200):
        covered = occlude(image.copy(), digits, np.random.default_rng(seed), 30.0)
        changed = np.abs(covered - image).max(axis=2) > 0.05
        occluded += changed.any()
        assert changed[digits > 0].mean() < 0.25, seed
    assert 5 <= occluded <= 60  # now and then (about one photo in seven is tried), not never
