"""Finding the house number in a photo: the geometry, the localizer's decoding, the same in Python
and in the page's JS, the committed localizer's figures, the CLI's --find, and training end to end."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from reader import photo_view, preprocess_config
from reader.decode import agreed_reading, decode_box
from reader.house_crop import CANDIDATE_SCALES, candidate_boxes, clip_box
from reader.locate import iou, photo_box
from tests.conftest import ROOT
from tests.jsbridge import js_agreed_reading, js_decode_box, js_fit_region, js_read_photo, js_zoom_region

WEB_MODELS = ROOT / "web" / "static" / "models"
PHOTO_CONFIG = preprocess_config.photo_config()


@pytest.fixture(scope="module")
def scenes():
    from train.synth import generate_scenes

    return generate_scenes(6, seed=21)


def random_photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_a_portrait_photo_keeps_its_shape_with_grey_beside_it():
    view = photo_view.fit_region(random_photo(400, 300))
    assert view.shape == (192, 256, 3)
    assert photo_view.region_scale(300, 400) == pytest.approx(0.48)
    assert np.all(view[:, 144:] == photo_view.PHOTO_PAD)  # 300 px * 0.48 = 144 columns of photo
    assert view[:, :144].std() > 0.05


def test_a_region_is_cut_from_the_photo_before_it_is_fitted():
    photo = np.zeros((480, 640, 3), np.uint8)
    photo[200:260, 300:380] = 255  # a white block in the region's middle
    view = photo_view.fit_region(photo, (260, 170, 160, 120))
    assert view.shape == (192, 256, 3)
    bright = np.argwhere(view[..., 0] > 0.5)
    (top, left), (bottom, right) = bright.min(axis=0), bright.max(axis=0)
    # (300 - 260) * 1.6 = 64 ... (380 - 260) * 1.6 = 192; (200 - 170) * 1.6 = 48 ... 144
    assert abs(left - 64) <= 1 and abs(right - 191) <= 1 and abs(top - 48) <= 1 and abs(bottom - 143) <= 1


@pytest.mark.parametrize(
    "box", [(300, 200, 40, 20), (0, 0, 30, 30), (600, 450, 40, 30), (100, 100, 500, 100), (320, 240, 4, 6)]
)
def test_the_closer_look_is_4_by_3_inside_the_photo_and_holds_the_box(box):
    x, y, w, h = photo_view.zoom_region(box, 640, 480)
    assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480
    assert abs(w / h - 4 / 3) < 0.02
    assert w >= min(photo_view.MIN_ZOOM_WIDTH, 640)
    if box[2] * photo_view.ZOOM <= 640:  # a box that fits three times over is inside its region
        assert x <= box[0] and box[0] + box[2] <= x + w and y <= box[1] and box[1] + box[3] <= y + h


def test_the_box_is_read_from_the_most_likely_centre_cell():
    cells = np.full((24, 32, 5), -6.0)
    cells[10, 20] = [3.0, 0.0, 0.0, np.log(5.0), np.log(2.5)]  # centre at (20.5, 10.5) cells, 5 x 2.5 cells
    cells[3, 3, 0] = 2.0  # a weaker peak elsewhere is ignored
    found = decode_box(cells, 8)
    assert found["box"] == pytest.approx([164 - 20, 84 - 10, 40, 20])
    assert found["score"] == pytest.approx(1 / (1 + np.exp(-3.0)))


def test_boxes_map_back_to_the_photo_and_stay_inside_it():
    region = (100, 50, 320, 240)  # scale 0.8
    assert photo_box([80, 40, 40, 16], region) == pytest.approx([200, 100, 50, 20])
    assert clip_box([-5.2, 10.4, 30.0, 1000.0], 640, 480) == [0, 10, 25, 470]
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(1 / 3)


def test_python_and_the_page_cut_and_fit_regions_alike(scenes):
    images = [s.image for s in scenes[:3]] + [random_photo(301, 197, 1)]
    regions = [None, photo_view.zoom_region(scenes[1].box, *scenes[1].image.shape[1::-1]), (3, 5, 77, 41), None]
    for ours, theirs in zip(
        [photo_view.fit_region(im, r) for im, r in zip(images, regions)], js_fit_region(images, regions, PHOTO_CONFIG)
    ):
        assert np.abs(ours - theirs).max() <= 1e-4


def test_python_and_the_page_choose_the_same_closer_looks():
    rng = np.random.default_rng(3)
    boxes = [
        (float(x), float(y), float(w), float(h))
        for x, y, w, h in zip(
            rng.uniform(-20, 600, 200), rng.uniform(-20, 450, 200), rng.uniform(1, 300, 200), rng.uniform(1, 200, 200)
        )
    ]
    assert js_zoom_region(boxes, 640, 480, PHOTO_CONFIG) == [list(photo_view.zoom_region(b, 640, 480)) for b in boxes]


def test_python_and_the_page_decode_the_same_box():
    cells = np.random.default_rng(4).normal(0, 2, (5, 24, 32, 5)).astype(np.float32)
    for ours, theirs in zip([decode_box(c, 8) for c in cells], js_decode_box(cells, 8)):
        assert theirs["box"] == pytest.approx(ours["box"], abs=1e-6)
        assert theirs["score"] == pytest.approx(ours["score"], abs=1e-9)


# --- the committed localizer ----------------------------------------------------------------


@pytest.fixture(scope="module")
def exported_localizer():
    """The Keras localizer holding exactly the weights TF.js reads (folded, dequantized as metadata.json says)."""
    from export.tfjs import load_shipped

    return load_shipped("localizer", ROOT / "models", WEB_MODELS)


def test_recorded_figures_of_the_committed_localizer():
    metrics = json.loads((ROOT / "models" / "metrics.json").read_text())["localizer"]
    held_out = metrics["held_out_scenes"]
    print(
        f"\nlocalizer: box found (IoU >= 0.5) in {held_out['box_found_iou_0_5']:.1%} of {held_out['scenes']} "
        f"held-out scenes, numbers read whole {held_out['read_whole']:.1%}"
    )
    assert held_out["box_found_iou_0_5"] >= 0.9 and held_out["read_whole"] >= 0.85
    assert metrics["export"]["export_bytes"] <= 2 * 1024 * 1024
    metadata = json.loads((WEB_MODELS / "localizer" / "metadata.json").read_text())
    assert metadata["preprocess"] == PHOTO_CONFIG and metadata["stride"] == 8


def test_the_page_finds_and_reads_what_python_finds_and_reads(scenes, exported_localizer):
    from export.tfjs import load_shipped
    from reader.read import find_house_number, read_house_number

    reader = load_shipped("house", ROOT / "models", WEB_MODELS)
    images = [s.image for s in scenes]
    pages = js_read_photo(WEB_MODELS / "house", WEB_MODELS / "localizer", images, [None] * len(images))
    same = 0
    for image, page in zip(images, pages):
        ours = find_house_number(image, reader, exported_localizer)
        assert np.abs(np.array(page["box"]) - ours["box"]).max() <= 1, (page["box"], ours["box"])
        if page["box"] == ours["box"]:
            same += 1
            assert page["number"] == ours["number"]
            assert page["confidence"] == pytest.approx(ours["confidence"], abs=1e-4)
    assert same >= len(images) - 1  # a box a pixel off, from float rounding, is rare
    # With the same box, the page reads exactly what the CLI reads.
    boxed = js_read_photo(WEB_MODELS / "house", WEB_MODELS / "localizer", images, [s.box for s in scenes])
    for scene, page in zip(scenes, boxed):
        ours = read_house_number(scene.image, reader, scene.box)
        assert page["number"] == ours["number"]
        assert page["confidence"] == pytest.approx(ours["confidence"], abs=1e-4)


def test_the_reader_also_reads_the_box_narrower_and_wider():
    boxes = candidate_boxes((100, 50, 40, 20), 640, 480)
    assert boxes[0] == [100, 50, 40, 20] and len(boxes) == len(CANDIDATE_SCALES) == 5
    assert all(abs(b[0] + b[2] / 2 - 120) <= 1 and abs(b[1] + b[3] / 2 - 60) <= 1 for b in boxes)  # same centre
    assert sorted(b[2] for b in boxes) == [34, 40, 48, 54, 62] and {b[3] for b in boxes} == {20}
    assert candidate_boxes((630, 470, 10, 10), 640, 480)[2] == [629, 470, 11, 10]  # kept inside the photo


def test_the_box_variants_vote_for_the_number():
    # One odd box reads "18" very surely; four others read "183" a little less surely: "183" wins,
    # from its surest variant.
    readings = [{"number": "18", "confidence": 0.95}] + [
        {"number": "183", "confidence": c} for c in (0.5, 0.7, 0.6, 0.3)
    ]
    assert agreed_reading(readings) == 2
    assert agreed_reading([{"number": "7", "confidence": 0.4}]) == 0
    # Equal sums: the number read first wins; equal confidences: its first reading.
    tie = [
        {"number": "12", "confidence": 0.5},
        {"number": "21", "confidence": 0.5},
        {"number": "12", "confidence": 0.0},
    ]
    assert agreed_reading(tie) == 0


def test_python_and_the_page_keep_the_same_reading():
    rng = np.random.default_rng(3)

    def reading() -> dict:
        return {"number": str(rng.integers(3)), "confidence": round(float(rng.random()), 6)}

    cases = [[reading() for _ in range(rng.integers(1, 21))] for _ in range(200)]
    cases.append([{"number": "1", "confidence": 0.5}, {"number": "2", "confidence": 0.5}])
    assert js_agreed_reading(cases) == [agreed_reading(c) for c in cases]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "reader", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_cli_finds_the_number_in_a_photo(scenes, tmp_path):
    from PIL import Image

    paths = []
    for i, scene in enumerate(scenes[:3]):
        paths.append(tmp_path / f"scene{i}.png")
        Image.fromarray(scene.image).save(paths[-1])
    done = run_cli("--model", "house", "--find", *map(str, paths))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in paths]
    found = [iou(line["box"], scene.box) >= 0.5 for line, scene in zip(lines, scenes)]
    assert sum(found) >= 2 and all(0 <= line["box_score"] <= 1 for line in lines)
    usage = run_cli("--model", "house", "--find", "--box", "1,1,5,5", str(paths[0]))
    assert usage.returncode == 2 and "--find goes with --model house" in usage.stderr


def test_training_runs_end_to_end_on_a_few_scenes(tmp_path):
    command = [sys.executable, "-m", "train.localizer", "--scenes", "6", "--epochs", "1", "--eval-scenes", "3"]
    command += ["--out-dir", str(tmp_path), "--cache-dir", str(tmp_path / "cache")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "localizer.keras").is_file() and list((tmp_path / "cache").glob("scenes_v*_n6_s11.npz"))
    figures = json.loads((tmp_path / "metrics.json").read_text())["localizer"]
    assert figures["held_out_scenes"]["scenes"] == 3 and figures["train_views"] == 18


def test_training_mixes_in_real_photos_and_measures_the_real_validation_photos(tmp_path):
    """--real-dir: the training photos of a real split (file numbers below 1201) join the generated
    views; the validation photos (1201 and up) are only measured. --evaluate-only --trained-in then
    records the same model's figures elsewhere, with how it was trained."""
    from train import svhn

    split = tmp_path / "real"
    split.mkdir()
    annotations = [
        svhn.Annotation(f"{number}.png", (svhn.DigitBox(40 + number % 7, 8, 20, 30, 3),)) for number in (5, 9, 40)
    ] + [svhn.Annotation("1201.png", (svhn.DigitBox(60, 10, 24, 34, 8),))]
    for annotation in annotations:
        Image.new("RGB", (160, 60), "white").save(split / annotation.filename)
    svhn.write_digitstruct_mat(split / "digitStruct.mat", annotations)
    run, cache = tmp_path / "run", tmp_path / "cache"
    command = [sys.executable, "-m", "train.localizer", "--scenes", "6", "--epochs", "1", "--eval-scenes", "3"]
    command += ["--real-dir", str(split), "--out-dir", str(run), "--cache-dir", str(cache)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((run / "metrics.json").read_text())["localizer"]
    assert figures["train_views"] == 18 + 3 * 2 * 3 * 2  # scenes x 3 views, + photos x passes x 3 views x oversample
    assert figures["real_validation"]["photos"] == 1 and list(cache.glob("svhn_real_views_train_*.npz"))
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    shutil.copy(run / "localizer.keras", shipped / "localizer.keras")
    command = [sys.executable, "-m", "train.localizer", "--evaluate-only", "--eval-scenes", "3", "--out-dir"]
    command += [str(shipped), "--real-dir", str(split), "--trained-in", str(run)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    recorded = json.loads((shipped / "metrics.json").read_text())["localizer"]
    assert recorded["real_validation"] == figures["real_validation"] and recorded["epochs"] == 1
    assert recorded["real_photos"]["oversample"] == 2 and recorded["trained_in"] == str(run)
