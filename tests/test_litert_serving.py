"""The API and the CLI read with LiteRT what Keras reads: every served TFLite export (reader/read.py load_reader)
against the Keras model it was exported from, through the reading code itself, on real images (MNIST test
digits, real SVHN validation photos, numbers of MNIST test digits drawn as on the page); and serving runs
without TensorFlow."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from functools import cache

import numpy as np
import pytest
from PIL import Image

from reader.read import find_house_number, load_image, load_reader, read_digit, read_house_number, read_number
from tests.conftest import ROOT, require_data
from tests.drawings import SEVEN, draw_polylines

DIGITS = 300  # MNIST test digits per digit model
PHOTOS = 12  # real SVHN validation photos, read with their box and found
NUMBERS = 12  # numbers of MNIST test digits on the number canvas
# The served exports hold float16 weights; the conversion itself is exact (tests/test_tflite.py), so a
# probability moves by their rounding only: at most 3.4e-3 on the held-out sets (models/tflite/metrics.json).
PROBABILITY_TOLERANCE = 5e-3
BOX_TOLERANCE = 2  # px: a found box is decoded from the localizer's cells, moved a little by the same rounding


@cache
def served(kind: str):
    return load_reader(kind)


@cache
def keras(kind: str):
    from train.evaluate import load_keras_reader

    return load_keras_reader(kind)


def assert_same_reading(litert: dict, reference: dict) -> None:
    """The same digits, digit by digit, and confidences within the float16 rounding."""
    assert litert.get("number", litert.get("digit")) == reference.get("number", reference.get("digit"))
    assert litert["confidence"] == pytest.approx(reference["confidence"], abs=PROBABILITY_TOLERANCE)
    for ours, theirs in zip(litert.get("digits", []), reference.get("digits", []), strict=True):
        assert ours["digit"] == theirs["digit"]
        assert ours["confidence"] == pytest.approx(theirs["confidence"], abs=PROBABILITY_TOLERANCE)
        if "box" in theirs:
            assert ours["box"] == theirs["box"]


@pytest.fixture(scope="module")
def photos() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """The first real validation photos (never trained on), as the API decodes them, with the annotated box."""
    from train.svhn import REAL_SAMPLE_DIR, load_annotations, split_real, union_box

    directory = require_data(REAL_SAMPLE_DIR / "digitStruct.json", "real SVHN photos").parent
    _, validation = split_real(load_annotations(directory))
    return [
        (load_image(directory / a.filename), tuple(int(v) for v in union_box(a.boxes))) for a in validation[:PHOTOS]
    ]


@pytest.fixture(scope="module")
def numbers(mnist) -> list[tuple[str, np.ndarray]]:
    from tests.numbers import compose_numbers, render_strokes

    (_, _), (x_test, y_test) = mnist
    return [(n.label, render_strokes(n.strokes)) for n in compose_numbers(x_test, y_test, NUMBERS, seed=9)]


# --- the same readings ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cnn", "mlp"])
def test_digits_read_as_keras_reads_them(kind: str, mnist) -> None:
    (_, _), (x_test, _) = mnist
    disagree = 0
    for image in x_test[:DIGITS]:
        pixels = (image[..., 0] * 255).astype(np.uint8)
        ours, theirs = read_digit(pixels, served(kind)), read_digit(pixels, keras(kind))
        disagree += ours["digit"] != theirs["digit"]
        np.testing.assert_allclose(ours["probabilities"], theirs["probabilities"], atol=PROBABILITY_TOLERANCE)
    assert disagree == 0


def test_real_house_photos_read_as_keras_reads_them(photos) -> None:
    for pixels, box in photos:
        assert_same_reading(read_house_number(pixels, served("house")), read_house_number(pixels, keras("house")))
        assert_same_reading(
            read_house_number(pixels, served("house"), box), read_house_number(pixels, keras("house"), box)
        )


def test_numbers_are_found_in_real_photos_as_keras_finds_them(photos) -> None:
    for pixels, _ in photos:
        ours = find_house_number(pixels, served("house"), served("localizer"))
        theirs = find_house_number(pixels, keras("house"), keras("localizer"))
        assert_same_reading(ours, theirs)
        assert np.abs(np.subtract(ours["box"], theirs["box"])).max() <= BOX_TOLERANCE
        assert ours["box_score"] == pytest.approx(theirs["box_score"], abs=PROBABILITY_TOLERANCE)


def test_handwritten_numbers_read_as_keras_reads_them(numbers) -> None:
    for _, pixels in numbers:
        ours = read_number(pixels, served("cnn"), served("number_reader"))
        theirs = read_number(pixels, keras("cnn"), keras("number_reader"))
        assert_same_reading(ours, theirs)
        assert ours.get("readings") == theirs.get("readings")


def test_the_api_answers_what_keras_reads(client, photos, numbers) -> None:
    """Each route of the API, through the server, against the Keras reading of the same image."""

    def post(path: str, pixels: np.ndarray, **fields: str) -> dict:
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "PNG")
        data = {"image": (io.BytesIO(buffer.getvalue()), "image.png"), **fields}
        response = client.post(path, data=data, content_type="multipart/form-data")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    seven = draw_polylines(SEVEN)
    for name, kind in (("mnist-cnn", "cnn"), ("mnist-mlp", "mlp")):
        assert_same_reading(post(f"/api/predict/{name}", seven), read_digit(seven, keras(kind)))
    pixels, (x, y, w, h) = photos[0]
    boxed = post("/api/predict/house", pixels, x=str(x), y=str(y), w=str(w), h=str(h))
    assert_same_reading(boxed, read_house_number(pixels, keras("house"), (x, y, w, h)))
    found = post("/api/predict/house", pixels, find="1")
    assert_same_reading(found, find_house_number(pixels, keras("house"), keras("localizer")))
    _, number = numbers[0]
    assert_same_reading(post("/api/predict/number", number), read_number(number, keras("cnn"), keras("number_reader")))


def test_a_freshly_trained_model_is_read_once_exported(smoke_models, tmp_path) -> None:
    """Training writes a .keras; `python -m export.tflite` makes what the CLI (--models-dir) and the API
    (MODELS_DIR) read, and they read it as Keras does."""
    import server
    from export.tflite import main as export_tflite
    from train.evaluate import load_keras_reader

    out = ["--models-dir", str(smoke_models), "--out-dir", str(smoke_models / "tflite")]
    assert export_tflite(["--model", "mnist_mlp", *out]) == 0
    seven = draw_polylines(SEVEN)
    Image.fromarray(seven).save(tmp_path / "seven.png")
    command = [sys.executable, "-m", "reader", "--model", "mlp", "--models-dir", str(smoke_models)]
    done = subprocess.run([*command, str(tmp_path / "seven.png")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    app = server.create_app({"TESTING": True, "MODELS_DIR": smoke_models})
    body = (tmp_path / "seven.png").read_bytes()
    answer = app.test_client().post("/api/predict/mnist-mlp", data=body, content_type="image/png").get_json()
    reference = read_digit(seven, load_keras_reader("mlp", smoke_models))
    assert_same_reading(json.loads(done.stdout), reference)
    assert_same_reading(answer, reference)


# --- threads -------------------------------------------------------------------------------


def test_one_model_called_from_many_threads_at_once_answers_each_call_right() -> None:
    """Waitress calls a model from its threads at once; each call gets its own answer, as one thread would."""
    model = served("house")
    batches = [np.random.default_rng(seed).random((1 + seed % 5, 54, 54, 3), dtype=np.float32) for seed in range(16)]
    expected = [model(batch) for batch in batches]
    answers: dict[tuple[int, int], list[np.ndarray]] = {}

    def call(thread: int) -> None:
        for round_ in range(10):
            i = (thread + round_) % len(batches)
            answers[thread, round_] = model(batches[i])

    threads = [threading.Thread(target=call, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 80
    for (thread, round_), heads in answers.items():
        for head, reference in zip(heads, expected[(thread + round_) % len(batches)], strict=True):
            np.testing.assert_array_equal(head, reference)


# --- no TensorFlow at run time -------------------------------------------------------------

# Run in a fresh interpreter where TensorFlow and Keras cannot be imported at all: the server and the CLI
# read every model, and the modules loaded are listed.
WITHOUT_TENSORFLOW = """
import sys
for name in ("tensorflow", "tf_keras", "keras"):
    sys.modules[name] = None  # `import tensorflow` now raises ImportError
import io, json
import numpy as np
from PIL import Image
import api, server, reader.read, reader.cli

def png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()

seven = np.full((120, 120), 255, np.uint8); seven[20:30, 20:100] = 0; seven[30:100, 80:90] = 0
photo = np.full((120, 200, 3), 200, np.uint8); photo[40:80, 60:90] = 20; photo[40:80, 110:140] = 20
number = np.full((100, 300), 255, np.uint8); number[20:80, 40:50] = 0; number[20:80, 200:210] = 0
client = server.create_app({"TESTING": True}).test_client()
statuses = [
    client.post(path, data=png(pixels), content_type="image/png").status_code
    for path, pixels in [
        ("/api/predict/mnist-cnn", seven), ("/api/predict/mnist-mlp", seven), ("/api/predict/house?find=1", photo),
        ("/api/predict/house", photo), ("/api/predict/number", number),
    ]
]
with open(sys.argv[1], "wb") as file:
    file.write(png(seven))
code = reader.cli.main([sys.argv[1]])
print(json.dumps({"statuses": statuses, "cli": code, "modules": sorted(n for n, m in sys.modules.items() if m)}))
"""


def test_the_server_and_the_cli_read_every_model_without_tensorflow(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TENSORFLOW, str(tmp_path / "seven.png")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *cli_lines, summary = done.stdout.strip().splitlines()
    report = json.loads(summary)
    assert report["statuses"] == [200] * 5 and report["cli"] == 0
    assert json.loads(cli_lines[0])["digit"] == 7
    assert "ai_edge_litert" in report["modules"]
    assert not [m for m in report["modules"] if m.split(".")[0] in ("tensorflow", "tf_keras", "keras")]
