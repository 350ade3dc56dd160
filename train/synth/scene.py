"""One sample: look -> sign -> geometry -> paint on a textured wall -> camera; a crop, or a whole street scene."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from reader.house_crop import HOUSE_CROP  # crops are 64x64 RGB uint8, as SVHN's crops for the reader
from train.fonts import font_at
from train.synth.camera import camera, light, occlude
from train.synth.geometry import (
    apply_homography,
    box_corners,
    box_to_square,
    crop_box,
    pixels_to_wall,
    random_angles,
    view_homography,
    wall_affine,
    wall_coordinates,
    warp,
)
from train.synth.look import (
    CLUTTER_FONTS,
    INK_DARK,
    INK_LIGHT,
    PLATE_LIGHT,
    WALLS,
    Look,
    jitter_colour,
    pick,
    random_look,
    random_words,
    weighted,
)
from train.synth.sign import draw_sign, glyph_height, text_size
from train.synth.textures import finish, glass, leaves, shading, shifted, soft, wall_texture, wood

LENGTH_WEIGHTS = {1: 0.15, 2: 0.30, 3: 0.30, 4: 0.17, 5: 0.08}  # roughly how long house numbers are


WORK = 96  # crops are painted at 1.5 times the size, then shrunk: cheap anti-aliasing


SCENE_SIZES = ((320, 240), (400, 300), (480, 360), (560, 420), (640, 480))


@dataclass
class Sample:
    image: np.ndarray  # uint8 (64, 64, 3)
    number: str  # e.g. "1284"


@dataclass
class Scene:
    image: np.ndarray  # uint8 (H, W, 3)
    number: str
    box: tuple[int, int, int, int]  # x, y, w, h of the union of the digit boxes in image pixels


def random_number(rng: np.random.Generator) -> str:
    """1-5 digits, lengths weighted like house numbers, no leading zero."""
    length = weighted(rng, LENGTH_WEIGHTS)
    first = str(rng.integers(1, 10))
    return first + "".join(str(d) for d in rng.integers(0, 10, length - 1))


def paint(
    wall: np.ndarray, masks: np.ndarray, look: Look, rng: np.random.Generator, unit: float, draw_digits: bool = True
) -> np.ndarray:
    """Composite plate, border, digits and letters over the wall, with the shadows raised parts cast."""
    shape = wall.shape[:2]
    plate, digits, letters, decor = (masks[..., k] for k in range(4))
    if not draw_digits:
        digits = np.zeros_like(digits)
    # Shadow direction and softness are drawn whether or not there is a plate, so both renderings agree.
    dx, dy = (np.array([rng.uniform(-1, 1), rng.uniform(0.2, 1)]) * unit * rng.uniform(0.03, 0.08)).round()
    blur = unit * rng.uniform(0.01, 0.05)
    plate_field = finish(look.plate_finish, look.plate_rgb, shape, rng, unit)
    ink_field = finish(look.ink_finish, look.ink_rgb, shape, rng, unit)
    out = wall
    if look.plate != "none":
        shadow = soft(shifted(plate, int(dx), int(dy)), blur) * (1 - plate)
        out = out * (1 - look.plate_relief * shadow)[..., None]
        out += (plate_field - out) * plate[..., None]
        if look.border or look.screws:
            out += (look.decor_rgb - out) * decor[..., None]
    if look.relief > 0.05:
        shadow = soft(shifted(digits, int(dx * 0.6), int(dy * 0.6)), blur) * (1 - digits)
        out = out * (1 - look.relief * shadow)[..., None]
    out += (ink_field - out) * digits[..., None]
    if look.clutter != "none":
        out += (look.clutter_rgb - out) * letters[..., None]
    return out


def render_crop(rng: np.random.Generator, number: str, draw_digits: bool = True) -> Sample:
    """One 64x64 crop of `number`; draw_digits=False paints the same crop without the digits."""
    look = random_look(rng)
    angles, distance = random_angles(rng, look.hard)
    # Glyph size: about one sign pixel per view pixel, so the warp neither aliases nor blurs much;
    # long numbers are squeezed across, so their glyphs are drawn smaller.
    across = WORK / (1.3 * len(number) * 0.58)  # a digit with its gap is about 0.58 heights wide
    height = glyph_height(min(WORK / 1.3, across))
    sign = draw_sign(number, look, height)
    union = sign.digit_boxes
    centre = np.array([(union[:, 0].min() + union[:, 2].max()) / 2, (union[:, 1].min() + union[:, 3].max()) / 2])
    to_view = view_homography(centre, height, angles, distance)
    corners = apply_homography(to_view, box_corners(union))
    box = crop_box(np.array([*corners.min(axis=0), *corners.max(axis=0)]), rng)
    to_crop = box_to_square(box, WORK) @ to_view
    masks = warp(sign.layers, to_crop, (WORK, WORK))
    unit = WORK / ((box[3] - box[1]) / height)  # one digit height in view pixels (vertically)
    wall_rgb = look.plate_rgb if look.plate == "none" else jitter_colour(rng, pick(rng, WALLS[look.wall]))
    to_wall = wall_affine(to_crop, (WORK / 2, WORK / 2), height)
    wall = wall_texture(look.wall, rng, wall_rgb, (WORK, WORK), to_wall, unit)
    image = paint(wall, masks, look, rng, unit, draw_digits)
    image = occlude(image, masks[..., 1], rng, unit)
    image = light(image, rng, unit)
    min_width = min(HOUSE_CROP, 9 * len(number) + 6)  # keep at least ~9 pixels per digit across
    return Sample(camera(image, rng, (HOUSE_CROP, HOUSE_CROP), min_width, 1.0, look.hard), number)


def render_sample(rng: np.random.Generator) -> Sample:
    """One crop, as a person's (or SVHN's) crop box would give: the digits' union box grown by 10-50 %,
    off-centre, resized to 64x64."""
    return render_crop(rng, random_number(rng))


def facade_part(
    kind: str, rng: np.random.Generator, shape: tuple[int, int], unit: float
) -> tuple[Image.Image, np.ndarray]:
    """The mask and colours (H, W, 3) of one thing on a house front: a door, a window, a pipe..."""
    h, w = shape
    mask = Image.new("L", (w, h))
    draw = ImageDraw.Draw(mask)
    if kind == "door":
        x, door_w = rng.uniform(-0.1, 0.9) * w, unit * rng.uniform(6, 10)
        draw.rectangle([x, rng.uniform(0.1, 0.5) * h, x + door_w, h], fill=255)
        u, v = wall_coordinates(shape, pixels_to_wall(unit))
        return mask, wood(u, v, rng, jitter_colour(rng, pick(rng, WALLS["wood"])))
    if kind == "window":
        x, y = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.6) * h
        draw.rectangle([x, y, x + unit * rng.uniform(4, 9), y + unit * rng.uniform(5, 10)], fill=255)
        body = glass(shape, rng, jitter_colour(rng, pick(rng, WALLS["glass"])))
        top = max(0, int(y))
        body[top : top + max(2, round(unit * 0.3))] = jitter_colour(rng, INK_LIGHT[0])  # the frame's lintel
        return mask, body
    if kind == "pipe":
        x = rng.uniform(0, w)
        draw.rectangle([x, 0, x + unit * rng.uniform(0.3, 0.8), h], fill=255)
        return mask, jitter_colour(rng, (0.45, 0.45, 0.45)) * shading(shape, rng, 0.3)[..., None]
    if kind == "ground":
        draw.rectangle([0, rng.uniform(0.75, 0.95) * h, w, h], fill=255)
        paving = jitter_colour(rng, (0.5, 0.5, 0.48))
        return mask, wall_texture("stone", rng, paving, shape, pixels_to_wall(unit * 2), unit)
    if kind == "bush":
        cx, r = rng.uniform(0, w), min(unit * rng.uniform(2, 5), h * 0.3)
        for _ in range(6):  # a few overlapping clumps
            x, y, size = cx + rng.normal(0, r), h - abs(rng.normal(0, r * 0.4)), r * rng.uniform(0.4, 0.8)
            draw.ellipse([x - size, y - size * 0.8, x + size, y + size * 0.8], fill=255)
        return mask, leaves(shape, rng, jitter_colour(rng, pick(rng, WALLS["foliage"])), unit)
    x, y = rng.uniform(0, 0.8) * w, rng.uniform(0, 0.8) * h  # a name plate, letters only
    plate_w, plate_h = unit * rng.uniform(3, 6), unit * rng.uniform(0.8, 1.5)
    draw.rectangle([x, y, x + plate_w, y + plate_h], fill=255)
    text = Image.new("L", (w, h))
    font = font_at(int(pick(rng, CLUTTER_FONTS)), text_size(plate_h * 0.45))
    ImageDraw.Draw(text).text((x + plate_h * 0.2, y + plate_h * 0.25), random_words(rng), font=font, fill=255)
    ink = (np.asarray(text, dtype=np.float32) / 255.0)[..., None]
    background = jitter_colour(rng, pick(rng, PLATE_LIGHT))
    return mask, background + (jitter_colour(rng, INK_DARK[0]) - background) * ink


def facade(rng: np.random.Generator, image: np.ndarray, unit: float, sign: np.ndarray) -> np.ndarray:
    """A house front around the number: one to four doors, windows, pipes, pavement, bushes, name plates.

    Parts that would lie under the sign (sign: its footprint mask) are left out: the digits' colours
    were chosen to stand out from the wall, not from a window that happens to be behind them.
    """
    for _ in range(int(rng.integers(1, 5))):
        kind = pick(rng, ("door", "window", "pipe", "ground", "bush", "name_plate"))
        mask, body = facade_part(kind, rng, image.shape[:2], unit)
        alpha = (np.asarray(mask, dtype=np.float32) / 255.0)[..., None]
        if (alpha[..., 0] * sign).any():
            continue
        image = image + (body - image) * alpha
    return image


def render_scene_with(rng: np.random.Generator, number: str, draw_digits: bool = True) -> Scene:
    """A house front of 320x240 to 640x480 with `number` somewhere on it, and the digits' union box."""
    width, height_px = SCENE_SIZES[int(rng.integers(len(SCENE_SIZES)))]
    look = random_look(rng)
    angles, distance = random_angles(rng, look.hard)
    unit = float(np.exp(rng.uniform(np.log(14), np.log(height_px * 0.3))))  # digit height in the photo
    height = glyph_height(unit)
    sign = draw_sign(number, look, height)
    union = sign.digit_boxes
    centre = np.array([(union[:, 0].min() + union[:, 2].max()) / 2, (union[:, 1].min() + union[:, 3].max()) / 2])
    to_view = view_homography(centre, height, angles, distance)
    w, h = sign.layers.size
    outline = apply_homography(to_view, np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64))
    # Shrink a sign that would not fit, then put it anywhere it fits whole.
    scale = min(unit / height, 0.9 * width / np.ptp(outline[:, 0]), 0.9 * height_px / np.ptp(outline[:, 1]))
    lo, hi = outline.min(axis=0) * scale, outline.max(axis=0) * scale
    x, y = rng.uniform(-lo[0], width - hi[0]), rng.uniform(-lo[1], height_px - hi[1])
    to_scene = np.array([[scale, 0, x], [0, scale, y], [0, 0, 1]]) @ to_view
    masks = warp(sign.layers, to_scene, (width, height_px))
    unit = height * scale
    wall_rgb = look.plate_rgb if look.plate == "none" else jitter_colour(rng, pick(rng, WALLS[look.wall]))
    to_wall = wall_affine(to_scene, tuple(apply_homography(to_scene, centre[None])[0]), height)
    wall = wall_texture(look.wall, rng, wall_rgb, (height_px, width), to_wall, unit)
    footprint = np.asarray(
        Image.fromarray((masks[..., :3].max(axis=-1) > 0).astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(9)),
        dtype=bool,
    )  # the sign and its shadow
    wall = facade(rng, wall, unit, footprint)
    image = paint(wall, masks, look, rng, unit, draw_digits)
    image = occlude(image, masks[..., 1], rng, unit)
    image = light(image, rng, unit)
    ink = np.argwhere(masks[..., 1] > 0.5)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    return Scene(
        camera(image, rng, (width, height_px), width // 2, max(1.0, unit / 40), look.hard),
        number,
        (int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1)),
    )


def render_scene(rng: np.random.Generator) -> Scene:
    return render_scene_with(rng, random_number(rng))


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """Each sample has its own stream, so the result does not depend on how work is split."""
    return np.random.default_rng([seed, index])
