"""Homographies: the wall turned away from the camera, the crop box a person would draw, and the warp into the view."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """3x3 rotation (degrees): the wall turned about the vertical, tilted back, then the camera rolled."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def view_homography(centre: np.ndarray, unit: float, angles: tuple[float, float, float], distance: float) -> np.ndarray:
    """Sign pixels -> view pixels (origin at the sign's centre) of a pinhole camera `distance` units away.

    The focal length equals the distance, so the centre keeps its scale and only the turn foreshortens.
    """
    to_plane = np.array([[1 / unit, 0, -centre[0] / unit], [0, 1 / unit, -centre[1] / unit], [0, 0, 1]])
    r = rotation(*angles)
    plane_to_camera = np.column_stack([r[:, 0], r[:, 1], [0, 0, distance]])
    camera = np.diag([distance * unit, distance * unit, 1.0])
    return camera @ plane_to_camera @ to_plane


def apply_homography(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n, 2) points through a 3x3 homography."""
    p = np.column_stack([points, np.ones(len(points))]) @ h.T
    return p[:, :2] / p[:, 2:3]


def box_corners(boxes: np.ndarray) -> np.ndarray:
    """(n, 4) boxes -> (4n, 2) corners."""
    x0, y0, x1, y1 = boxes.T
    return np.stack([np.column_stack(c) for c in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))], axis=1).reshape(-1, 2)


def random_angles(rng: np.random.Generator, hard: bool) -> tuple[tuple[float, float, float], float]:
    """Yaw, pitch, roll (degrees) and camera distance (in digit heights): mostly mild, sometimes steep."""
    steep = hard or rng.random() < 0.12
    yaw = rng.normal(0, 25 if steep else 12)
    pitch = rng.normal(0, 15 if steep else 7)
    roll = rng.normal(0, 9 if steep else 3)
    yaw, pitch, roll = np.clip([yaw, pitch, roll], [-55, -35, -25], [55, 35, 25])
    return (float(yaw), float(pitch), float(roll)), float(rng.uniform(6, 40))


def crop_box(union: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A person's box around the number: grown by 10-50 % and off-centre, but holding all of it.

    A lone 1 is boxed at least 0.6 digit heights wide, as a person would box it; its bare ink box,
    squeezed to a square, would stretch it into a slab.
    """
    w, h = max(union[2] - union[0], 0.6 * (union[3] - union[1])), union[3] - union[1]
    grow_x = rng.uniform(0.1, 0.5)
    grow_y = float(np.clip(grow_x + rng.normal(0, 0.1), 0.1, 0.5))
    spare_x, spare_y = w * grow_x / 2, h * grow_y / 2
    dx, dy = rng.uniform(-0.8, 0.8) * spare_x, rng.uniform(-0.8, 0.8) * spare_y
    cx, cy = (union[0] + union[2]) / 2 + dx, (union[1] + union[3]) / 2 + dy
    half_w, half_h = w * (1 + grow_x) / 2, h * (1 + grow_y) / 2
    return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def box_to_square(box: np.ndarray, size: int) -> np.ndarray:
    """Affine 3x3 taking a box to (0, 0)-(size, size): the squeeze of the reference design."""
    sx, sy = size / (box[2] - box[0]), size / (box[3] - box[1])
    return np.array([[sx, 0, -box[0] * sx], [0, sy, -box[1] * sy], [0, 0, 1]])


def warp(layers: Image.Image, h: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Sign masks -> view masks float32 (H, W, 4) in [0, 1], through the homography h (sign -> view)."""
    inverse = np.linalg.inv(h)
    inverse /= inverse[2, 2]
    warped = layers.transform(size, Image.PERSPECTIVE, tuple(inverse.ravel()[:8]), Image.BILINEAR)
    return np.asarray(warped, dtype=np.float32) / 255.0


@lru_cache(maxsize=16)
def pixel_grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates (float32) of every pixel; read-only and shared."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    ys.flags.writeable = xs.flags.writeable = False
    return ys, xs


def wall_coordinates(shape: tuple[int, int], to_wall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's place on the wall, in digit heights, through an affine 3x3: bricks line up with the sign."""
    ys, xs = pixel_grid(shape)
    m = to_wall.astype(np.float32)
    return m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]


def wall_affine(to_view: np.ndarray, at: tuple[float, float], height: float) -> np.ndarray:
    """View pixels -> wall coordinates (digit heights), linearised at one point of the view.

    The exact homography would squeeze the wall to a vanishing line far from the sign, where
    stripes alias into moire; near the sign the two agree.
    """
    back = np.linalg.inv(to_view)
    x, y = at
    p0, px, py = apply_homography(back, np.array([[x, y], [x + 1, y], [x, y + 1]], np.float64))
    linear = np.column_stack([px - p0, py - p0])
    offset = p0 - linear @ np.array([x, y])
    return np.vstack([np.column_stack([linear, offset]) / height, [0, 0, 1]])


def pixels_to_wall(unit: float) -> np.ndarray:
    """The map of a wall seen straight on, `unit` pixels per digit height."""
    return np.diag([1 / unit, 1 / unit, 1.0])
