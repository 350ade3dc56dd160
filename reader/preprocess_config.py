"""The preprocessing settings each model's metadata.json carries to the page's JS (preprocess.js,
paperInk.js, numberStrip.js, houseCrop.js, photoView.js).

One function per model, called by the export (export/tfjs.py) and by the parity tests, so each value is
written once: as a constant beside the code that uses it, gathered here.
"""

from __future__ import annotations

from reader.house_crop import CANDIDATE_SCALES, HOUSE_CROP, HOUSE_EXPAND, HOUSE_INPUT, HOUSE_OFFSETS
from reader.number_strip import (
    BAND_GAP,
    BOX_REACH,
    CENTRE_FLOOR,
    LINE_BEYOND,
    LINE_SHARE,
    NUMBER_GAP,
    STRIP_HEIGHT,
    STRIP_INK_HEIGHT,
    STRIP_INK_HEIGHTS,
    STRIP_MARGIN,
    STRIP_WIDTH,
    STRONG_INK,
)
from reader.paper_ink import (
    BACKGROUND_CELLS,
    BACKGROUND_PERCENTILE,
    EDGE_MAX_SHARE,
    EDGE_MIN_SHARE,
    EDGE_SHARE,
    EDGE_STROKES,
    FLOOR_CAP,
    LINE_BAND,
    LINE_LENGTH,
    LINE_MIN_SHARE,
    LINE_SLOPES,
    LINE_THICKNESS,
    LINE_WORK_SIDE,
    MARGIN_DARKNESS,
    MARGIN_RIM,
    MARGIN_SIDE,
    MAX_SHADOW,
    MIN_PAPER_LIGHT,
    NOISE_SPREAD,
    PAPER_PERCENTILE,
    POLARITY_RATIO,
    POLARITY_RUNS,
    RULE_LEVEL,
    RULE_MIN_THICKNESS,
    RULE_SHARE,
    RULE_THICKNESS,
    SAMPLES,
)
from reader.photo_view import MIN_ZOOM_WIDTH, PHOTO_HEIGHT, PHOTO_PAD, PHOTO_WIDTH, ZOOM
from reader.preprocess import BOX_SIZE, INK_THRESHOLD, INPUT_SIZE, MIN_CONTRAST


def background_config() -> dict:
    """Paper's normalisation (normaliseBackground), carried by both the digit classifiers' and the
    number reader's metadata: either may be the one the page hands inkImage."""
    return {
        "background_cells": BACKGROUND_CELLS,
        "background_percentile": BACKGROUND_PERCENTILE,
        "noise_spread": NOISE_SPREAD,
        "floor_cap": FLOOR_CAP,
        "line_length": LINE_LENGTH,
        "line_min_share": LINE_MIN_SHARE,
        "line_slopes": list(LINE_SLOPES),
        "line_band": LINE_BAND,
        "line_thickness": LINE_THICKNESS,
        "max_shadow": MAX_SHADOW,
        "min_paper_light": MIN_PAPER_LIGHT,
        "samples": SAMPLES,
        "line_work_side": LINE_WORK_SIDE,
        "margin_side": MARGIN_SIDE,
        "margin_rim": MARGIN_RIM,
        "margin_darkness": MARGIN_DARKNESS,
        "rule_level": RULE_LEVEL,
        "rule_share": RULE_SHARE,
        "rule_thickness": RULE_THICKNESS,
        "rule_min_thickness": RULE_MIN_THICKNESS,
        "polarity_runs": POLARITY_RUNS,
        "polarity_ratio": POLARITY_RATIO,
        "paper_percentile": PAPER_PERCENTILE,
        "edge_share": EDGE_SHARE,
        "edge_strokes": EDGE_STROKES,
        "edge_min_share": EDGE_MIN_SHARE,
        "edge_max_share": EDGE_MAX_SHARE,
    }


def digit_config() -> dict:
    """The digit classifiers' preprocessing (preprocessClean on the canvas, preprocessDigit and its paper elsewhere;
    inkImage in number mode)."""
    return {
        "input_size": INPUT_SIZE,
        "box_size": BOX_SIZE,
        "ink_threshold": INK_THRESHOLD,
        "min_contrast": MIN_CONTRAST,
        **background_config(),
    }


def strip_config() -> dict:
    """The number reader's strip (numberStrip, preprocessNumberStrip)."""
    return {
        "strip_height": STRIP_HEIGHT,
        "strip_width": STRIP_WIDTH,
        "strip_ink_height": STRIP_INK_HEIGHT,
        "strip_ink_heights": list(STRIP_INK_HEIGHTS),
        "strip_margin": STRIP_MARGIN,
        "strong_ink": STRONG_INK,
        "box_reach": BOX_REACH,
        "band_gap": BAND_GAP,
        "centre_floor": CENTRE_FLOOR,
        "line_share": LINE_SHARE,
        "line_beyond": LINE_BEYOND,
        "number_gap": NUMBER_GAP,
        "ink_threshold": INK_THRESHOLD,
        "min_contrast": MIN_CONTRAST,
        **background_config(),
    }


def house_config() -> dict:
    """The house reader's crop and windows (cropHouseNumber, houseWindows)."""
    return {
        "crop_size": HOUSE_CROP,
        "input_size": HOUSE_INPUT,
        "expand": HOUSE_EXPAND,
        "offsets": [list(o) for o in HOUSE_OFFSETS],
        "box_variants": [list(s) for s in CANDIDATE_SCALES],
    }


def photo_config() -> dict:
    """The localizer's views of a photo (fitRegion, zoomRegion)."""
    return {
        "photo_width": PHOTO_WIDTH,
        "photo_height": PHOTO_HEIGHT,
        "photo_pad": PHOTO_PAD,
        "zoom": ZOOM,
        "min_zoom_width": MIN_ZOOM_WIDTH,
    }
