"""A make-like "nothing changed" check for a whole build, cheap enough to run before anything is imported.

After a successful build we record the sha256 of every input (the project's files, and the files outside it
that the build used, such as ../wheels) and of every published file. When all of them, the build options
and mystlite's version are the same on the next run, the output is already up to date. Content, never size
and mtime, decides: an edit may keep both. Only stdlib is imported here: the point is to answer quickly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from . import __version__
from .baseurl import env_base_url
from .files import WORK_DIR, file_digest, project_files, tree_digest, write_text

RECORD = f"{WORK_DIR}/fingerprint.json"


def _digest(path: Path) -> str | None:
    try:
        return file_digest(path)
    except OSError:  # unreadable, a dangling link, a loop: the build itself will say what is wrong
        return None


def _walk(root: Path, exclude: Path | None = None) -> dict[str, str | None]:
    if root.is_file():
        return {str(root): _digest(root)}
    links: list[Path] = []
    found = {str(path): _digest(path) for path in project_files(root, exclude, links)}
    # a symlinked folder (contents may follow it) or a broken link counts by where it points
    found.update({str(path): f"symlink:{os.readlink(path)}" for path in links})
    return found


@functools.cache
def code_digest() -> str:
    """mystlite's own code and browser files: a changed mystlite builds again, even at the same version."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for name, value in sorted(tree_digest(package).items()):
        if "__pycache__" not in name:
            digest.update(f"{name}\0{value}\n".encode())
    return digest.hexdigest()


def current(root: Path, output: Path, external: list[str], options: dict) -> dict:
    inputs = _walk(root, output)
    for path in external:
        if Path(path).exists():
            inputs.update(_walk(Path(path)))
        else:
            inputs[path] = None
    return {"version": __version__, "code": code_digest(), "options": options, "external": sorted(external), "inputs": inputs,
            "output": str(output)}


def build_flags(strict: bool = False, offline: bool = False, execute: bool = False) -> list[str]:
    """The build options that change what a build accepts or writes, as they are recorded."""
    return [name for name, on in (("strict", strict), ("offline", offline), ("execute", execute)) if on]


def options_key(base_url: str | None, cache_dir: Path | None, flags: list[str] | None = None) -> dict:
    return {"base_url": base_url or env_base_url() or "", "flags": flags or [],
            "cache_dir": str(cache_dir or os.environ.get("MYSTLITE_CACHE_DIR") or ""),
            "epoch": os.environ.get("SOURCE_DATE_EPOCH") or ""}


def up_to_date(project_dir: Path, base_url: str | None, cache_dir: Path | None,
               flags: list[str] | None = None) -> Path | None:
    """The output folder when nothing changed since the last successful build, else None."""
    root = Path(project_dir).resolve()
    record_file = root / RECORD
    try:
        saved = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict):
        return None
    output = Path(saved.pop("published_output", None) or "")
    published = saved.pop("published", None)
    if not output.is_dir() or published != tree_digest(output):
        return None
    now = current(root, output, saved.get("external", []), options_key(base_url, cache_dir, flags))
    return output if now == saved else None


def snapshot(project_dir: Path, output: Path, external: list[Path], base_url: str | None,
             cache_dir: Path | None, flags: list[str] | None = None) -> dict:
    """The inputs as a build starts: recorded only if it succeeds, so an edit made during the build is
    seen by the next one."""
    return current(Path(project_dir).resolve(), output, [str(p) for p in external],
                   options_key(base_url, cache_dir, flags))


def record(project_dir: Path, inputs: dict, output: Path) -> None:
    data = {**inputs, "published_output": str(output), "published": tree_digest(output)}
    write_text(Path(project_dir).resolve() / RECORD, json.dumps(data))


def forget(project_dir: Path) -> None:
    (Path(project_dir).resolve() / RECORD).unlink(missing_ok=True)
