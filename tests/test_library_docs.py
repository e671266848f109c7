"""Real-project shapes around packages: the docs of a Python library, kept in the library's own repository, import
the library (built from its pyproject.toml at the commit being built), a helper found on the package index under
its import name, and a package whose dependency has no build for the browser (as quantecon needs numba). The
build finishes, says where each package came from, and a cell that needs the missing one says why.

The package index is a small PEP 503 index of our own on 127.0.0.1 (it stands in for PyPI, so that the test
knows exactly what exists); the library's build backend, flit_core, is taken from the real index once and
cached."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from test_runtime_browser import TIMEOUT, run_cell

pytestmark = [pytest.mark.build]

FLIT_CORE = "flit_core==3.12.0"


def write_wheel(folder: Path, name: str, version: str, init: str, requires: tuple[str, ...] = ()) -> None:
    module = name.replace("-", "_")
    with zipfile.ZipFile(folder / f"{module}-{version}-py3-none-any.whl", "w") as archive:
        archive.writestr(f"{module}/__init__.py", init)
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
        archive.writestr(f"{module}-{version}.dist-info/METADATA", meta)
        archive.writestr(f"{module}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        archive.writestr(f"{module}-{version}.dist-info/top_level.txt", module + "\n")


@pytest.fixture(scope="module")
def package_index(tmp_path_factory, download_cache):
    """A PEP 503 index on 127.0.0.1 with: mlfix-helper (pure), mlfix-quant (pure, needs mlfix-numbacore, which
    the index does not have), mlfix-ring and mlfix-ringmate (each needs the other, as panel and
    panel-material-ui do), and flit_core (the library's build backend)."""
    files = tmp_path_factory.mktemp("index-files")
    flit = download_cache / "test-index"
    if not list(flit.glob("flit_core-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                        "--dest", str(flit), FLIT_CORE], check=True)
    for wheel in flit.glob("flit_core-*.whl"):
        (files / wheel.name).write_bytes(wheel.read_bytes())
    write_wheel(files, "mlfix-helper", "2.0", "VALUE = 'helper from the index'\n")
    write_wheel(files, "mlfix-quant", "0.7", "import mlfix_numbacore\n", ("mlfix-numbacore>=0.5",))
    write_wheel(files, "mlfix-ring", "1.0", "NAME = 'ring'\n", ("mlfix-ringmate",))
    write_wheel(files, "mlfix-ringmate", "1.0", "import mlfix_ring\nPARTNER = 'ringmate with ' + mlfix_ring.NAME\n",
                ("mlfix-ring",))
    root = tmp_path_factory.mktemp("index")
    for wheel in files.glob("*.whl"):
        project = re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()
        (root / "simple" / project).mkdir(parents=True, exist_ok=True)
        (root / "simple" / project / wheel.name).write_bytes(wheel.read_bytes())
        (root / "simple" / project / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>\n')
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()


LIBRARY_PYPROJECT = """\
[build-system]
requires = ["flit_core>=3.4"]
build-backend = "flit_core.buildapi"

[project]
name = "mlfix-dags"
version = "{version}"
description = "A library whose docs run it"
dependencies = ["mlfix-helper>=1"]
"""

DOCS_PAGE = """\
---
kernelspec:
  name: python3
  display_name: Python 3
---
# Using mlfix_dags

```{code-cell} python
import mlfix_dags
print(mlfix_dags.describe())
```

```{code-cell} python
import mlfix_helper
print(mlfix_helper.VALUE)
```

```{code-cell} python
%pip install mlfix-quant
import mlfix_quant
```

```{code-cell} python
import mlfix_ringmate
print(mlfix_ringmate.PARTNER)
```
"""


def make_library(root: Path, version: str = "1.0", said: str = "dags at this commit") -> Path:
    (root / "src" / "mlfix_dags").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(LIBRARY_PYPROJECT.format(version=version))
    (root / "src" / "mlfix_dags" / "__init__.py").write_text(
        f'"""mlfix_dags"""\n\ndef describe():\n    return {said!r}\n')
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "myst.yml").write_text("version: 1\nproject:\n  title: mlfix_dags docs\n  jupyter:\n"
                                            "    lite: true\n")
    (root / "docs" / "index.md").write_text(DOCS_PAGE)
    return root / "docs"


def build(docs: Path, cache: Path, index: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_INDEX_URL": index, "PIP_RETRIES": "0"}
    return subprocess.run([sys.executable, "-m", "mystlite", "build", str(docs), "--cache-dir", str(cache), *extra],
                          capture_output=True, text=True, cwd=docs.parent, env=env)


@pytest.fixture(scope="module")
def library_docs(tmp_path_factory, download_cache, package_index):
    docs = make_library(tmp_path_factory.mktemp("repo"))
    result = build(docs, download_cache, package_index)
    return docs, result


def test_the_build_finishes_and_says_what_it_could_not_have(library_docs, download_cache, package_index):
    docs, result = library_docs
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert ("warning: index.md:19: mlfix-quant needs mlfix-numbacore, which has no wasm build: cells importing "
            "mlfix-quant will fail") in err
    assert "Traceback" not in err
    assert "provides it" not in err  # each import was found
    summary = next(line for line in err.splitlines() if line.startswith("packages: "))
    assert "mlfix-dags built from ../pyproject.toml" in summary
    assert "mlfix-helper, mlfix-quant, mlfix-ring, mlfix-ringmate from PyPI" in summary
    lock = json.loads((docs / "_build" / "html" / "lite" / "static" / "pyodide" / "pyodide-lock.json").read_text())
    assert {"mlfix-dags", "mlfix-helper", "mlfix-quant"} <= set(lock["packages"])
    assert "mlfix-numbacore" not in lock["packages"]
    page = (docs / "_build" / "html" / "index.html").read_text()
    data = json.loads(re.search(r'<script[^>]*id="mystlite-page"[^>]*>(.*?)</script>', page, re.S).group(1)
                      .replace("<\\/", "</"))
    assert data["unavailable"]["mlfix_numbacore"].startswith("mlfix-quant needs mlfix-numbacore")
    # a dependency cycle: pyodide would wait for ever on it, so the lock leaves out the edge into the package
    # walked first, and the page adds it back when it loads
    assert lock["packages"]["mlfix-ring"]["depends"] == ["mlfix-ringmate"]
    assert lock["packages"]["mlfix-ringmate"]["depends"] == []
    assert data["cycle_edges"] == {"mlfix-ringmate": ["mlfix-ring"]}

    # under --strict the missing package is the error, and the site before it stays as it was
    before = page
    (docs / "index.md").write_text(DOCS_PAGE + "\nMore text.\n")
    strict = build(docs, download_cache, package_index, "--strict")
    assert strict.returncode == 1
    errors = [line for line in strict.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: index.md:19: mlfix-quant needs mlfix-numbacore, which has no wasm build: cells "
                      "importing mlfix-quant will fail"]
    assert (docs / "_build" / "html" / "index.html").read_text() == before
    (docs / "index.md").write_text(DOCS_PAGE)


def test_the_library_is_built_at_the_commit_being_built(tmp_path, download_cache, package_index):
    """An edit of the library's source ships a new wheel; an edit of a page reuses the cached one; the same
    source gives the same wheel bytes in another folder (a fresh clone)."""
    first = make_library(tmp_path / "one", said="first")
    assert build(first, download_cache, package_index).returncode == 0
    def wheels(docs: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (docs / "_build/html/lite/static/pyodide").glob("mlfix_dags-*")}

    built = wheels(first)
    assert len(built) == 1
    with zipfile.ZipFile(first / "_build/html/lite/static/pyodide" / next(iter(built))) as archive:
        assert "'first'" in archive.read("mlfix_dags/__init__.py").decode()
    clone = make_library(tmp_path / "two", said="first")
    assert build(clone, download_cache, package_index).returncode == 0
    assert wheels(clone) == built  # reproducible: a fresh clone ships the same bytes
    (first.parent / "src" / "mlfix_dags" / "__init__.py").write_text('"""x"""\ndef describe():\n    return "second"\n')
    assert build(first, download_cache, package_index).returncode == 0
    changed = wheels(first)
    assert changed != built
    with zipfile.ZipFile(first / "_build/html/lite/static/pyodide" / next(iter(changed))) as archive:
        assert 'return "second"' in archive.read("mlfix_dags/__init__.py").decode()


@pytest.mark.browser
def test_the_docs_run_their_library_offline(library_docs, serve, offline_page):
    docs, result = library_docs
    assert result.returncode == 0
    served = serve(docs / "_build" / "html", "/dags/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url())
    assert run_cell(page, 0) == "dags at this commit"
    assert run_cell(page, 1) == "helper from the index"
    failed = run_cell(page, 2)
    assert "ModuleNotFoundError: No module named 'mlfix_numbacore'" in failed
    assert "mlfix-quant needs mlfix-numbacore, which has no wasm build" in failed
    assert "the site was built without mlfix_numbacore" in failed
    assert "not available on this site" not in failed
    assert run_cell(page, 3) == "ringmate with ring"  # it waited for ever on the cycle before
    browser.assert_offline()


def test_every_file_the_wheel_is_made_from_counts_for_the_up_to_date_check(tmp_path):
    """The wheel's digest covers the build files, the README (its description) and the sources; the build's
    up-to-date check must see the same files, or an edit of one would leave the old wheel published."""
    from mystlite.config import load_config
    from mystlite.pyodide.local_package import find_local_package
    from mystlite.site import external_inputs

    docs = make_library(tmp_path / "repo")
    (docs.parent / "README.md").write_text("# mlfix-dags\n")
    (docs.parent / "MANIFEST.in").write_text("include README.md\n")
    package = find_local_package(docs)
    inputs = set(external_inputs(load_config(docs)))
    assert set(package.input_paths()) <= inputs
    assert {docs.parent / "README.md", docs.parent / "MANIFEST.in", docs.parent / "src" / "mlfix_dags"} <= inputs
