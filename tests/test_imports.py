"""What the site's code imports, and what mystlite makes of it: lock packages with their closure, PEP 783
wheels from PyPI, single files from pyodide's CDN (here a local fixture laid out the same way), and the truth
about offline."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from mystlite.errors import MystliteError
from mystlite.log import Reporter
from mystlite.pyodide.imports import imports_in, scan_site, script_requirements, strip_magics
from mystlite.site import build_site


def test_imports_are_read_with_ast():
    code = ("import a.b as c\nfrom x.y import z\n%pip install rich==13.*\n!ls -l\nvalue?\n"
            "def f():\n    import inner\nif True:\n    from . import relative\nimport os, json\n")
    clean, installs = strip_magics(code)
    assert imports_in(clean) == [("a", 1), ("x", 2), ("inner", 7), ("os", 10), ("json", 10)]
    assert installs == ["rich==13.*"]
    assert imports_in("def broken(:\n") == []
    assert script_requirements("# /// script\n# dependencies = ['attrs>=23', 'rich']\n# ///\n") == ["attrs>=23", "rich"]


def test_pages_and_contents_are_scanned_with_places(make_project):
    from mystlite.config import load_config
    from mystlite.project import load_project

    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# N"]},
                          {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": ["x = 1\n", "import numpy.linalg as la\n"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    root = make_project({
        "myst.yml": "version: 1\nproject:\n  jupyter: lite\nmystlite:\n  contents: [lib]\n",
        "page.md": "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
                   "```{code-cell} python\n:tags: [hide-input]\nimport pandas\nfrom helpers import tool\n```\n",
        "nb.ipynb": json.dumps(notebook),
        "lib/helpers.py": "import sympy\n",
        "static.md": "```python\nimport never_scanned\n```\n",
    })
    project = load_project(load_config(root))
    found = scan_site(project, [root / "lib" / "helpers.py"])
    assert sorted((u.module, u.where) for u in found.uses) == [
        ("numpy", "nb.ipynb:cell 2, line 2"), ("pandas", "page.md:9"), ("sympy", "lib/helpers.py:1")]
    assert "helpers" in found.local_modules  # a module the contents ship is not a package to look for


def test_closure_from_the_real_lock(download_cache):
    from mystlite.pyodide.distribution import LockResolver
    from mystlite.pyodide.npm import fetch_core
    from mystlite.pyodide.pypi import WheelCache

    core = fetch_core("314.0.6", download_cache, Reporter(quiet=True))
    lock = json.loads((core / "pyodide-lock.json").read_text())
    resolver = LockResolver(lock, None, WheelCache(download_cache), Reporter(quiet=True))
    closure = resolver.closure("matplotlib") | resolver.closure("pandas") | resolver.closure("numpy")
    assert {"numpy", "matplotlib", "pandas", "pillow", "kiwisolver", "contourpy", "python-dateutil",
            "pytz", "six", "pyparsing", "cycler", "fonttools"} <= closure
    assert resolver.closure("numpy") == {"numpy"}
    assert resolver.needs_compiled("pandas") and not resolver.needs_compiled("six")


# ---- a pyodide distribution whose compiled package is served per file, the way the CDN lays them out ----

@pytest.fixture
def cdn_fixture(tmp_path, download_cache, monkeypatch):
    from test_wheels import lock_entry, make_wheel

    from mystlite.pyodide.npm import fetch_core

    dist = tmp_path / "dist"
    shutil.copytree(fetch_core("314.0.6", download_cache, Reporter(quiet=True)), dist)
    (dist / "manifest.json").unlink()
    served = tmp_path / "cdn"
    served.mkdir()
    fast = make_wheel(served, "mltestcalc-2.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl")
    lock = json.loads((dist / "pyodide-lock.json").read_text())
    lock["packages"]["mltestcalc"] = lock_entry(fast, ["mltestcalc"])
    (dist / "pyodide-lock.json").write_text(json.dumps(lock))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MYSTLITE_PYODIDE_CDN", f"http://127.0.0.1:{server.server_address[1]}")
    root = tmp_path / "site"
    root.mkdir()
    (root / "myst.yml").write_text(f"version: 1\nproject:\n  title: T\n  jupyter: lite\nmystlite:\n  pyodide: {dist}\n")
    (root / "index.md").write_text("---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
                                   "```{code-cell} python\nimport mltestcalc\n```\n")
    cache = tmp_path / "cache"
    shutil.copytree(download_cache, cache, ignore=shutil.ignore_patterns("*.partial", "tmp*", "packages"))
    yield root, served, fast, cache
    server.shutdown()
    server.server_close()


def test_a_compiled_package_comes_per_file_verified_and_cached(cdn_fixture):
    root, served, fast, cache = cdn_fixture
    site = build_site(root, Reporter(quiet=True), cache_dir=cache)
    assert site.offline
    shipped = site.output / "lite/static/pyodide" / fast.name
    assert shipped.read_bytes() == fast.read_bytes()
    lock = json.loads((site.output / "lite/static/pyodide/pyodide-lock.json").read_text())["packages"]
    assert lock["mltestcalc"]["file_name"] == fast.name
    assert '"packages": ["mltestcalc"]' in (site.output / "index.html").read_text()  # preloaded on its page
    fast.unlink()  # offline now, with a warm cache: the same build
    (root / "index.md").write_text((root / "index.md").read_text() + "\nMore.\n")
    assert build_site(root, Reporter(quiet=True), cache_dir=cache).offline


@pytest.mark.parametrize("damage, reason", [("missing", "HTTP 404"), ("altered", "does not match the lock's")])
def test_a_file_that_cannot_be_had_is_the_truth_about_offline(cdn_fixture, damage, reason):
    root, served, fast, cache = cdn_fixture
    if damage == "missing":
        fast.unlink()
    else:
        fast.write_bytes(fast.read_bytes() + b"altered")
    reporter = Reporter(quiet=True)
    site = build_site(root, reporter, cache_dir=cache)
    assert not site.offline
    assert site.offline_note.startswith("mltestcalc (needed by index.md:8) could not be fetched; ")
    assert reason in site.offline_note and site.offline_note.endswith("readers will need the network")
    assert any(w.startswith("the site is not fully offline: mltestcalc") for w in reporter.warnings)
    with pytest.raises(MystliteError, match="the site is not fully offline: mltestcalc"):
        build_site(root, Reporter(quiet=True), cache_dir=cache, offline=True)


def test_an_import_nothing_provides_is_named_with_its_place(tmp_path, download_cache, capsys, monkeypatch):
    from mystlite.cli import main

    root = tmp_path / "site"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: T\n  jupyter: lite\n")
    (root / "index.md").write_text("---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
                                   "```{code-cell} python\nimport json\nimport torch\n```\n")
    monkeypatch.chdir(root)
    assert main(["build", "--cache-dir", str(download_cache)]) == 0
    err = capsys.readouterr().err
    assert ("warning: index.md:9: import torch: no package of pyodide 314.0.6 provides it, nor mystlite.packages "
            "or mystlite.wheels") in err
    assert "offline: yes" in err  # nothing that ships needs the network
    (root / "index.md").write_text((root / "index.md").read_text() + "\n")
    assert main(["build", "--offline", "--cache-dir", str(download_cache)]) == 1
    assert "error: index.md:9: import torch: no package" in capsys.readouterr().err


def test_zoneinfo_brings_pyodides_tzdata():
    """pyodide has no system time-zone data: a page that imports zoneinfo gets the tzdata package."""
    from mystlite.pyodide.imports import ImportUse, SiteImports
    from mystlite.pyodide.needs import site_needs

    lock = {"packages": {"tzdata": {"name": "tzdata", "imports": ["tzdata"], "depends": []}}}
    needs = site_needs(SiteImports(uses=[ImportUse("zoneinfo", "clock.md:9"), ImportUse("json", "clock.md:10")]),
                       lock, [])
    assert needs.packages == {"tzdata": ["clock.md:9"]} and needs.page_packages == {"clock.md": ["tzdata"]}
    assert needs.unknown == {}
