"""Model shapes, a 1-epoch smoke training, the TF.js export, the reports and the optimizer study."""

import json

import numpy as np
import pytest

from train.models import build_cnn, build_mlp


@pytest.mark.parametrize("build", [build_mlp, build_cnn])
def test_models_read_28x28_and_give_10_probabilities(build):
    model = build()
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_names == ["digit"]
    out = model(np.zeros((3, 28, 28, 1), np.float32)).numpy()
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_is_small_enough_for_phones():
    assert build_cnn().count_params() <= 500_000


def test_smoke_training_writes_model_history_and_metrics(smoke_models):
    metrics = json.loads((smoke_models / "metrics.json").read_text())
    for name in ("mnist_mlp", "mnist_cnn"):
        assert (smoke_models / f"{name}.keras").is_file()
        history = json.loads((smoke_models / f"{name}_history.json").read_text())
        assert len(history["loss"]) == 1 and "val_pen_accuracy" in history
        figures = metrics[name]
        assert figures["epochs"] == 1 and figures["train_seconds"] > 0
        assert set(figures["test"]["per_digit_accuracy"]) == set("0123456789")
        assert np.array(figures["test"]["confusion_matrix"]).sum() == figures["test"]["count"]
    # One epoch on 2,000 images already reads far better than chance.
    assert metrics["mnist_mlp"]["test"]["accuracy"] > 0.5


def test_export_writes_a_loadable_tfjs_model_with_metadata(smoke_models, mnist, tmp_path):
    from export.tfjs import export_classifier

    _, (x_test, y_test) = mnist
    figures = export_classifier("mnist_mlp", smoke_models, tmp_path, x_test[:500], y_test[:500])
    out = tmp_path / "mnist_mlp"
    model_json = json.loads((out / "model.json").read_text())
    assert model_json["format"] == "layers-model"
    assert model_json["modelTopology"]["model_config"]["config"]["layers"][0]["config"]["batch_input_shape"]
    shards = [p for group in model_json["weightsManifest"] for p in group["paths"]]
    assert all((out / p).is_file() for p in shards)
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["input_shape"] == [28, 28, 1] and metadata["output_names"] == ["digit"]
    assert metadata["quantization"] == (figures["quantization"] or "float32")
    assert set(figures["test_accuracy_by_weights"]) == {"float32", "float16", "uint8"}


def test_reports_are_written_with_plots(smoke_models, mnist, tmp_path):
    from studies.report import write_report

    _, (x_test, y_test) = mnist
    page = write_report("mnist_cnn", smoke_models, tmp_path, x_test[:1000], y_test[:1000])
    text = page.read_text()
    for section in (
        "## Curves",
        "## Confusion matrix",
        "## Per-digit accuracy",
        "## Most-confused",
        "## Model summary",
    ):
        assert section in text
    for plot in ("curves", "confusion", "misread"):
        assert (tmp_path / f"mnist_cnn_{plot}.png").read_bytes().startswith(b"\x89PNG")


def test_optimizer_study_compares_every_required_optimizer(mnist, tmp_path):
    from studies.optimizer_study import main

    assert main(["--limit", "300", "--mlp-epochs", "1", "--cnn-epochs", "1", "--out-dir", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "optimizer_study.json").read_text())
    names = " | ".join(results)
    for required in (
        "SGD (lr",
        "Nesterov",
        "RMSprop (default",
        "RMSprop lr 1e-4",
        "Adam (default)",
        "β1=β2=0.8",
        "β1=β2=0",
        "cnn: Adam",
        "cnn: SGD momentum",
    ):
        assert required in names
    assert "| MLP | Adam (default) |" in (tmp_path / "optimizer_study.md").read_text()
    assert (tmp_path / "optimizer_study.png").read_bytes().startswith(b"\x89PNG")


def test_house_reader_has_six_named_heads_in_order():
    from train.models import build_house_reader

    model = build_house_reader()
    assert model.input_shape == (None, 54, 54, 3)
    assert model.output_names == ["length", "digit_1", "digit_2", "digit_3", "digit_4", "digit_5"]
    outputs = model(np.zeros((2, 54, 54, 3), np.float32))
    assert [o.shape[-1] for o in outputs] == [6, 11, 11, 11, 11, 11]
    assert model.count_params() <= 3_000_000
