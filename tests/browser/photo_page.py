"""The house-number page as a person uses it: open a photo, drag the box, read the number."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from playwright.sync_api import Page


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


class PhotoPage:
    def __init__(self, page: Page):
        self.page = page

    def open(self, base_url: str) -> PhotoPage:
        self.page.goto(f"{base_url}photo")
        # A function, not a bare expression: the page's CSP (no 'unsafe-eval') refuses re-evaluated strings.
        self.page.wait_for_function("() => document.body.dataset.ready !== 'false'", timeout=120_000)
        return self

    def testid(self, name: str):
        return self.page.get_by_test_id(name)

    def state(self, key: str):
        return self.page.evaluate("(key) => window.housePage[key]", key)

    def reads(self) -> int:
        return self.state("reads")

    def wait_for_read(self, after: int, timeout_ms: float = 120_000) -> None:
        """Wait until the page has read more than `after` times, or shows an error."""
        self.page.wait_for_function(
            "(n) => window.housePage.reads > n || !document.getElementById('error').hidden",
            arg=after,
            timeout=timeout_ms,
        )

    def upload(self, data: bytes, name: str = "photo.png", mime: str = "image/png") -> None:
        """Choose a file in the photo input, as a person does, and wait for the page's reading."""
        before = self.reads()
        self.testid("photo-input").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
        self.wait_for_read(before)

    def upload_image(self, image: np.ndarray) -> None:
        self.upload(png_bytes(image))

    def box(self) -> list[int]:
        """The crop box's data-x, data-y, data-w, data-h: photo pixels."""
        crop = self.testid("crop-box")
        return [int(crop.get_attribute(f"data-{k}")) for k in "xywh"]

    def number(self) -> str:
        return self.testid("number-result").text_content()

    def error(self) -> str | None:
        alert = self.testid("page-error")
        return alert.text_content() if alert.is_visible() else None

    def screen_point(self, x: float, y: float) -> tuple[float, float]:
        """Photo pixels -> viewport CSS pixels of the photo canvas."""
        rect = self.testid("photo-canvas").bounding_box()
        width, height = self.state("photoSize")
        return rect["x"] + x * rect["width"] / width, rect["y"] + y * rect["height"] / height

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """Press the mouse at `start`, move to `end` (viewport pixels) and release; wait for the read."""
        before = self.reads()
        mouse = self.page.mouse
        mouse.move(*start)
        mouse.down()
        for t in np.linspace(0, 1, steps + 1)[1:]:
            mouse.move(start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        mouse.up()
        self.wait_for_read(before)

    def touch_drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """The same with one finger, through the DevTools protocol (real touch events)."""
        before = self.reads()
        cdp = self.page.context.new_cdp_session(self.page)
        for i, t in enumerate(np.linspace(0, 1, steps + 1)):
            point = {"x": start[0] + (end[0] - start[0]) * t, "y": start[1] + (end[1] - start[1]) * t}
            cdp.send(
                "Input.dispatchTouchEvent", {"type": "touchStart" if i == 0 else "touchMove", "touchPoints": [point]}
            )
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()
        self.wait_for_read(before)

    def handle_centre(self, corner: str) -> tuple[float, float]:
        rect = self.testid(f"crop-handle-{corner}").bounding_box()
        return rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2
