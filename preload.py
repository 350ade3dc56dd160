"""The ES modules a page asks the browser to fetch at once, before its scripts run, where they are not
bundled yet (`npm ci` bundles them: scripts/build_js.mjs; then the page loads one file).

Without these hints the browser finds each module only when the one importing it has arrived, one
import level at a time. The models and the WASM binary are not hinted: the reading worker fetches
them (readerClient.js), and a page's preload is not shared with a worker, so each would download twice.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

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
def preload_paths(static_dir: Path, scripts: tuple[str, ...]) -> tuple[str, ...]:
    """Module paths under static/, read from the files once: every page view asks."""
    return tuple(f"js/{name}" for name in module_graph(static_dir / "js", scripts))


def page_preloads(static_dir: Path, static_url: str, scripts: tuple[str, ...]) -> list[str]:
    """URLs for <link rel=modulepreload>: the `scripts` and every module they import."""
    return [static_url + path for path in preload_paths(static_dir, scripts)]
