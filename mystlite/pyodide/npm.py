"""The pyodide core from the npm registry (see mystlite/npm.py for how packages are fetched and verified)."""

from __future__ import annotations

from pathlib import Path

from ..log import Reporter
from ..npm import fetch_package_files

# What the browser needs from the npm package; the rest (types, maps, classic script, demo pages) is left out.
CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
OFFLINE_HINT = ("without network access, set `mystlite.pyodide` in myst.yml to a local pyodide tarball or folder, "
                "or copy a filled download cache to $MYSTLITE_CACHE_DIR")


def fetch_core(version: str, cache: Path, reporter: Reporter) -> Path:
    """The extracted core files of `pyodide@version`, verified against npm's published integrity."""
    def select(member: str) -> str | None:
        name = Path(member).name
        return name if name in CORE_FILES and member.count("/") == 1 else None

    return fetch_package_files("pyodide", version, cache / "pyodide" / version, reporter, select, CORE_FILES,
                               OFFLINE_HINT, what="the pyodide core")
