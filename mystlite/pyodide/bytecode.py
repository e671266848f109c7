"""pyodide's standard library split by when a page needs it, with bytecode compiled at build time by pyodide
itself (under node); see bytecode.mjs.

Pyodide never writes bytecode, so every cold start would compile the stdlib modules it imports; shipping
.pyc files for the ones a page imports to start halves the time to first output. Those ship in
python_stdlib.zip, without their .py; the modules common in readers' code (compiled too) and the rest (as
source) ship in two more archives that a page fetches only when its code imports one of their modules, so a
reader downloads about half of the stdlib it did. Compiled modules' sources go to a fourth zip, fetched only
when a traceback needs a line of them (see stdlib_sources.py). The result is cached per input.
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
KERNEL = HERE.parent / "runtime" / "static" / "kernel.py"  # what it imports ships in python_stdlib.zip
# their names next to python_stdlib.zip, where stdlib_sources.py fetches them
SOURCES_NAME = "python_stdlib_sources.zip"
LATER_NAMES = ("python_stdlib_common.zip", "python_stdlib_more.zip")


@dataclass(frozen=True)
class CompiledStdlib:
    zip: Path  # python_stdlib.zip: bytecode of what a page imports to start
    sources: Path  # the sources of the modules that ship as bytecode
    later: tuple[Path, ...]  # the archives of LATER_NAMES: fetched when code first imports one of their modules

    def shipped(self) -> dict[str, Path]:
        """What ships next to pyodide's core files, by name."""
        return {"python_stdlib.zip": self.zip, SOURCES_NAME: self.sources,
                **{name: path for name, path in zip(LATER_NAMES, self.later)}}


def compiled_stdlib(core_dir: Path, cache: Path, reporter: Reporter) -> CompiledStdlib:
    source = core_dir / "python_stdlib.zip"
    inputs = [source, SCRIPT, WARMUP, SITECUSTOMIZE, KERNEL]
    key = hashlib.sha256("\n".join(file_digest(path) for path in inputs).encode()).hexdigest()[:16]
    target = cache / "bytecode" / f"python_stdlib-{key}.zip"
    sources = target.with_name(f"python_stdlib_sources-{key}.zip")
    later = tuple(target.with_name(f"{name[:-4]}-{key}.zip") for name in LATER_NAMES)
    made = (target, sources, *later)
    if matches_record(*made):
        return CompiledStdlib(target, sources, later)
    if target.is_file():
        reporter.warn(f"the cached {target.name} does not match the digest recorded when it was made; "
                      "compiling it again")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = [path.with_suffix(".partial") for path in made]
    with reporter.step("compiling the standard library's bytecode (once)"):
        result = proc.run([find_node(), str(SCRIPT), str(core_dir), str(source), *map(str, partial[:1]),
                           *map(str, partial[2:]), str(partial[1]), str(KERNEL), str(WARMUP), str(SITECUSTOMIZE)],
                          capture_output=True, text=True)
    if result.returncode != 0 or not all(path.is_file() for path in partial):
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise MystliteError(f"compiling pyodide's standard library failed: {detail}")
    for done, path in zip(partial, made):
        done.replace(path)
    record_digest(*made)
    return CompiledStdlib(target, sources, later)
