"""How the browser tests run Chromium: Debian's package, headless, WebGL through SwiftShader."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--enable-unsafe-swiftshader",  # WebGL on the CPU: headless Chromium has no GPU here
    "--use-angle=swiftshader",
    "--no-sandbox",  # containers run as root, where the sandbox cannot start
    "--disable-background-networking",  # no internet: skip update, sync and QUIC probes
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Chromium as on a machine whose graphics cannot run WebGL: the page falls back to WASM, which
# runs the CNN on the CPU ~50x faster than WebGL on SwiftShader (for tests that read thousands of crops).
NO_WEBGL_ARGS = [a for a in CHROMIUM_ARGS if "swiftshader" not in a] + [
    "--disable-gpu",
    "--disable-software-rasterizer",
    "--disable-3d-apis",
]
DESKTOP = {"viewport": {"width": 1000, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
