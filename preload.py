"""What a page asks the browser to fetch at once, before its scripts run: its ES modules, the
WASM backend's binary and the files of the models it reads first.

Without these hints the browser finds each file only when the code that needs it runs: the
modules one import level at a time, the .wasm once TF.js has started, the model's metadata.json,
then model.json, then its weights, one after the other. On a new visit that chain was most of the
time to first prediction (bench/page.py); with the hints they all download while TF.js parses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from assets import static_version
from pwa import model_urls

# The WASM binary a browser without cross-origin isolation loads (every current one has SIMD);
# a browser that loads another binary has only fetched this one for nothing.
WASM_BINARY = "vendor/tfjs-backend-wasm-simd.wasm"
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\./[^'"]+)['"]""", re.MULTILINE)


def module_imports(source: str) -> list[str]:
    """The relative modules ('./x.js') an ES module imports or re-exports, in order."""
    return IMPORT.findall(source)


def module_graph(js_dir: Path, entries: tuple[str, ...]) -> list[str]:
    """Every module the `entries` (files in js_dir) load, themselves first, each once."""
    seen: list[str] = []
    pending = list(entries)
    while pending:
        name = pending.pop(0)
        if name in seen or not (js_dir / name).is_file():
            continue
        seen.append(name)
        pending += [Path(spec).name for spec in module_imports((js_dir / name).read_text())]
    return seen


@lru_cache(maxsize=16)
def preload_paths(static_dir: Path, scripts: tuple[str, ...], models: tuple[str, ...]) -> tuple[tuple, tuple]:
    """(module paths, fetch paths) under static/, read from the files once: every page view asks."""
    modules = tuple(f"js/{name}" for name in module_graph(static_dir / "js", scripts))
    wasm_version = static_version(static_dir, WASM_BINARY)  # the URL data-vendor-files gives TF.js
    fetches = [f"{WASM_BINARY}?v={wasm_version}"] if wasm_version else []
    for name in models:
        model_dir = static_dir / "models" / name
        if (model_dir / "metadata.json").is_file() and (model_dir / "model.json").is_file():
            fetches += [url for url, _ in model_urls(model_dir, f"models/{name}/")]
    return modules, tuple(fetches)


def page_preloads(
    static_dir: Path, static_url: str, scripts: tuple[str, ...], models: tuple[str, ...]
) -> dict[str, list[str]]:
    """{modules: URLs for <link rel=modulepreload>, fetches: URLs for <link rel=preload as=fetch>}."""
    modules, fetches = preload_paths(static_dir, scripts, models)
    return {"modules": [static_url + path for path in modules], "fetches": [static_url + path for path in fetches]}
