"""Real handwriting (../shared/data/handwriting): the fixed validation splits, and the command that
scores the committed readers on them through the CLI's code path."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, require_data


def test_the_validation_splits_are_fixed_and_never_trained_on():
    from train.handwriting import dida_digits, nsysu_digits, parish_numbers

    parish = require_data(lambda: parish_numbers("validation"), "parish_numbers")
    assert len(parish) == 2697 and all(s.label.isdigit() for s in parish)  # the README's digit-only count
    assert {s.path.name for s in parish}.isdisjoint(s.path.name for s in parish_numbers("train"))
    dida = dida_digits("validation")
    assert len(dida) == 800 and {s.label for s in dida} == set("0123456789")
    assert {s.path for s in dida}.isdisjoint(s.path for s in dida_digits("train"))
    held_out, trained = nsysu_digits("validation"), nsysu_digits("train")
    assert len(held_out) + len(trained) == 1890
    assert {s.writer for s in held_out}.isdisjoint(s.writer for s in trained)  # split by writer


def test_the_command_scores_each_set_and_records_it(tmp_path):
    from train.handwriting import parish_numbers

    require_data(lambda: parish_numbers("validation"), "parish_numbers")
    command = [sys.executable, "-m", "train.evaluate_handwriting", "--limit", "12", "--out-dir", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    summaries = {(line["set"], line["reader"]): line for line in lines if "whole_number_accuracy" in line}
    assert set(summaries) == {("parish", "number_reader"), *((s, r) for s in ("dida", "nsysu") for r in ("cnn", "mlp"))}
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for (name, reader), summary in summaries.items():
        recorded = metrics[f"real_{name}_{'numbers' if name == 'parish' else 'digits'}"][reader]
        misread = [line for line in lines if line.get("reader") == reader and line["set"] == name and "true" in line]
        assert recorded["count"] == summary["count"] == 12
        assert recorded["misread_count"] == len(misread) == round(12 * (1 - recorded["whole_number_accuracy"]))
