"""`python -m train.synth`: build the training cache, time the generator, and draw the sample sheets."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reader.decode import NO_DIGIT
from reader.paths import CACHE_DIR
from train.cli import command
from train.fonts import load_fonts
from train.synth.cache import cache_path, cached_samples, generate_samples, generate_scenes
from train.synth.sheets import save_sample_sheet, save_scene_sheet


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
