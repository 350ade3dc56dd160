"""Benchmark results (the dict bench/run.py writes as docs/benchmarks.json) -> Markdown tables and a plot.

Pure functions from the results dict to text, except plot(), which writes a PNG.
"""

from __future__ import annotations

import statistics
from pathlib import Path

BACKEND_NAMES = {"webgl": "WebGL", "wasm": "WASM", "cpu": "CPU"}


def put_section(markdown: Path, title: str, lines: list[str]) -> None:
    """Put a section (its first line `title`) in docs/benchmarks.md in place of the one before, or at the
    end: each bench keeps its own section and leaves the others' as they are."""
    text = markdown.read_text() if markdown.is_file() else ""
    new = "\n".join(lines)
    if title in text:
        head, rest = text.split(title, 1)
        tail = rest[rest.find("\n## ") :] if "\n## " in rest else "\n"
        text = head + new + "\n" + tail
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    markdown.write_text(text)


def kib(size: int | None) -> str:
    return "—" if size is None else f"{size / 1024:,.0f} KiB"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def ratio(ours: float | None, reference: float | None) -> str:
    if not ours or not reference:
        return "—"
    value = ours / reference
    return f"{value:.2f}×" if value >= 0.1 else f"{value:.3f}×"


def minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def training_cell(training: dict | None) -> str:
    """One cell: epochs x images, wall time, and the load it ran under."""
    if not training:
        return "not trained (size and speed only)"
    cell = f"{training['epochs']} epochs × {training['train_images']:,} images, {minutes(training['train_seconds'])}"
    if training.get("epochs_planned", training["epochs"]) > training["epochs"]:
        cell += f" (cut short: {training['epochs']} of {training['epochs_planned']} epochs)"
    if training.get("mean_load") is not None:
        cell += f", load {training['mean_load']:.1f}"
    if training.get("note"):
        cell += f"; {training['note']}"
    return cell


def latency(model: dict, backend: str, key: str = "median_ms") -> float | None:
    result = model.get("latency", {}).get(backend)
    if not result or "error" in result:
        return None
    return result["warm"][key]


def first_prediction(model: dict, backend: str) -> float | None:
    result = model.get("latency", {}).get(backend)
    return None if not result or "error" in result else result["first_prediction_ms"]


def error_rate(model: dict) -> float | None:
    return None if model.get("test_accuracy") is None else 1 - model["test_accuracy"]


def shipped_bytes(model: dict) -> int | None:
    return model.get("export_bytes", {}).get(model.get("shipped_weights"))


def size_table(task: dict) -> list[str]:
    lines = [
        "| model | | test accuracy | shipped weights (accuracy) | parameters "
        "| TF.js float32 | float16 | uint8 | training |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in task["models"].items():
        sizes = m.get("export_bytes", {})
        shipped_acc = m.get("accuracy_by_weights", {}).get(m.get("shipped_weights"))
        shipped = m.get("shipped_weights", "—") + (f" ({percent(shipped_acc)})" if shipped_acc is not None else "")
        lines.append(
            f"| `{name}` | {m['description']} | {percent(m.get('test_accuracy'))} | {shipped} | {m['params']:,} "
            f"| {kib(sizes.get('float32'))} | {kib(sizes.get('float16'))} | {kib(sizes.get('uint8'))} "
            f"| {training_cell(m.get('training'))} |"
        )
    return lines


def latency_table(task: dict, backends: list[str]) -> list[str]:
    lines = [
        "| model | backend | warm median (ms) | warm p95 (ms) | predictions | first prediction (ms) "
        "| of which: TF.js + backend / model download / first predict |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in task["models"].items():
        for backend in backends:
            result = m.get("latency", {}).get(backend)
            if not result:
                continue
            if "error" in result:
                lines.append(f"| `{name}` | {BACKEND_NAMES[backend]} | error: {result['error']} | | | | |")
                continue
            warm, phases = result["warm"], result["phases_ms"]
            lines.append(
                f"| `{name}` | {BACKEND_NAMES[backend]} | {ms(warm['median_ms'])} | {ms(warm['p95_ms'])} "
                f"| {warm['count']} | {ms(result['first_prediction_ms'])} | {ms(phases['tfjs_and_backend'])} / "
                f"{ms(phases['model_download'])} / {ms(phases['first_predict'])} |"
            )
    return lines


def ratio_rows(ours: dict, reference: dict, backends: list[str]) -> dict[str, str]:
    """Figure -> ours/reference; below 1 means ours is smaller, faster or makes fewer errors."""
    rows = {
        "test error rate": ratio(error_rate(ours), error_rate(reference)),
        "parameters": ratio(ours["params"], reference["params"]),
        "download (shipped weights)": ratio(shipped_bytes(ours), shipped_bytes(reference)),
    }
    for backend in backends:
        rows[f"warm median, {BACKEND_NAMES[backend]}"] = ratio(latency(ours, backend), latency(reference, backend))
        rows[f"warm p95, {BACKEND_NAMES[backend]}"] = ratio(
            latency(ours, backend, "p95_ms"), latency(reference, backend, "p95_ms")
        )
        rows[f"first prediction, {BACKEND_NAMES[backend]}"] = ratio(
            first_prediction(ours, backend), first_prediction(reference, backend)
        )
    training = [m.get("training") or {} for m in (ours, reference)]
    rows["training wall time"] = ratio(training[0].get("train_seconds"), training[1].get("train_seconds"))
    return rows


def ratio_table(task: dict, backends: list[str]) -> list[str]:
    pairs = task["pairs"]
    header = "| ours / reference | " + " | ".join(f"`{o}` / `{r}`" for o, r in pairs) + " |"
    lines = [header, "|---|" + "---|" * len(pairs)]
    columns = [ratio_rows(task["models"][o], task["models"][r], backends) for o, r in pairs]
    for figure in columns[0]:
        lines.append(f"| {figure} | " + " | ".join(c[figure] for c in columns) + " |")
    return lines


def verdicts(task: dict, backends: list[str]) -> list[str]:
    """The issue's done-when, checked on this run's figures: one line each, true or not."""
    ours = task["models"][task["ours"]]
    lines = []
    references = [task["models"][r] | {"name": r} for r in task["references"]]
    scored = [r for r in references if r.get("test_accuracy") is not None]
    if ours.get("test_accuracy") is not None and scored:
        best = max(scored, key=lambda r: r["test_accuracy"])
        holds = all(ours["test_accuracy"] >= r["test_accuracy"] for r in scored)
        lines.append(
            f"- `{task['ours']}` at least as accurate as every reference: **{'yes' if holds else 'no'}** "
            f"({percent(ours['test_accuracy'])} against the best reference, `{best['name']}`, "
            f"{percent(best['test_accuracy'])})."
        )
        for r in scored:
            training = r.get("training") or {}
            if training.get("epochs_planned", 0) > training.get("epochs", 0):
                lines.append(
                    f"  - `{r['name']}` was cut short at {training['epochs']} of its {training['epochs_planned']} "
                    "epochs in this run: its accuracy here is not its final one."
                )
    speed_ref = task.get("speed_reference")
    if speed_ref:
        reference = task["models"][speed_ref]
        for backend in backends:
            a, b = latency(ours, backend), latency(reference, backend)
            if a is None or b is None:
                continue
            lines.append(
                f"- {BACKEND_NAMES[backend]}: `{task['ours']}` no slower per prediction than `{speed_ref}`: "
                f"**{'yes' if a <= b else 'no'}** (median {ms(a)} ms against {ms(b)} ms)."
            )
    return lines


def machine_lines(results: dict) -> list[str]:
    machine, versions = results["machine"], results["versions"]
    load_start, load_end = machine["load_average_start"], machine["load_average_end"]
    return [
        f"- **Machine**: {machine['cpu_model']}, {machine['cpu_count']} CPU cores, {machine['platform']}; "
        f"no GPU (WebGL runs on SwiftShader, Chromium's software renderer).",
        f"- **Load average** (1, 5, 15 min) at the start {load_start}, at the end {load_end}: the CPU was "
        "shared with other jobs, so absolute times are inflated and noisy; ratios within one run are the figures "
        "to compare.",
        f"- **Versions**: TensorFlow {versions['tensorflow']}, tf_keras {versions['tf_keras']}, tensorflowjs "
        f"converter {versions['tensorflowjs']}, TF.js {versions.get('tfjs', '—')}, Chromium "
        f"{versions.get('chromium', '—')} (headless, Playwright {versions['playwright']}), Python "
        f"{versions['python']}.",
    ]


def folding_lines(results: dict) -> list[str]:
    """How BatchNorm reaches the browser: folded in ours, as the converter writes it in the references."""
    models = {name: m for task in results["tasks"].values() for name, m in task["models"].items()}
    folded_refs = [f"`{n}`" for n, m in models.items() if m["origin"] == "reference" and m.get("batchnorm_folded")]
    line = (
        "- **BatchNorm**: ours are exported with BatchNorm folded into the Conv2D or Dense before it "
        "(`export/fold.py`; with the ReLU after it, TF.js runs one fused op where there were three), as "
        "`export/tfjs.py` ships them; the references as the tensorflowjs converter writes them, BatchNorm "
        "layers and all, as their labs would."
    )
    if folded_refs:
        line += (
            f" Extra row{'s' if len(folded_refs) > 1 else ''} {', '.join(folded_refs)}: the same reference folded "
            "like ours, to tell what folding gives from what the architecture gives; the checks below compare "
            "with the plain reference."
        )
    return [line]


def page_summary(figures: dict) -> dict:
    """bench/page.py's figures -> one row: visits, backends, medians and the load average's range."""
    visits = figures["visits"]
    loads = [v["load_1min"] for v in visits]
    return {
        "visits": len(visits),
        "backends": ", ".join(sorted({v["backend"] for v in visits})),
        "first_prediction_median_ms": statistics.median(v["first_prediction_ms"] for v in visits),
        "ready_median_ms": statistics.median(v["ready_ms"] for v in visits),
        "load": [min(loads), max(loads)],
    }


# The page before it picked its backend by measurement (commit 3cacdc1: WebGL first), measured by
# `python -m bench.page` in rounds interleaved with the commit that did, on the same shared machine.
PAGE_BEFORE = {
    "label": "commit 3cacdc1, WebGL first, 2026-11-29",
    "visits": 15,
    "backends": "webgl",
    "first_prediction_median_ms": 12883.7,
    "ready_median_ms": 12166.9,
    "load": [8.28, 10.76],
}


def page_section(figures: dict, before: dict | None = None) -> list[str]:
    """The benchmarks.md section on the drawing page itself, `before` (a recorded row) beside it."""
    rows = [("now", page_summary(figures))] + ([(f"before (recorded: {before['label']})", before)] if before else [])
    lines = [
        "## The drawing page itself: time to first prediction",
        "",
        "`python -m bench.page` (or `make bench-page`): the real drawing page served by `python server.py` in a "
        "process of its own (waitress, loopback), each visit a new visitor (fresh browser context: empty HTTP "
        "cache, no service worker, no backend verdict kept). As soon as the canvas takes input, a dot is clicked "
        "on it; *first prediction* is the page's `performance.now()` (0 at navigation start) at the first "
        "animation frame after it has read that dot: TF.js, the backend, the model download, warm-up and the "
        "reading. *Ready* is when the model was loaded and warmed up.",
        "",
        "| page | visits | backend | first prediction, median (ms) | ready, median (ms) | load average (1 min) |",
        "|---|---|---|---|---|---|",
    ]
    for label, row in rows:
        lines.append(
            f"| {label} | {row['visits']} | {row['backends']} | {row['first_prediction_median_ms']:,.0f} | "
            f"{row['ready_median_ms']:,.0f} | {row['load'][0]} to {row['load'][1]} |"
        )
    return lines


def render(results: dict) -> str:
    """The whole docs/benchmarks.md text."""
    backends = results["settings"]["backends"]
    out = [
        "# Benchmarks: ours against the reference labs' models",
        "",
        f"Written by `{results['settings']['command']}` on {results['date']}; every figure below comes from "
        "[benchmarks.json](benchmarks.json), measured in this one run unless marked as recorded.",
        "",
        *machine_lines(results),
        "",
        "How each figure is measured:",
        "",
        f"- **Test accuracy**: the first {results['settings']['test_images']:,} of the 10,000 MNIST test images, "
        "inputs in [0, 1]. Ours are loaded from the committed "
        "weights and scored here; their training figures are the ones recorded in `models/metrics.json`. The "
        "references are trained by `python -m bench.train_refs` on the 60,000 training images with their labs' "
        "recipes (cached in `cache/bench/`, `make bench RETRAIN=1` trains them again).",
        "- **Download**: the bytes of the TF.js export (model.json + weight shards) written by the tensorflowjs "
        "converter, for each weight type. *Shipped weights* is the smallest type whose test accuracy stays within "
        "0.02 points of float32, the rule `export/tfjs.py` applies to ours.",
        *folding_lines(results),
        f"- **Latency**: headless Chromium, a fresh page per model, backend and visit (`web/static/bench/`). "
        f"Each pair is visited {results['settings'].get('rounds', 1)} times, in interleaved rounds, so that load "
        "from other jobs falls on every model alike. Warm median and p95 over "
        f"{results['settings']['predictions']} single-image predictions in all, each timed with "
        "`performance.now()` around uploading the input, `predict` and `await data()`, after up to 5 untimed "
        "warm-up predictions per visit (a visit whose predictions pass "
        f"{results['settings']['max_seconds'] / results['settings'].get('rounds', 1):.0f} s stops early; the "
        "count column says so). Computation is float32 whatever the weight type.",
        "- **First prediction** (median visit): from navigation start (`performance.now()` is 0 there) to the "
        "first prediction's "
        "data: loading TF.js, starting the backend, downloading the shipped export from a local server (no "
        "network latency: on a phone, add the download at its link speed) and the cold first predict.",
        "- **Training wall time**: on this machine's CPU, epochs only (not the per-epoch test pass), with the "
        "mean load average of its epochs.",
    ]
    for task in results["tasks"].values():
        out += ["", f"## {task['title']}", ""]
        if task.get("note"):
            out += [task["note"], ""]
        out += ["### Accuracy, size and training", "", *size_table(task), ""]
        out += ["### Latency in the browser", "", *latency_table(task, backends), ""]
        out += ["### Ratios", "", *ratio_table(task, backends), ""]
        lines = verdicts(task, backends)
        if lines:
            out += ["### Checks on this run", "", *lines, ""]
    if results.get("page"):
        out += ["", *page_section(results["page"], PAGE_BEFORE), ""]
    out += ["", "![accuracy against latency and size](benchmarks.png)", ""]
    return "\n".join(out)


def plot(results: dict, path: Path) -> None:
    """MNIST models: test accuracy against warm median latency (per backend) and against download size."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    task = results["tasks"]["mnist"]
    backends = results["settings"]["backends"]
    markers = {"webgl": "o", "wasm": "s", "cpu": "^"}
    fig, (ax_latency, ax_size) = plt.subplots(1, 2, figsize=(12, 4.8))
    for i, (name, m) in enumerate(task["models"].items()):
        if m.get("test_accuracy") is None:
            continue
        color = f"C{i}"
        acc = 100 * m["test_accuracy"]
        for backend in backends:
            value = latency(m, backend)
            if value is not None:
                ax_latency.scatter(value, acc, color=color, marker=markers[backend], s=50)
        ax_latency.scatter([], [], color=color, label=f"{name} ({m['origin']})")
        size = shipped_bytes(m)
        if size:
            ax_size.scatter(size / 1024, acc, color=color, s=60)
            # A folded reference sits on its plain twin: its label goes below, not on top.
            below = m["origin"] == "reference" and m.get("batchnorm_folded")
            ax_size.annotate(
                name, (size / 1024, acc), textcoords="offset points", xytext=(5, -11 if below else 4), fontsize=8
            )
    for backend in backends:
        ax_latency.scatter([], [], color="gray", marker=markers[backend], label=BACKEND_NAMES[backend])
    ax_latency.set(
        xscale="log", xlabel="warm median latency per prediction (ms, log)", ylabel="MNIST test accuracy (%)"
    )
    ax_latency.set_title("Accuracy against in-browser latency")
    ax_latency.legend(fontsize=7)
    ax_size.set(xscale="log", xlabel="TF.js download, shipped weights (KiB, log)", ylabel="MNIST test accuracy (%)")
    ax_size.set_title("Accuracy against download size")
    for ax in (ax_latency, ax_size):
        ax.grid(alpha=0.3, which="both")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    fig.suptitle(f"Same machine, same run: {results['machine']['cpu_model']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
