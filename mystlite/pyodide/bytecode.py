"""Bytecode for pyodide's standard library, compiled at build time by pyodide itself (under node).

Pyodide never writes bytecode, so every cold start would compile the stdlib modules it imports; shipping
.pyc files for the commonly imported ones halves the time to first output. The result is cached per input.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import proc
from ..files import file_digest, write_text
from ..errors import MystliteError
from ..log import Reporter
from ..node import find_node

HERE = Path(__file__).parent
SCRIPT, WARMUP = HERE / "bytecode.mjs", HERE / "warmup.py"


def compiled_stdlib(core_dir: Path, cache: Path, reporter: Reporter) -> Path:
    """python_stdlib.zip with .pyc files beside the sources of commonly imported modules."""
    source = core_dir / "python_stdlib.zip"
    key = hashlib.sha256("\n".join([file_digest(source), file_digest(SCRIPT), file_digest(WARMUP)]).encode())
    target = cache / "bytecode" / f"python_stdlib-{key.hexdigest()[:16]}.zip"
    record = target.with_name(target.name + ".sha256")
    if target.is_file() and record.is_file() and record.read_text().strip() == file_digest(target):
        return target
    if target.is_file():
        reporter.warn(f"the cached {target.name} does not match the digest recorded when it was made; "
                      "compiling it again")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with reporter.step("compiling the standard library's bytecode (once)"):
        result = proc.run([find_node(), str(SCRIPT), str(core_dir), str(source), str(partial), str(WARMUP)],
                                capture_output=True, text=True)
    if result.returncode != 0 or not partial.is_file():
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise MystliteError(f"compiling pyodide's standard library failed: {detail}")
    partial.replace(target)
    write_text(record, file_digest(target))
    return target
