"""A make-like "nothing changed" check for a whole build, cheap enough to run before anything is imported.

After a successful build we record the size and mtime of every input (the project's files, and the files
outside it that the build used, such as ../wheels) and of every published file. When all of them, the
build options and mystlite's version are the same on the next run, the output is already up to date.
Only stdlib is imported here: the point is to answer in a few milliseconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import __version__
from .files import project_files, tree_stamp

RECORD = "_build/.mystlite/fingerprint.json"


def _stat(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _walk(root: Path, exclude: Path | None = None) -> dict[str, list[int] | None]:
    if root.is_file():
        return {str(root): _stat(root)}
    return {str(path): _stat(path) for path in project_files(root, exclude)}


def current(root: Path, output: Path, external: list[str], options: dict) -> dict:
    inputs = _walk(root, output)
    for path in external:
        if Path(path).exists():
            inputs.update(_walk(Path(path)))
        else:
            inputs[path] = None
    return {"version": __version__, "options": options, "external": sorted(external), "inputs": inputs,
            "output": str(output), "published": tree_stamp(output)}


def options_key(base_url: str | None, cache_dir: Path | None) -> dict:
    return {"base_url": base_url or os.environ.get("BASE_URL") or "",
            "cache_dir": str(cache_dir or os.environ.get("MYSTLITE_CACHE_DIR") or ""),
            "epoch": os.environ.get("SOURCE_DATE_EPOCH") or ""}


def up_to_date(project_dir: Path, base_url: str | None, cache_dir: Path | None) -> Path | None:
    """The output folder when nothing changed since the last successful build, else None."""
    root = Path(project_dir).resolve()
    record_file = root / RECORD
    try:
        saved = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return None
    output = Path(saved.get("output", ""))
    if not output.is_dir():
        return None
    now = current(root, output, saved.get("external", []), options_key(base_url, cache_dir))
    return output if now == saved else None


def record(project_dir: Path, output: Path, external: list[Path], base_url: str | None, cache_dir: Path | None) -> None:
    root = Path(project_dir).resolve()
    data = current(root, output, [str(p) for p in external], options_key(base_url, cache_dir))
    (root / RECORD).write_text(json.dumps(data))


def forget(project_dir: Path) -> None:
    (Path(project_dir).resolve() / RECORD).unlink(missing_ok=True)
