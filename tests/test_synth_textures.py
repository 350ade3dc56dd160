"""The generator's walls and finishes (train/synth/textures.py): patterned, in range, repeatable."""

from __future__ import annotations

import numpy as np
import pytest

from train.synth.geometry import pixels_to_wall
from train.synth.look import WALLS
from train.synth.textures import fractal_noise, shading, soft, value_noise, wall_texture

SHAPE = (96, 128)
UNIT = 30.0  # digit height in pixels


def wall(kind: str, seed: int) -> np.ndarray:
    rgb = np.array(WALLS[kind][0], dtype=np.float32)
    return wall_texture(kind, np.random.default_rng(seed), rgb, SHAPE, pixels_to_wall(UNIT), UNIT)


@pytest.mark.parametrize("kind", sorted(WALLS))
def test_every_wall_is_an_rgb_image_near_its_colour(kind: str) -> None:
    image = wall(kind, 0)
    assert image.shape == (*SHAPE, 3) and image.dtype == np.float32
    assert np.isfinite(image).all() and image.min() >= 0.0 and image.max() <= 1.6  # glare may overshoot white
    base = np.array(WALLS[kind][0])
    assert np.abs(image.reshape(-1, 3).mean(axis=0) - base).max() < 0.35


@pytest.mark.parametrize("kind", ["brick", "wood", "siding", "foliage"])
def test_patterned_walls_have_a_pattern_plaster_hardly(kind: str) -> None:
    # Bricks, planks, boards and leaves vary across the wall far more than grime on plaster
    # (stone blocks and metal ribs are subtler: their joints are a few pixels in a big surface).
    assert wall(kind, 1).std() > 1.5 * wall("plaster", 1).std()


def test_the_same_seed_paints_the_same_wall_and_another_seed_another() -> None:
    assert np.array_equal(wall("brick", 3), wall("brick", 3))
    assert not np.array_equal(wall("brick", 3), wall("brick", 4))


def test_noise_is_smooth_at_its_cell_size_and_in_range() -> None:
    rng = np.random.default_rng(0)
    coarse, fine = value_noise(rng, SHAPE, 32), value_noise(rng, SHAPE, 2)
    # [0, 1], give or take the upsampling's overshoot at the finest cells
    assert coarse.min() >= -0.15 and coarse.max() <= 1.15 and fine.min() >= -0.15 and fine.max() <= 1.15
    step = lambda a: np.abs(np.diff(a, axis=1)).mean()  # neighbouring pixels differ less in coarse noise
    assert step(coarse) < step(fine) / 3
    detail = fractal_noise(rng, SHAPE, 16)
    assert abs(float(detail.mean())) < 0.15


def test_shading_is_a_ramp_within_its_strength() -> None:
    ramp = shading(SHAPE, np.random.default_rng(2), 0.3)
    assert ramp.shape == SHAPE
    assert ramp.min() >= 0.7 - 1e-6 and ramp.max() <= 1.3 + 1e-6
    assert ramp.max() - ramp.min() > 0.1  # light falls across the surface


def test_a_soft_mask_keeps_its_mass_and_loses_its_edge() -> None:
    mask = np.zeros(SHAPE, np.float32)
    mask[30:60, 40:80] = 1
    blurred = soft(mask, 3.0)
    assert blurred.max() <= 1 and abs(blurred.sum() - mask.sum()) / mask.sum() < 0.05
    assert 0.2 < blurred[30, 60] < 0.8  # the edge is now half-lit
