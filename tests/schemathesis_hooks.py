"""A check of our own for `schemathesis run` (schemathesis.toml loads this file).

schemathesis.toml lets a schema-valid request to a reading route be answered 400 or 422, since Schemathesis
sends images no schema can tell from readable ones: bytes that are no image, images with no ink. This check
keeps that allowance to those refusals, so that one the document could have ruled out (no_image,
empty_image, a box or find where it does not go) still fails the run.
"""

from __future__ import annotations

import schemathesis

from api import BOX_FIELDS, FIND_VALUES

# Refused for what the image holds: these no schema can tell from a readable image.
HELD_BY_THE_IMAGE = {"unreadable_image", "blank_image", "no_number"}


def box_outside_the_image(answer: dict) -> bool:
    """bad_box for where the box lies (reader.read.check_box_inside), which depends on the image's size."""
    return answer["error"] == "bad_box" and "lies outside the" in answer["detail"]


def find_and_box_apart(case: schemathesis.Case, answer: dict) -> bool:
    """bad_find for find=1 and a box sent apart, one in the query string and the other in the multipart form
    (api.box_and_find reads both): the document describes the query and the body each on its own, and
    cannot say that one rules out the other."""
    form = case.body if case.media_type == "multipart/form-data" and isinstance(case.body, dict) else {}
    fields = {name: str(value) for name, value in {**(case.query or {}), **form}.items() if name != "image"}
    find = FIND_VALUES.get(fields.get("find", "").lower(), False)
    return answer["error"] == "bad_find" and find and any(name in fields for name in BOX_FIELDS)


@schemathesis.check
def refused_only_for_what_the_image_holds(ctx, response, case: schemathesis.Case) -> None:
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return
    answer = response.json()
    if answer["error"] in HELD_BY_THE_IMAGE or box_outside_the_image(answer) or find_and_box_apart(case, answer):
        return
    raise AssertionError(f"A schema-valid request was refused for its shape: {answer['error']}: {answer['detail']}")
