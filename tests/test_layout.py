"""The layout's promise: what the server, the API and the CLI run never pulls in training code
or the training packages, so `make run` can install the runtime dependencies alone."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

# (h5py and scipy are not listed: TensorFlow itself loads them.)
TRAINING_PACKAGES = ("train", "export", "studies", "bench", "tensorflowjs", "matplotlib", "tqdm", "fontTools")


def modules_after(code: str) -> list[str]:
    """Top-level modules loaded by a fresh interpreter after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_serving_and_reading_import_no_training_code() -> None:
    # The server with its API, and a real reading through the CLI's code path (LiteRT loaded, a model run).
    loaded = modules_after(
        "import numpy as np\n"
        "import server, reader.cli\n"
        "from reader.read import load_reader, read_digit\n"
        "pixels = np.zeros((28, 28, 3), np.uint8); pixels[6:22, 12:16] = 255\n"
        "read_digit(pixels, load_reader('cnn'))\n"
        "server.create_app()"
    )
    assert "ai_edge_litert" in loaded and "tensorflow" not in loaded  # the reading did run, without TF
    assert not sorted(set(loaded) & set(TRAINING_PACKAGES))


def test_requirements_txt_is_the_only_pin_list_and_setup_installs_from_it() -> None:
    pins = (ROOT / "requirements.txt").read_text()
    assert "pip-compile" in pins and "--output-file=requirements.txt" in pins  # made by `make lock`
    assert "\ntensorflow==" in pins and "\nflask==" in pins
    assert not list(ROOT.glob("requirements*.lock")) and not list(ROOT.glob("*constraints*.txt"))
    assert "-c requirements.txt" in (ROOT / "scripts" / "setup.sh").read_text()


# --- one job per module (issue 26.4) -------------------------------------------------------
# The project's own Python: the packages and the app's modules at the root (tests are not sources).
PYTHON_PACKAGES = ("reader", "train", "export", "studies", "bench")
ROOT_MODULES = ("api.py", "server.py", "pwa.py", "preload.py", "assets.py")
MAX_MODULE_LINES = 600  # a module longer than this does more than one job: split it by job


def python_modules() -> dict[str, str]:
    """Dotted module name -> its file (from the repository's root), for every module of the project's own Python."""
    files = [ROOT / name for name in ROOT_MODULES]
    files += [path for package in PYTHON_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    modules = {}
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path.relative_to(ROOT).as_posix()
    return modules


def imported_modules(name: str, file: str, known: dict[str, str]) -> set[str]:
    """The project modules `name` imports anywhere in its file, inside functions too (a function-level
    import only delays a circle): for `from a.b import c`, a.b.c when it is a module, else a.b."""
    import ast

    package = name if file.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse((ROOT / file).read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # import a.b.c of a package a.b: the package
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_circle(graph: dict[str, set[str]]) -> list[str]:
    """One circle of imports (a -> b -> ... -> a), or [] when there is none: depth first, in order."""
    state = {}  # module -> "open" while on the current path, "done" once all it reaches is searched
    for start in sorted(graph):
        if start in state:
            continue
        path, pending = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while pending:
            target = next(pending[-1], None)
            if target is None:
                state[path.pop()] = "done"
                pending.pop()
            elif state.get(target) == "open":
                return path[path.index(target) :] + [target]
            elif target not in state:
                state[target] = "open"
                path.append(target)
                pending.append(iter(sorted(graph[target])))
    return []


def test_no_source_module_is_over_600_lines() -> None:
    scripts = sorted((ROOT / "web" / "static" / "js").glob("*.js"))  # the page's own (TF.js is under vendor/)
    sources = [ROOT / file for file in python_modules().values()] + scripts
    long = {str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"split these by job (lines): {long}"


def test_the_projects_modules_import_in_no_circle() -> None:
    modules = python_modules()
    graph = {name: imported_modules(name, file, modules) for name, file in modules.items()}
    assert "reader.decode" in graph["reader.read"]  # the graph sees the imports it should
    assert not (circle := import_circle(graph)), "import circle: " + " -> ".join(circle)
