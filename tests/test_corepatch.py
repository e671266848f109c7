"""The pyodide fix mystlite carries (mystlite/pyodide/corepatch.py): applied only to the pinned core, to a copy in
the cache; the shipped glue is the patched one, and a package's .so still links against the main module."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mystlite.log import Reporter
from mystlite.node import find_node
from mystlite.pyodide.corepatch import core_patches, patched_core
from mystlite.pyodide.distribution import PYODIDE_VERSION
from mystlite.pyodide.npm import CORE_FILES, fetch_core


class Noting(Reporter):
    def __init__(self):
        super().__init__(quiet=True)
        self.infos: list[str] = []

    def info(self, message: str) -> None:
        self.infos.append(message)


@pytest.fixture(scope="module")
def pinned_core(download_cache) -> Path:
    return fetch_core(PYODIDE_VERSION, download_cache, Reporter(quiet=True))


def test_the_pinned_core_is_patched_in_the_cache_and_the_download_never(pinned_core, tmp_path):
    glue_before = (pinned_core / "pyodide.asm.mjs").read_bytes()
    reporter = Noting()
    patched = patched_core(pinned_core, CORE_FILES, tmp_path, reporter)
    assert patched != pinned_core and tmp_path in patched.parents and reporter.infos == []
    text = (patched / "pyodide.asm.mjs").read_text()
    for patch in core_patches():
        for old, new in patch.replace:
            assert old not in text and new in text
    assert (pinned_core / "pyodide.asm.mjs").read_bytes() == glue_before
    for name in CORE_FILES:  # the other files are the download's, byte for byte
        if name != "pyodide.asm.mjs":
            assert (patched / name).read_bytes() == (pinned_core / name).read_bytes(), name
    stamp = (patched / "pyodide.asm.mjs").stat().st_mtime_ns
    assert patched_core(pinned_core, CORE_FILES, tmp_path, reporter) == patched  # made once, then reused
    assert (patched / "pyodide.asm.mjs").stat().st_mtime_ns == stamp
    (patched / "pyodide.asm.mjs").write_text(text + "// damaged\n")  # a damaged copy is made again
    assert patched_core(pinned_core, CORE_FILES, tmp_path, reporter) == patched
    assert (patched / "pyodide.asm.mjs").read_text() == text


def test_another_pyodide_build_runs_as_it_is_and_says_so(pinned_core, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(pinned_core, other)
    (other / "pyodide.asm.mjs").write_text((other / "pyodide.asm.mjs").read_text() + "\n// another build\n")
    reporter = Noting()
    assert patched_core(other, CORE_FILES, tmp_path / "cache", reporter) == other
    assert len(reporter.infos) == 1 and "pyodide.asm.mjs is not the pyodide build" in reporter.infos[0]
    assert not (tmp_path / "cache" / "pyodide-patched").exists()


def test_a_cache_that_cannot_be_written_leaves_the_stock_core(pinned_core, tmp_path):
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be")  # fails for root too, unlike a read-only mode
    reporter = Noting()
    assert patched_core(pinned_core, CORE_FILES, cache, reporter) == pinned_core
    assert len(reporter.infos) == 1 and "could not be written" in reporter.infos[0]


LINK_CHECK = """
import { pathToFileURL } from "node:url";
const [core, wheel] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(core + "/pyodide.mjs").href);
const py = await loadPyodide({ indexURL: core + "/", stdout: () => {}, stderr: () => {} });
const atStart = Object.keys(py._module.GOT).length;
await py.loadPackage(pathToFileURL(wheel).href, { messageCallback: () => {} });
const entries = Object.values(py._module.GOT);
const result = py.runPython(`
import msgpack, msgpack._cmsgpack as compiled
data = {"a": [1, 2.5, "x"], "b": None}
compiled.unpackb(compiled.Packer().pack(data)) == data and compiled.__file__.endswith(".so")`);
console.log(JSON.stringify({ atStart, after: entries.length, unresolved: entries.filter((e) => e.value == -1).length,
                             result }));
"""


def test_the_shipped_glue_is_patched_and_a_compiled_package_links_against_it(science, pinned_core, download_cache,
                                                                           tmp_path):
    """The site ships the patched glue. Started from it (in node, with the whole stdlib: the site's is split
    for the browser), pyodide makes dynamic-linking entries for the few symbols the main module asks for, not
    one per export; msgpack's .so, loaded after, gets the main module's functions it asks for."""
    import json

    pyodide = science.lite / "static" / "pyodide"
    core = patched_core(pinned_core, CORE_FILES, download_cache, Reporter(quiet=True))
    assert (pyodide / "pyodide.asm.mjs").read_bytes() == (core / "pyodide.asm.mjs").read_bytes()
    wheel = next(pyodide.glob("msgpack-*.whl"))
    script = tmp_path / "link.mjs"
    script.write_text(LINK_CHECK)
    done = subprocess.run([find_node(), str(script), str(core), str(wheel)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["result"] is True
    assert found["atStart"] < 1000  # stock glue: about 8,800
    assert found["after"] > found["atStart"] and found["unresolved"] == 0
