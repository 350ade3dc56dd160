"""`python -m train.synth`: build the training cache, time the generator, and draw the sample sheets."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reader.decode import NO_DIGIT
from reader.paths import CACHE_DIR
from reader.preprocess import HOUSE_CROP
from train.cli import command
from train.fonts import load_fonts
from train.synth.cache import cache_path, cached_samples, generate_samples, generate_scenes
from train.synth.scene import Scene


def save_sample_sheet(images: np.ndarray, numbers: list[str], path: Path, columns: int = 12, zoom: int = 2) -> None:
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
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


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


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m train.synth", description="Generate synthetic street-number crops (cached as npz)."
    )
    parser.add_argument("--count", type=int, default=200_000, help="number of crops (default: 200000)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default: 1)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument("--cache-dir", default=str(CACHE_DIR), help="where the npz goes (default: cache/)")
    parser.add_argument("--no-cache", action="store_true", help="only generate and time, write no npz")
    parser.add_argument("--sheet", help="also write a sheet of the first 96 crops to this PNG")
    parser.add_argument("--scenes", help="also write 6 full scenes with their boxes to this PNG")
    args = parser.parse_args(argv)
    load_fonts()
    path = cache_path(args.count, args.seed, Path(args.cache_dir))
    started = time.perf_counter()
    if args.no_cache:
        data = generate_samples(args.count, args.seed, args.workers, progress=True)
    else:
        cached = path.exists()
        data = cached_samples(args.count, args.seed, Path(args.cache_dir), args.workers)
    seconds = time.perf_counter() - started
    if not args.no_cache and cached:
        print(f"loaded {args.count} samples from {path} (delete it to generate them again)")
    else:
        rate = args.count / seconds
        print(f"{args.count} samples in {seconds:.1f} s: {rate:.0f} samples/s with {args.workers} worker(s)")
        if not args.no_cache:
            print(f"wrote {path}")
    if args.sheet:
        shown = min(96, args.count)
        numbers = ["".join(str(d) for d in row if d != NO_DIGIT) for row in data["digits"][:shown]]
        save_sample_sheet(data["images"][:shown], numbers, Path(args.sheet))
        print(f"wrote {args.sheet}")
    if args.scenes:
        save_scene_sheet(generate_scenes(6, args.seed), Path(args.scenes))
        print(f"wrote {args.scenes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
