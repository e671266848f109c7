"""Fixes mystlite carries for pyodide's core files, as it carries mystmd's (pages/mystpatch.py).

Each is a JSON file in core_patches/: exact replacements in one core file (pyodide.asm.mjs is a single minified
line, so a line diff would not say much), for that file with one sha256, the one of the pinned pyodide. They are
applied to a copy of the core in the download cache (the downloaded core is never changed), the other core files
linked beside it; a core that is not that one (another version, a custom build) runs as it is, with one info
line. The pages' runtime and the lite app load the same copy, and the start-up snapshot is made with it.

- lazy-main-got.json: the main module's exports get their dynamic-linking entries when a package's .so asks
  for them, not all 8,560 at start-up (about 50 ms of a warm page's start; bench/first_output.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..files import file_digest, matches_record, record_digest, write_if_changed
from ..log import Reporter

PATCHES = Path(__file__).parent / "core_patches"


@dataclass(frozen=True)
class CorePatch:
    name: str
    file: str  # the core file it changes
    for_sha256: str  # that file's digest in the pyodide it was written for
    replace: tuple[tuple[str, str], ...]  # (old, new): each old text occurs exactly once


def core_patches() -> list[CorePatch]:
    found = []
    for path in sorted(PATCHES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(CorePatch(path.stem, data["file"], data["for_sha256"],
                               tuple((item["old"], item["new"]) for item in data["replace"])))
    return found


def apply_replacements(text: str, patch: CorePatch) -> str | None:
    """text with the patch's replacements made, or None when one of its old texts is not there exactly once."""
    for old, new in patch.replace:
        if text.count(old) != 1:
            return None
        text = text.replace(old, new)
    return text


def patched_core(core: Path, core_files: tuple[str, ...], cache: Path, reporter: Reporter) -> Path:
    """The folder of core files to ship and to snapshot: a patched copy in the cache when every patch is for
    these files, else `core` itself (with one info line saying why)."""
    patches = core_patches()
    if not patches:
        return core
    digests = {name: file_digest(core / name) for name in core_files}
    foreign = [p for p in patches if digests.get(p.file) != p.for_sha256]
    if foreign:
        reporter.info(f"{core / foreign[0].file} is not the pyodide build mystlite's start-up fixes are for: "
                      "it runs as it is")
        return core
    key = hashlib.sha256("\n".join([*(digests[name] for name in core_files), *(repr(p) for p in patches)])
                         .encode()).hexdigest()[:16]
    target = cache / "pyodide-patched" / key
    changed = sorted({p.file for p in patches})
    made = [target / name for name in core_files]
    if matches_record(made[0], *made[1:]):
        return target
    texts = {name: (core / name).read_text(encoding="utf-8") for name in changed}
    for patch in patches:
        result = apply_replacements(texts[patch.file], patch)
        if result is None:  # cannot happen for the pinned digest; the stock file is still right
            reporter.info(f"mystlite's start-up fix {patch.name} does not apply to {core / patch.file}: "
                          "it runs as it is")
            return core
        texts[patch.file] = result
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in core_files:
            if name in texts:
                write_if_changed(target / name, texts[name].encode("utf-8"))
            else:
                _link_or_copy(core / name, target / name)
        record_digest(made[0], *made[1:])
    except OSError as err:  # a read-only or full cache: the stock core works, only starts slower
        reporter.info(f"mystlite's start-up fixes for pyodide could not be written to {target} "
                      f"({err.strerror or err}): it runs as it is")
        return core
    return target


def _link_or_copy(source: Path, dest: Path) -> None:
    # the wasm is 9.6 MB: a hard link when the cache and the core share a file system
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    tmp.replace(dest)
