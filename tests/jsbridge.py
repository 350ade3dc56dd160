"""Calls tests/js/harness.mjs through Node: the page's real JS, run on the same inputs as Python."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np

from reader.decode import frame_classes

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "js" / "harness.mjs"


def node_available() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "@tensorflow" / "tfjs").is_dir()


def call_harness(request: dict, timeout: float = 300) -> dict | list:
    done = subprocess.run(
        ["node", str(HARNESS)], input=json.dumps(request), capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"node harness failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def rgba_of(pixels: np.ndarray) -> np.ndarray:
    """uint8 (H, W) gray or (H, W, 3) -> (H, W, 4) RGBA, as a canvas's ImageData holds it."""
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    if pixels.shape[2] == 3:
        pixels = np.concatenate([pixels, np.full(pixels.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def encode_image(image: np.ndarray) -> dict:
    rgba = rgba_of(image)
    return {"width": rgba.shape[1], "height": rgba.shape[0], "rgba_base64": base64.b64encode(rgba.tobytes()).decode()}


def js_preprocess(images: list[np.ndarray], config: dict, clean: bool = False) -> list[dict]:
    """preprocessDigit (digitInput.js) of each image, or preprocessClean (preprocess.js) with `clean`."""
    request = {"op": "preprocess", "images": [encode_image(im) for im in images], "config": config, "clean": clean}
    return call_harness(request)


def js_preprocess_house(images: list[np.ndarray], boxes: list, config: dict) -> list[np.ndarray]:
    encoded = [{**encode_image(im), "box": list(box) if box else None} for im, box in zip(images, boxes)]
    results = call_harness({"op": "preprocess_house", "images": encoded, "config": config})
    return [np.array(r["values"], dtype=np.float32).reshape(r["shape"]) for r in results]


def js_predict(model_dir: Path, inputs: np.ndarray) -> dict:
    inputs = np.ascontiguousarray(inputs, dtype=np.float32)
    return call_harness(
        {
            "op": "predict",
            "model_dir": str(model_dir),
            "inputs_base64": base64.b64encode(inputs.tobytes()).decode(),
            "shape": list(inputs.shape),
        }
    )


def js_read_number(model_dir: Path, images: list[np.ndarray], reader_dir: Path | None = None) -> list[dict]:
    """The page's number reading (web/static/js/model.js readNumber) on each image, in Node;
    with reader_dir, the number reader reads and segmentation gives the boxes."""
    request = {"op": "read_number", "model_dir": str(model_dir), "images": [encode_image(im) for im in images]}
    if reader_dir is not None:
        request["reader_dir"] = str(reader_dir)
    return call_harness(request)


def js_number_strip(images: list[np.ndarray], config: dict) -> list[dict]:
    """numberStrip.js preprocessNumberStrip on each image: {ok, strip (32, 256), placement} or {ok: False, error}."""
    results = call_harness({"op": "number_strip", "images": [encode_image(im) for im in images], "config": config})
    for r in results:
        if r["ok"]:
            r["strip"] = np.array(r.pop("values"), dtype=np.float32).reshape(r.pop("shape"))
    return results


def js_number_strips(images: list[np.ndarray], config: dict) -> list[list[dict]]:
    """numberStrip.js numberStrips of each image's ink: [{strip (32, 256), placement}] per image."""
    results = call_harness({"op": "number_strips", "images": [encode_image(im) for im in images], "config": config})
    return [
        [{"strip": np.array(s["values"], dtype=np.float32).reshape(s["shape"]), "placement": s["placement"]} for s in r]
        for r in results
    ]


def js_ink_image(images: list[np.ndarray], config: dict) -> list[dict]:
    """inkImage (paper normalised, contrast stretched) of each image: {ok, ink (H, W)} or {ok: False, error}."""
    results = call_harness({"op": "ink_image", "images": [encode_image(im) for im in images], "config": config})
    return [
        {**r, "ink": np.array(r["values"], dtype=np.float32).reshape(r["shape"])} if r["ok"] else r for r in results
    ]


def js_decode_frames(frames: np.ndarray) -> list[dict]:
    flat = [np.asarray(f, dtype=np.float64).ravel().tolist() for f in frames]
    blank = frame_classes()["blank"]  # as the page takes it from metadata.json
    return call_harness({"op": "decode_frames", "frames": flat, "classes": int(frames.shape[-1]), "blank": blank})


def js_frame_boxes(ink: np.ndarray, placement: dict, digits: list[dict], stride: int, threshold: float) -> list:
    request = {
        "op": "frame_boxes",
        "ink": {"width": ink.shape[1], "height": ink.shape[0], "values": ink.astype(np.float64).ravel().tolist()},
        "placement": placement,
        "digits": digits,
        "stride": stride,
        "threshold": threshold,
    }
    return call_harness(request)


def js_fit_region(images: list[np.ndarray], regions: list, config: dict) -> list[np.ndarray]:
    encoded = [{**encode_image(im), "region": list(r) if r else None} for im, r in zip(images, regions)]
    results = call_harness({"op": "fit_region", "images": encoded, "config": config})
    return [np.array(r["values"], dtype=np.float32).reshape(r["shape"]) for r in results]


def js_zoom_region(boxes: list, width: int, height: int, config: dict) -> list[list[int]]:
    request = {"op": "zoom_region", "boxes": [list(b) for b in boxes], "width": width, "height": height}
    return call_harness({**request, "config": config})


def js_decode_box(cells: np.ndarray, stride: int) -> list[dict]:
    flat = [c.ravel().tolist() for c in cells]
    return call_harness({"op": "decode_box", "cells": flat, "shape": list(cells.shape[1:]), "stride": stride})


def js_read_photo(reader_dir: Path, localizer_dir: Path, images: list[np.ndarray], boxes: list) -> list[dict]:
    """The page's photo reading in Node: with a box, or (None) the localizer's, as the automatic mode."""
    encoded = [{**encode_image(im), "box": list(b) if b else None} for im, b in zip(images, boxes)]
    request = {"op": "read_photo", "reader_dir": str(reader_dir), "localizer_dir": str(localizer_dir)}
    return call_harness({**request, "images": encoded}, timeout=600)


def js_agreed_reading(cases: list[list[dict]]) -> list[int]:
    """decode.js agreedReading on each list of readings ({number, confidence}): the index kept."""
    return call_harness({"op": "agreed_reading", "cases": cases})


def js_stroke_features(drawings: list[list[np.ndarray]], n_points: int) -> list[dict]:
    """strokeFeatures.js on each drawing (strokes of (k, 2) canvas pixels): {ok, features (n_points, 5)}
    or {ok: False, error}."""
    encoded = [[np.asarray(s, dtype=np.float64).reshape(-1, 2).tolist() for s in d] for d in drawings]
    results = call_harness({"op": "stroke_features", "drawings": encoded, "n_points": n_points})
    return [
        {"ok": True, "features": np.array(r["values"], dtype=np.float32).reshape(n_points, -1)} if r["ok"] else r
        for r in results
    ]


def js_fuse_readings(cases: list[tuple[np.ndarray, np.ndarray, float]]) -> list[dict]:
    """decode.js fuseReadings on each (image, strokes, image_weight): {probabilities, disagree}."""
    request = [
        {"image": np.asarray(i, np.float64).tolist(), "strokes": np.asarray(s, np.float64).tolist(), "image_weight": w}
        for i, s, w in cases
    ]
    return call_harness({"op": "fuse_readings", "cases": request})


def js_read_strokes(model_dir: Path, drawings: list[list[np.ndarray]]) -> dict:
    """model.js readStrokes of each drawing with the exported stroke reader, in Node:
    {probabilities: (N, 10), leaked_tensors}."""
    encoded = [[np.asarray(s, dtype=np.float64).reshape(-1, 2).tolist() for s in d] for d in drawings]
    result = call_harness({"op": "read_strokes", "model_dir": str(model_dir), "drawings": encoded})
    return {**result, "probabilities": np.array(result["probabilities"], dtype=np.float64)}
