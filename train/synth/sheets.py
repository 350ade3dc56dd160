"""Contact sheets: generated crops in a grid titled with their numbers, and scenes with their boxes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reader.house_crop import HOUSE_CROP
from train.synth.scene import Scene


def save_sample_sheet(images: np.ndarray, numbers: list[str], path: Path, columns: int = 12, zoom: int = 2) -> None:
    """A grid of crops (pixels doubled, not smoothed), each titled with its number, saved as PNG."""
    sheet = sample_sheet(images, numbers, columns, zoom)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def sample_sheet(images: np.ndarray, numbers: list[str], columns: int = 12, zoom: int = 2) -> Image.Image:
    """A grid of crops (pixels doubled, not smoothed), each titled with its number."""
    title = 18
    tile_w, tile_h = HOUSE_CROP * zoom + 6, HOUSE_CROP * zoom + title + 6
    rows = math.ceil(len(images) / columns)
    sheet = Image.new("RGB", (columns * tile_w, rows * tile_h), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    for k, (image, number) in enumerate(zip(images, numbers)):
        x, y = (k % columns) * tile_w + 3, (k // columns) * tile_h + 3
        draw.text((x + HOUSE_CROP * zoom / 2, y), number, fill="black", font=font, anchor="mt")
        tile = Image.fromarray(image).resize((HOUSE_CROP * zoom, HOUSE_CROP * zoom), Image.NEAREST)
        sheet.paste(tile, (x, y + title))
    return sheet


def save_scene_sheet(scenes: list[Scene], path: Path, columns: int = 3) -> None:
    """Scenes with their number boxes drawn in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rows = math.ceil(len(scenes) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 4.2, rows * 3.4))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, scene in zip(np.ravel(axes), scenes):
        ax.imshow(scene.image)
        x, y, w, h = scene.box
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="lime", linewidth=1.2))
        ax.set_title(f"{scene.number}  box {scene.box}  {scene.image.shape[1]}x{scene.image.shape[0]}", fontsize=8)
    fig.tight_layout(pad=0.4)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
