"""A make-like "nothing changed" check for a whole build, cheap enough to run before anything is imported.

After a successful build we record the sha256 of every input (the project's files, and the files outside it
that the build used, such as ../wheels) and of every published file. When all of them, the build options
and mystlite's version are the same on the next run, the output is already up to date. Content, never size
and mtime, decides: an edit may keep both. (A published file is hashed again only when its stat, ctime
included, is not the recorded one: see _still_published.) Only stdlib is imported here: the point is to answer quickly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from . import __version__
from .baseurl import env_base_url
from .files import WORK_DIR, file_digest, project_files, stat_key, tree_digest, tree_files, vouch, write_text

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
    stats = saved.pop("published_stats", None) or {}
    if not output.is_dir() or not isinstance(published, dict) or not _still_published(
            output, published, stats, record_file.stat().st_mtime_ns):
        return None
    now = current(root, output, saved.get("external", []), options_key(base_url, cache_dir, flags))
    return output if now == saved else None


def snapshot(project_dir: Path, output: Path, external: list[Path], base_url: str | None,
             cache_dir: Path | None, flags: list[str] | None = None) -> dict:
    """The inputs as a build starts: recorded only if it succeeds, so an edit made during the build is
    seen by the next one."""
    return current(Path(project_dir).resolve(), output, [str(p) for p in external],
                   options_key(base_url, cache_dir, flags))


def record(project_dir: Path, inputs: dict, output: Path, placed: dict[str, str] | None = None) -> None:
    """`placed`: the sha256 of each file the build just put in the output (publish.Publication.wanted), which
    need not be read again: under the project's lock nothing else writes there meanwhile."""
    published, stats = {}, {}
    for rel, path in tree_files(output):
        before = os.stat(path)
        published[rel] = (placed or {}).get(rel) or file_digest(path)
        if stat_key(os.stat(path)) == stat_key(before):
            stats[rel] = list(stat_key(before))  # (a list: as it reads back from the record's JSON)
    data = {**inputs, "published_output": str(output), "published": published, "published_stats": stats}
    write_text(Path(project_dir).resolve() / RECORD, json.dumps(data))


def recall_published(project_dir: Path) -> None:
    """Before a build: the digests of the published files that the last record proves unchanged
    (_unchanged_since), so that publishing compares the new output with the old without reading it."""
    record_file = Path(project_dir).resolve() / RECORD
    try:
        recorded_ns = record_file.stat().st_mtime_ns
        saved = json.loads(record_file.read_text())
        output, published, stats = (Path(saved["published_output"]), saved["published"],
                                    saved.get("published_stats") or {})
    except (OSError, ValueError, KeyError, TypeError):
        return
    for rel, key in stats.items():
        path = output / rel
        try:
            stat = path.stat()
        except OSError:
            continue
        if _unchanged_since(stat, key, recorded_ns) and isinstance(published.get(rel), str):
            vouch(path, stat, published[rel])


def _unchanged_since(stat, recorded_key, recorded_ns: int) -> bool:
    """A file whose stat is the recorded one and whose ctime is older than the record itself has not been
    written since it was hashed (any write sets its ctime to the time of the write, and nothing can set it
    back): git's rule for "racily clean" index entries."""
    return recorded_key == list(stat_key(stat)) and stat.st_ctime_ns < recorded_ns


def _still_published(output: Path, published: dict, stats: dict, recorded_ns: int) -> bool:
    """Whether output holds exactly the published files. Only the files not proven unchanged since the record
    (_unchanged_since) are hashed: a no-change check of a 1,000-page site reads no output file."""
    found = 0
    for path in output.rglob("*"):
        try:
            stat = path.stat()
        except OSError:
            return False
        if not path.is_file():
            continue
        found += 1
        rel = path.relative_to(output).as_posix()
        if rel not in published:
            return False
        if _unchanged_since(stat, stats.get(rel), recorded_ns):
            continue
        if _digest(path) != published[rel]:
            return False
    return found == len(published)


def forget(project_dir: Path) -> None:
    (Path(project_dir).resolve() / RECORD).unlink(missing_ok=True)
