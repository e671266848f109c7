"""Bytecode for pyodide's standard library, compiled at build time by pyodide itself (under node).

Pyodide never writes bytecode, so every cold start would compile the stdlib modules it imports; shipping
.pyc files for the commonly imported ones halves the time to first output. Those modules ship without their
.py; their sources go to a second zip, fetched only when a traceback needs a line of them (see
stdlib_sources.py). The result is cached per input.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import proc
from ..files import file_digest, matches_record, record_digest
from ..errors import MystliteError
from ..log import Reporter
from ..node import find_node

HERE = Path(__file__).parent
SCRIPT, WARMUP, SITECUSTOMIZE = HERE / "bytecode.mjs", HERE / "warmup.py", HERE / "stdlib_sources.py"
SOURCES_NAME = "python_stdlib_sources.zip"  # its name next to python_stdlib.zip (stdlib_sources.py fetches it)


@dataclass(frozen=True)
class CompiledStdlib:
    zip: Path  # python_stdlib.zip: bytecode for the common modules, source for the rest
    sources: Path  # the sources of the modules that ship as bytecode


def compiled_stdlib(core_dir: Path, cache: Path, reporter: Reporter) -> CompiledStdlib:
    source = core_dir / "python_stdlib.zip"
    inputs = [source, SCRIPT, WARMUP, SITECUSTOMIZE]
    key = hashlib.sha256("\n".join(file_digest(path) for path in inputs).encode()).hexdigest()[:16]
    target = cache / "bytecode" / f"python_stdlib-{key}.zip"
    sources = target.with_name(f"python_stdlib_sources-{key}.zip")
    if matches_record(target, sources):
        return CompiledStdlib(target, sources)
    if target.is_file():
        reporter.warn(f"the cached {target.name} does not match the digest recorded when it was made; "
                      "compiling it again")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial, partial_sources = target.with_suffix(".partial"), sources.with_suffix(".partial")
    with reporter.step("compiling the standard library's bytecode (once)"):
        result = proc.run([find_node(), str(SCRIPT), str(core_dir), str(source), str(partial), str(partial_sources),
                           str(WARMUP), str(SITECUSTOMIZE)], capture_output=True, text=True)
    if result.returncode != 0 or not partial.is_file() or not partial_sources.is_file():
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise MystliteError(f"compiling pyodide's standard library failed: {detail}")
    partial.replace(target)
    partial_sources.replace(sources)
    record_digest(target, sources)
    return CompiledStdlib(target, sources)
