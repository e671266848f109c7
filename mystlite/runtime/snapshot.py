"""The in-page runtime's start-up snapshot (see snapshot.mjs), made under node at build time.

Its bytes differ from build to build (the heap holds addresses and a hash seed), so it is cached under the
digest of its inputs and reused: an incremental and a clean build on one machine publish the same file, and
the file's name, which pages carry, is the same on every machine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import proc
from ..files import file_digest, matches_record, record_digest
from ..log import Reporter
from ..node import find_node
from . import STATIC

SCRIPT, KERNEL, FORMAT = Path(__file__).parent / "snapshot.mjs", STATIC / "kernel.py", STATIC / "heap.js"
CORE_INPUTS = ("pyodide.asm.wasm", "pyodide.asm.mjs", "pyodide.mjs")


def snapshot_key(core_dir: Path, stdlib: Path) -> str:
    parts = [file_digest(core_dir / name) for name in CORE_INPUTS]
    parts += [file_digest(path) for path in (stdlib, KERNEL, SCRIPT, FORMAT)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def startup_snapshot(core_dir: Path, stdlib: Path, cache: Path, reporter: Reporter) -> Path | None:
    """The gzipped snapshot for this core, stdlib zip and runtime; None (with a warning) when it cannot be
    made: pages then start Python the ordinary way, only slower."""
    target = cache / "snapshot" / f"python-{snapshot_key(core_dir, stdlib)}.snapshot.gz"
    if matches_record(target):
        return target
    partial = target.with_suffix(".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with reporter.step("making Python's start-up snapshot (once)"):
            result = proc.run([find_node(), str(SCRIPT), str(core_dir), str(stdlib), str(KERNEL), str(partial)],
                              capture_output=True, text=True)
    except OSError as err:  # e.g. a read-only cache: the site works without a snapshot, only starts slower
        reporter.warn(f"no start-up snapshot: {target.parent}: {err.strerror}; pages start Python without it")
        return None
    if result.returncode != 0 or not partial.is_file():
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        reporter.warn(f"no start-up snapshot: pyodide could not make one ({detail}); pages start Python "
                      "without it")
        return None
    partial.replace(target)
    record_digest(target)
    return target
