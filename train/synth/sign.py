"""A sign in its own flat coordinates: plate, digits, nearby letters, border and screws, as four masks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from reader.decode import MAX_DIGITS
from train.fonts import font_at, load_fonts
from train.synth.look import Look

GLYPH_HEIGHTS = (24, 34, 48, 68, 96, 136)  # digit heights glyphs are drawn at; the warp scales the rest


@dataclass
class Sign:
    """Four masks in the four bands of one image: plate, digits, nearby letters, border and screws."""

    layers: Image.Image
    digit_boxes: np.ndarray  # (n, 4) x0, y0, x1, y1 of each digit's ink, in layer pixels


@lru_cache(maxsize=20000)
def glyph(font: int, height: int, char: str, bold: bool) -> tuple[Image.Image, int, int]:
    """A digit's ink as an L image and its offset from the pen (on the baseline); cached per bucketed height."""
    info = load_fonts()[font]
    face = font_at(font, max(6, round(height / info.digit_height)))
    stroke = max(1, round(height * 0.03)) if bold else 0
    left, top, right, bottom = face.getbbox(char, anchor="ls", stroke_width=stroke)
    image = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(image).text((-left, -top), char, font=face, fill=255, anchor="ls", stroke_width=stroke)
    return image, left, top


def text_size(size: float) -> int:
    """Font sizes for letters in steps of a third of an octave, so few FreeType faces are kept open."""
    return max(6, round(2 ** (round(math.log2(max(6.0, size)) * 3) / 3)))


def glyph_height(target: float) -> int:
    """The smallest bucketed height not much below the target: the warp then shrinks rather than blurs."""
    for height in GLYPH_HEIGHTS:
        if height >= 0.8 * target:
            return height
    return GLYPH_HEIGHTS[-1]


def place_digits(number: str, look: Look, height: int) -> tuple[list[tuple[Image.Image, int, int]], np.ndarray]:
    """Glyph images with their top-left corners, and ink boxes (n, 4), with the baseline at y = 0."""
    placed, boxes = [], []
    pen = 0.0
    pitch = height * (tile_width(look) + 0.04 + look.gap * 0.3)  # tiles: one digit per tile, evenly spaced
    for i, char in enumerate(number):
        image, left, top = glyph(look.font, height, char, look.bold)
        angle = float(look.jitter[i % MAX_DIGITS, 1])
        if abs(angle) > 0.5:
            rotated = image.rotate(angle, resample=Image.BILINEAR, expand=True)
            top += (image.height - rotated.height) // 2
            image = rotated
        y = round(top + look.jitter[i % MAX_DIGITS, 0] * height)
        x = round(i * pitch - image.width / 2) if look.plate == "tiles" else round(pen)
        ink = image.getbbox() or (0, 0, 1, 1)
        placed.append((image, x, y))
        boxes.append((x + ink[0], y + ink[1], x + ink[2], y + ink[3]))
        pen = x + ink[2] + look.gap * height
    return placed, np.array(boxes, dtype=np.float32)


def tile_width(look: Look) -> float:
    """Width of a digit tile, in digit heights: wide enough for a broad 0 with some margin."""
    return 0.8 + look.pad[0] * 0.6


def plate_box(union: np.ndarray, look: Look, height: int) -> np.ndarray:
    """x0, y0, x1, y1 of the plate around the digits (and the letters that share it)."""
    pad_x, pad_y = look.pad[0] * height, look.pad[1] * height
    x0, y0, x1, y1 = union[0] - pad_x, union[1] - pad_y, union[2] + pad_x, union[3] + pad_y
    text_h = look.clutter_size * height * 1.4 + look.pad[1] * height * 0.5
    if look.clutter == "above":
        y0 -= text_h
    elif look.clutter == "below":
        y1 += text_h
    if look.plate == "oval":  # an ellipse through the corners of the box grown by sqrt(2)
        cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * 1.2, (y1 - y0) / 2 * 1.35
        x0, y0, x1, y1 = cx - hw, cy - hh, cx + hw, cy + hh
    return np.array([x0, y0, x1, y1], dtype=np.float32)


def clutter_anchor(union: np.ndarray, look: Look, height: int) -> tuple[float, float, str]:
    """Where the nearby letters go: above, below, before or after the number (never inside its box)."""
    gap = height * (0.12 + look.pad[1] * 0.4)
    cx = (union[0] + union[2]) / 2
    if look.clutter == "above":
        return cx, union[1] - gap, "md"
    if look.clutter == "below":
        return cx, union[3] + gap, "ma"
    if look.clutter == "prefix":
        return union[0] - height * 0.2, union[3], "rs"
    return union[2] + height * (0.08 + look.gap * 0.5), union[3], "ls"


def draw_sign(number: str, look: Look, height: int) -> Sign:
    """The sign's four masks in flat coordinates, with a margin so the warp never clips them."""
    placed, boxes = place_digits(number, look, height)
    union = np.array([boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()])
    plate = plate_box(union, look, height)
    clutter_font = font_at(look.clutter_font, text_size(look.clutter_size * height / 0.72))
    text = look.clutter_text
    anchor_x, anchor_y, anchor = clutter_anchor(union, look, height)
    if look.clutter == "none":
        text_box = union
    else:
        text_box = np.array(clutter_font.getbbox(text, anchor=anchor), np.float32) + [anchor_x, anchor_y] * 2
    lo = np.minimum(np.minimum(union[:2], plate[:2] if look.plate != "none" else union[:2]), text_box[:2])
    hi = np.maximum(np.maximum(union[2:], plate[2:] if look.plate != "none" else union[2:]), text_box[2:])
    margin = 4 + height // 8
    origin = np.floor(lo) - margin
    size = (int(np.ceil(hi[0] - origin[0])) + margin, int(np.ceil(hi[1] - origin[1])) + margin)
    shift = np.tile(-origin, 2).astype(np.float32)
    plate_mask, digits, letters, decor = (Image.new("L", size) for _ in range(4))
    draw_plate, draw_decor = ImageDraw.Draw(plate_mask), ImageDraw.Draw(decor)
    line = max(1, round(height * 0.045))
    if look.plate == "tiles":
        for box in boxes:
            cx = (box[0] + box[2]) / 2 + shift[0]
            half_w = height * tile_width(look) / 2
            tile = [cx - half_w, union[1] + shift[1] - look.pad[1] * height, cx + half_w]
            tile.append(union[3] + shift[1] + look.pad[1] * height)
            draw_plate.rounded_rectangle(tile, radius=height * 0.06, fill=255)
            if look.border:
                inset = height * 0.08
                inner = [tile[0] + inset, tile[1] + inset, tile[2] - inset, tile[3] - inset]
                draw_decor.rectangle(inner, outline=255, width=line)
    elif look.plate != "none":
        box = (plate + shift).tolist()
        radius = height * (0.1 + look.pad[1] * 0.6)
        shape = {
            "rect": lambda d, b, **kw: d.rectangle(b, **kw),
            "rounded": lambda d, b, **kw: d.rounded_rectangle(b, radius=radius, **kw),
            "oval": lambda d, b, **kw: d.ellipse(b, **kw),
        }[look.plate]
        shape(draw_plate, box, fill=255)
        inset = height * 0.1
        inner = [box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset]
        if look.border and inner[2] > inner[0] + 2 and inner[3] > inner[1] + 2:
            shape(draw_decor, inner, outline=255, width=line)
        if look.screws and look.plate != "oval":
            r, s = height * 0.05, height * 0.12
            for sx in (box[0] + s, box[2] - s):
                for sy in (box[1] + s, box[3] - s):
                    draw_decor.ellipse([sx - r, sy - r, sx + r, sy + r], fill=255)
    for image, x, y in placed:
        digits.paste(255, (int(x + shift[0]), int(y + shift[1])), image)
    if look.clutter != "none":
        ImageDraw.Draw(letters).text(
            (anchor_x + shift[0], anchor_y + shift[1]), text, font=clutter_font, fill=255, anchor=anchor
        )
    layers = Image.merge("CMYK", (plate_mask, digits, letters, decor))  # CMYK: 4 plain bands (RGBA would premultiply)
    return Sign(layers, boxes + shift)
