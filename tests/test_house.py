"""The house-number reader: committed metrics, TF.js parity of all six heads, the CLI and the evaluator."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.jsbridge import js_predict, node_available
from train.models import HOUSE_HEADS

METRICS = json.loads((ROOT / "models" / "metrics.json").read_text())["house"]
EXPORT_DIR = ROOT / "web" / "static" / "models" / "house"


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def scenes_dir(tmp_path_factory):
    from train.evaluate_house import make_generated_folder

    directory = tmp_path_factory.mktemp("scenes")
    make_generated_folder(directory, 12, seed=11)
    return directory


# 10,000 held-out generated numbers read whole, as the CLI and the page read them (each head averaged
# over five windows of the crop). The first reader met its issue's 97 %; fine-tuned on real photos
# (issue 17: real photos are the measure, tests/test_evaluate_real.py) it read 96.4 %, and with the
# compositions of their digits (issue 24) 95.8 %: a floor a little under it.
WHOLE_NUMBER_TARGET = 0.955


def test_recorded_whole_number_accuracy():
    held_out = METRICS["held_out_generated"]
    print(f"house: {held_out['whole_number_accuracy'] * 100:.2f} % of {held_out['count']} held-out numbers read whole")
    assert held_out["count"] == 10000
    assert held_out["whole_number_accuracy"] >= WHOLE_NUMBER_TARGET
    assert set(held_out["per_head_accuracy"]) == set(HOUSE_HEADS)


def test_export_is_small_enough_for_phones():
    assert METRICS["params"] <= 3_000_000
    assert METRICS["export"]["export_bytes"] <= 3 * 1024 * 1024


@pytest.mark.skipif(not node_available(), reason="node or node_modules missing: run `make setup`")
def test_tfjs_matches_keras_on_all_six_heads_by_name():
    from export.tfjs import load_shipped
    from train.synth import generate_samples

    metadata = json.loads((EXPORT_DIR / "metadata.json").read_text())
    assert metadata["output_names"] == list(HOUSE_HEADS)
    model = load_shipped("house", ROOT / "models", EXPORT_DIR.parent)
    images = generate_samples(20, seed=5, workers=1)["images"][:, 5:59, 5:59].astype(np.float32) / 255
    js = js_predict(EXPORT_DIR, images)
    assert js["output_names"] == list(HOUSE_HEADS)
    keras_outputs = dict(zip(model.output_names, model.predict(images, verbose=0)))
    for name, output in zip(js["output_names"], js["outputs"]):
        values = np.array(output["values"]).reshape(output["shape"])
        assert np.abs(values - keras_outputs[name]).max() <= 1e-4, name


def test_cli_reads_house_numbers_with_and_without_a_box(scenes_dir):
    import csv

    rows = list(csv.DictReader(open(scenes_dir / "labels.csv")))
    first = rows[0]
    box = ",".join(first[c] for c in "xywh")
    done = run("reader", "--model", "house", str(scenes_dir / first["file"]), "--box", box)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"file", "number", "confidence", "digits", "model"}
    # The CLI prints what the shared code path reads (accuracy itself is the evaluator test's job).
    from reader.read import load_image, load_reader, read_house_number

    expected = read_house_number(
        load_image(scenes_dir / first["file"]), load_reader("house"), tuple(map(int, box.split(",")))
    )
    assert result["number"] == expected["number"] and result["confidence"] == pytest.approx(
        expected["confidence"], abs=1e-5
    )
    assert len(result["digits"]) == len(result["number"])
    assert all(set(d) == {"digit", "confidence"} for d in result["digits"])
    whole = run("reader", "--model", "house", str(scenes_dir / first["file"]))
    assert whole.returncode == 0 and json.loads(whole.stdout)["model"] == "house"


def test_cli_refuses_bad_boxes_clearly(scenes_dir):
    image = str(scenes_dir / "scene_0000.jpg")
    malformed = run("reader", "--model", "house", image, "--box", "1,2,x")
    assert malformed.returncode == 2 and "x,y,w,h" in malformed.stderr
    outside = run("reader", "--model", "house", image, "--box", "5000,10,20,20")
    assert outside.returncode == 1 and "outside" in outside.stderr and "Traceback" not in outside.stderr


def test_evaluator_prints_whole_number_accuracy(scenes_dir):
    done = run("train.evaluate_house", str(scenes_dir))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["images"] == 12 and summary["whole_number_accuracy"] >= 0.75


def test_evaluator_explains_a_bad_labels_file(tmp_path):
    (tmp_path / "labels.csv").write_text("file,number\na.jpg,12b\n")
    done = run("train.evaluate_house", str(tmp_path))
    assert done.returncode == 1 and "not a string of digits" in done.stderr
    empty = run("train.evaluate_house", str(tmp_path / "nothing"))
    assert empty.returncode == 1 and "labels.csv" in empty.stderr
