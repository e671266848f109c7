"""The in-page runtime: browser code (an ES module, a worker and a small Python module) shipped as package data.

Compute pages load it; it runs code cells on the site's own pyodide from lite/static/pyodide.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"
SITE_ROOT = Path(__file__).parent / "site_root"  # files whose URL must be at the site's root (a service worker's scope)
URL_DIR = "_static/runtime"  # where the files are published, relative to the site root
META_DIR = "_mystlite"  # the runtime's site-wide files, made per build
DRIVE_INDEX = f"{META_DIR}/drive.json"  # the lite drive's file list, for the runtime
PYODIDE_DIR = "lite/static/pyodide"  # the site's pyodide (where JupyterLite's app has it), for the runtime
EARLY_START = Path(__file__).parent / "early-start.js"  # inlined in a lite page's head: the worker starts at once


def runtime_files() -> dict[str, Path]:
    files = {f"{URL_DIR}/{p.name}": p for p in sorted(STATIC.iterdir()) if p.is_file()}
    files.update({p.name: p for p in sorted(SITE_ROOT.iterdir()) if p.is_file()})
    return files
