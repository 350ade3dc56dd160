"""What each kind of training data gives the house reader on the real validation photos (issue 24, step 3).

    python -m studies.real_mixes                     # the runs below -> a table and docs/real_mixes.json

Each run starts from the same reader trained on generated crops alone and is scored by
`python -m train.evaluate_real --model-file RUN/house.keras --out-dir RUN` (the real validation photos,
never trained on: annotated box, three loose boxes each, no box). The runs, as `make real-mixes-study` makes them:

- generated alone: the reader before real photos (`git show 3951b98:models/house.keras`);
- generated + real: 8 epochs of 16,000 generated crops and the 1,200 real training photos (8 boxes each,
  shown twice), `--augment`, at 5e-4;
- generated + real + compositions: the same, with `--compose 24000` (train/compose.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reader.paths import DOCS_DIR, REPO_ROOT
from train.cli import command

RUNS = {
    "generated alone": "runs/house_generated",
    "generated + real": "runs/house_real8",
    "generated + real + compositions": "runs/house_compose8",
}
FIGURES = ("annotated_box", "jittered_box", "no_box")
OUT = DOCS_DIR / "real_mixes.json"


def run_figures(run_dir: Path) -> dict:
    """A run's real validation figures, as train.evaluate_real recorded them in its metrics.json."""
    metrics = run_dir / "metrics.json"
    if not metrics.is_file():
        raise FileNotFoundError(f"{metrics} is missing: run train.evaluate_real --out-dir {run_dir} first")
    real = json.loads(metrics.read_text()).get("house_real")
    if not real:
        raise FileNotFoundError(f"{metrics} holds no house_real figures: run train.evaluate_real on it")
    return {key: real[key]["whole_number_accuracy"] for key in FIGURES} | {"photos": real["photos"]}


def table(rows: dict[str, dict]) -> list[str]:
    lines = ["| training data | annotated box | loose boxes | no box |", "|---|---|---|---|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[key] * 100:.1f} %" for key in FIGURES) + " |")
    return lines


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The real validation figures of the issue 24 data comparison.")
    parser.add_argument("--out", default=str(OUT), help="default: docs/real_mixes.json")
    args = parser.parse_args(argv)
    rows = {name: run_figures(REPO_ROOT / run) for name, run in RUNS.items()}
    print("\n".join(table(rows)))
    Path(args.out).write_text(json.dumps({"runs": RUNS, "figures": rows}, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
