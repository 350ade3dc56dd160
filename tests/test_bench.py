"""The benchmark: the reference models as the issue specifies them, and the CI variant of the harness
(two models, CPU and WebGL in real headless Chromium, a few predictions), which must print its table."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bench.browser import bench_server, merge_rounds
from bench.models import RECIPES, build_ref_cnn905k, build_ref_multihead, step_lr
from bench.train_refs import seconds_to_reach
from tests.browser.conftest import chromium  # noqa: F401 - the fixture that skips (or fails in CI) without Chromium
from tests.conftest import ROOT


def test_three_conv_reference_has_the_labs_905k_parameters():
    model = build_ref_cnn905k()
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    assert trainable == 905_354  # PyTorch's count; Keras adds BatchNorm's moving statistics
    assert model.output_shape == (None, 10)


def test_multihead_reference_flattens_7x7x192_into_six_heads():
    model = build_ref_multihead()
    flatten = next(layer for layer in model.layers if layer.name.startswith("flatten"))
    assert flatten.output_shape == (None, 7 * 7 * 192)
    assert [o.shape[-1] for o in model.outputs] == [7, 11, 11, 11, 11, 11]
    assert sum(layer.name.startswith("conv2d") for layer in model.layers) == 8


def test_step_lr_divides_by_ten_every_seven_epochs():
    recipe = RECIPES["ref_cnn905k"]
    rates = [step_lr(epoch, recipe) for epoch in range(recipe.epochs)]
    assert rates[:7] == [pytest.approx(3e-3)] * 7
    assert rates[7] == pytest.approx(3e-4) and rates[14] == pytest.approx(3e-5) and rates[24] == pytest.approx(3e-6)
    assert step_lr(20, RECIPES["ref_mlp"]) == RECIPES["ref_mlp"].lr  # no schedule: constant


def test_seconds_to_reach_counts_epochs_up_to_the_first_good_one():
    epochs = [{"seconds": 10.0, "test": 0.9}, {"seconds": 12.0, "test": 0.99}, {"seconds": 11.0, "test": 0.98}]
    assert seconds_to_reach(epochs, 0.98) == 22.0


def test_merge_rounds_pools_predictions_and_takes_the_median_visit():
    visits = [
        {"times": [5.0, 1.0], "first_prediction_ms": 300.0, "phases_ms": {"first_predict": 3.0}},
        {"error": "no result in 10 s, stuck in: model download"},
        {"times": [2.0, 4.0, 3.0], "first_prediction_ms": 100.0, "phases_ms": {"first_predict": 1.0}},
        {"times": [9.0], "first_prediction_ms": 200.0, "phases_ms": {"first_predict": 2.0}},
    ]
    merged = merge_rounds(visits)
    assert merged["warm"]["count"] == 6 and merged["visits"] == 3
    assert merged["warm"]["median_ms"] == 3.0 and merged["warm"]["p95_ms"] == 9.0
    assert merged["first_prediction_ms"] == 200.0 and merged["phases_ms"] == {"first_predict": 2.0}
    assert merge_rounds(visits[1:2]) == visits[1]  # only failures: the error stands


def test_bench_server_serves_its_roots_only(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text("{}")
    with bench_server(tmp_path) as base:
        with urllib.request.urlopen(f"{base}/models/m/model.json") as response:
            assert response.read() == b"{}"
        with urllib.request.urlopen(f"{base}/vendor/tfjs-backend-wasm.wasm") as response:
            assert response.headers["Content-Type"] == "application/wasm"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{base}/models/../../README.md")
        assert err.value.code == 404


@pytest.mark.usefixtures("chromium")
def test_ci_variant_measures_two_models_and_prints_the_table(tmp_path, capsys):
    from bench.run import main

    assert main(["--smoke", "--out-dir", str(tmp_path / "docs"), "--build-dir", str(tmp_path / "build")]) == 0
    printed = capsys.readouterr().out
    print(printed)
    assert "| model | backend | warm median (ms)" in printed
    assert (tmp_path / "docs" / "benchmarks.md").read_text() in printed

    results = json.loads((tmp_path / "docs" / "benchmarks.json").read_text())
    models = results["tasks"]["mnist"]["models"]
    assert set(models) == {"mnist_cnn", "ref_mlp"}
    for name, model in models.items():
        sizes = model["export_bytes"]
        assert sizes["float32"] > sizes["float16"] > sizes["uint8"] > 0, name
        for backend in ("cpu", "webgl"):
            result = model["latency"][backend]
            assert "error" not in result, (name, backend, result)
            assert result["backend"] == backend
            warm = result["warm"]
            assert warm["count"] == 5
            assert 0 < warm["median_ms"] <= warm["p95_ms"]
            assert result["first_prediction_ms"] > 0
            assert all(v >= 0 for v in result["phases_ms"].values())
            assert f"| `{name}` | {'CPU' if backend == 'cpu' else 'WebGL'} |" in printed
    assert results["versions"]["tfjs"] and results["versions"]["chromium"]


@pytest.mark.usefixtures("chromium")
def test_the_page_bench_prints_the_pages_time_to_first_prediction(capsys):
    from bench.page import main
    from bench.report import PAGE_BEFORE, page_section

    # On a thread of its own: Playwright's sync API refuses a thread whose asyncio loop runs, and the
    # browser tests' session keeps one on pytest's when they run in the same process.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(main, ["--visits", "2"]).result() == 0
    printed = capsys.readouterr().out
    print(printed)
    match = re.search(r"page's time to first prediction: median (\d+) ms over 2 visits", printed)
    assert match and int(match.group(1)) > 0
    # Both models read every drawing once warm, on WASM; the stroke reader's files came over the network.
    warm = re.search(r"warm reading by both models, fused \(wasm, ways fused\): median ([\d.]+) ms", printed)
    assert warm and float(warm.group(1)) > 0
    shipped = sum(f.stat().st_size for f in (ROOT / "web/static/models/stroke_reader").glob("*"))
    assert f"stroke reader download: {shipped} bytes in 3 files" in printed
    visit = {"first_prediction_ms": 900.0, "ready_ms": 800.0, "backend": "wasm", "load_1min": 1.5}
    section = page_section({"visits": [visit, {**visit, "first_prediction_ms": 1100.0}]}, PAGE_BEFORE)
    assert "| now | 2 | wasm | 1,000 | 800 | 1.5 to 1.5 |" in section
    assert any(line.startswith("| before (recorded: ") for line in section)


def lighthouse_report(performance: float, tbt_ms: float, alt_text: int = 1) -> dict:
    """A Lighthouse JSON report, cut to what bench/lighthouse.py reads."""
    from bench.lighthouse import CATEGORIES

    refs = [{"id": "image-alt"}]
    categories = {
        name: {"score": performance if name == "performance" else 1.0, "auditRefs": refs} for name in CATEGORIES
    }
    timings = ("total-blocking-time", "first-contentful-paint", "largest-contentful-paint", "cumulative-layout-shift")
    audits = {name: {"numericValue": tbt_ms if name == "total-blocking-time" else 1000.0} for name in timings}
    audits["image-alt"] = {"id": "image-alt", "score": alt_text, "scoreDisplayMode": "binary"}
    return {"categories": categories, "audits": audits}


def test_the_lighthouse_bench_takes_medians_and_keeps_before_and_now_in_its_section(tmp_path):
    from bench.lighthouse import SECTION_TITLE, figures, median_figures, record_figures

    runs = [figures(lighthouse_report(p, t, alt)) for p, t, alt in ((0.90, 300, 1), (1.0, 0, 1), (0.95, 120, 0))]
    medians = median_figures(runs)
    assert medians["performance"] == 95 and medians["total_blocking_time_ms"] == 120 and medians["seo"] == 100
    assert medians["failed"] == ["accessibility: image-alt", "best-practices: image-alt", "seo: image-alt"]
    markdown, record = tmp_path / "benchmarks.md", tmp_path / "lighthouse.json"
    markdown.write_text("# Benchmarks\n\n## Another bench\n\nits text\n")
    run = {"commit": "abc", "load_1min": "1.0", "lighthouse": "12.8.2", "pages": {"/": medians, "/photo": medians}}
    record_figures(run, "before", record, markdown)
    record_figures({**run, "commit": "def"}, "now", record, markdown)
    text = markdown.read_text()
    assert text.count(SECTION_TITLE) == 1 and "## Another bench\n\nits text" in text
    assert "| `/` | before (abc) | 95 | 100 | 100 | 100 | 120 ms | 1.0 s | 1.0 |" in text
    assert "| `/photo` | now (def) | 95 |" in text
    assert set(json.loads(record.read_text())) == {"before", "now"}
