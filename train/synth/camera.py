"""The photograph: occluders in front of the sign, light and shadow, low resolution, blur, noise and JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from train.synth.geometry import pixel_grid
from train.synth.look import WALLS, jitter_colour, pick, weighted
from train.synth.textures import shading, white_noise


def occluder(kind: str, rng: np.random.Generator, shape: tuple[int, int], unit: float) -> tuple[Image.Image, tuple]:
    """The mask and base colour of something in front of the sign."""
    h, w = shape
    mask = Image.new("L", (w, h))
    draw = ImageDraw.Draw(mask)
    if kind == "leaves":  # a sprig reaching in from one edge
        vertical = rng.random() < 0.5
        edge = pick(rng, (0.0, 1.0))
        for _ in range(int(rng.integers(3, 9))):
            along, depth = rng.uniform(0, 1), abs(edge - rng.uniform(0, 0.3))
            x, y = (depth * w, along * h) if vertical else (along * w, depth * h)
            r = unit * rng.uniform(0.1, 0.3)
            draw.ellipse([x - r, y - r * 0.6, x + r, y + r * 0.6], fill=255)
        return mask, pick(rng, WALLS["foliage"])
    if kind == "cable":  # a cable or twig from one edge to the opposite one
        ends = rng.uniform(0, 1, 2)
        points = [(ends[0] * w, 0), (ends[1] * w, h)] if rng.random() < 0.5 else [(0, ends[0] * h), (w, ends[1] * h)]
        draw.line(points, fill=255, width=max(1, round(unit * rng.uniform(0.03, 0.08))))
        return mask, (0.1, 0.09, 0.08)
    width = unit * rng.uniform(0.15, 0.6)  # a pole or door frame at one side
    x = rng.uniform(-width, 0.15 * w) if rng.random() < 0.5 else rng.uniform(0.85 * w - width, w)
    draw.rectangle([x, 0, x + width, h], fill=255)
    return mask, pick(rng, ((0.3, 0.3, 0.3), (0.9, 0.9, 0.88), (0.45, 0.3, 0.2)))


def occlude(image: np.ndarray, digits: np.ndarray, rng: np.random.Generator, unit: float) -> np.ndarray:
    """Now and then leaves, a cable or a pole in front, never hiding much of the number."""
    if rng.random() > 0.14:
        return image
    mask, colour = occluder(weighted(rng, {"leaves": 0.45, "cable": 0.3, "pole": 0.25}), rng, digits.shape, unit)
    cover = np.asarray(mask, dtype=np.float32) / 255.0
    hidden = float((cover * digits).sum() / max(1.0, digits.sum()))
    if hidden > 0.12:  # a person must still read every digit
        return image
    body = jitter_colour(rng, colour) * shading(digits.shape, rng, 0.2)[..., None]
    return image + (body - image) * cover[..., None]


def light(image: np.ndarray, rng: np.random.Generator, unit: float) -> np.ndarray:
    """Exposure, white balance, light falling off across the frame and, sometimes, a cast shadow or glare."""
    shape = image.shape[:2]
    # Exposure stays below 1.15: more would clip light plates to white and wipe out their digits.
    gain = float(np.clip(rng.lognormal(0, 0.18), 0.6, 1.15)) * rng.normal(1, 0.05, 3).astype(np.float32)
    out = image * gain * shading(shape, rng, rng.uniform(0, 0.3))[..., None]
    if rng.random() < 0.2:  # the edge of a roof's or a tree's shadow
        ys, xs = pixel_grid(shape)
        angle, offset = rng.uniform(0, 2 * np.pi), rng.uniform(-0.3, 0.3) * max(shape)
        across = (xs - shape[1] / 2) * np.cos(angle) + (ys - shape[0] / 2) * np.sin(angle) - offset
        edge = 1 / (1 + np.exp(-across / max(1.0, unit * rng.uniform(0.02, 0.3))))
        depth = rng.uniform(0.3, 0.6)
        out = out * (1 - depth * edge[..., None] * np.array([1.0, 0.97, 0.9], np.float32))
    if rng.random() < 0.05:  # a glint of sun or flash
        ys, xs = pixel_grid(shape)
        cx, cy, r = rng.uniform(0, shape[1]), rng.uniform(0, shape[0]), unit * rng.uniform(0.3, 1.0)
        out = out + rng.uniform(0.15, 0.4) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r))[..., None]
    return out


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def camera(
    image: np.ndarray,
    rng: np.random.Generator,
    size: tuple[int, int],
    min_width: int,
    blur_scale: float,
    mild: bool = False,
) -> np.ndarray:
    """float RGB -> uint8 (size[1], size[0], 3): low resolution, focus blur, sensor noise and JPEG, mild in most photos.

    Blur sigmas are in 64x64-crop pixels, times blur_scale for larger images. mild: a low-contrast
    sample, which gets no heavy blur, low resolution or noise on top (a person must still read it).
    """
    w, h = size
    out = Image.fromarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8))
    if out.size != size:
        out = out.resize(size, Image.BOX)
    small = rng.random() < (0.0 if mild else 0.35)
    if small:  # the number was small in the photo: few pixels, then scaled up
        factor = rng.uniform(0.4, 0.85)
        low = (max(min_width, round(w * factor)), max(16, round(h * factor * rng.uniform(0.8, 1.2))))
        out = out.resize((min(w, low[0]), min(h, low[1])), Image.BILINEAR).resize((w, h), Image.BILINEAR)
    # Out of focus, but not on top of low resolution: the two together leave nothing to read.
    sigma = rng.uniform(0.7, 1.4) if rng.random() < (0.0 if mild or small else 0.12) else rng.uniform(0, 0.7)
    if sigma > 0.25:
        out = out.filter(ImageFilter.GaussianBlur(float(sigma * blur_scale)))
    noise_level = rng.uniform(0.02, 0.05) if rng.random() < (0.0 if mild else 0.1) else rng.uniform(0, 0.02)
    noise = white_noise(rng, (h, w, 3)) * (noise_level * 255)
    out = Image.fromarray(np.clip(np.asarray(out, dtype=np.float32) + noise + 0.5, 0, 255).astype(np.uint8))
    if rng.random() < 0.65:
        out = jpeg(out, int(rng.integers(30, 96)))
    return np.asarray(out, dtype=np.uint8)
