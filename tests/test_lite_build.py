"""The lite bundle as files: lock, settings, wheels, contents, leanness, reproducibility, increments, atomicity."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import copy_sample
from mystlite.errors import MystliteError
from mystlite.log import Reporter
from mystlite.site import build_site

pytestmark = pytest.mark.build
PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def build(root: Path, cache: Path, **kwargs):
    return build_site(root, Reporter(quiet=True), cache_dir=cache, **kwargs)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def kernel_settings(lite: Path) -> dict:
    return json.loads((lite / "jupyter-lite.json").read_text())["jupyter-config-data"]["litePluginSettings"][PLUGIN]


def test_lock_lists_every_shipped_wheel_and_nothing_remote(built_sample):
    pyodide = built_sample.lite / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    assert {"micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", "coursekit"} <= set(packages)
    for name, entry in packages.items():
        wheel = pyodide / entry["file_name"]
        assert wheel.is_file(), name
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"], name
        for dep in entry["depends"]:
            assert dep in packages, f"{name} depends on {dep}, which the lock lacks"
    assert packages["coursekit"]["imports"] == ["coursekit"]
    assert "numpy" not in packages  # only what the site needs
    for core in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert (pyodide / core).is_file()


def test_kernel_settings_load_everything_from_the_site(built_sample):
    settings = kernel_settings(built_sample.lite)
    assert settings["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert settings["disablePyPIFallback"] is True
    assert settings["loadPyodideOptions"]["packages"][:2] == ["micropip", "piplite"]
    index_urls = [u.split("?")[0] for u in settings["pipliteUrls"]]
    assert "./pypi/all.json" in index_urls
    index = json.loads((built_sample.lite / "pypi" / "all.json").read_text())
    assert list(index["coursekit"]["releases"]) == ["0.1.0"]
    assert built_sample.offline


def test_contents_hold_compute_notebooks_and_data(built_sample):
    files = built_sample.lite / "files"
    shipped = sorted(p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file())
    assert shipped == ["data/temperatures.csv", "data/temperatures.png", "notebooks/explore.ipynb",
                       "notebooks/practice.ipynb", "notebooks/stats.ipynb"]  # about.md has jupyter: false;
    # index.md is no notebook
    converted = json.loads((files / "notebooks" / "stats.ipynb").read_text())
    assert converted["metadata"]["kernelspec"]["name"] == "python"
    assert [c["cell_type"] for c in converted["cells"]].count("code") == 4
    listing = json.loads((built_sample.lite / "api" / "contents" / "notebooks" / "all.json").read_text())
    assert {c["name"] for c in listing["content"]} == {"explore.ipynb", "practice.ipynb", "stats.ipynb"}


def test_bundle_is_lean(built_sample):
    lite = built_sample.lite
    assert not list(lite.rglob("*.map")), "sourcemaps shipped"
    assert (lite / "notebooks").is_dir() and (lite / "repl").is_dir()
    assert (lite / "tree").is_dir()  # the file list, which lite/ itself opens
    assert not (lite / "lab").exists()
    extensions = sorted(p.parent.relative_to(lite / "extensions").as_posix()
                        for p in (lite / "extensions").rglob("package.json"))
    assert extensions == ["@jupyterlite/pyodide-kernel-extension"]


def test_rebuilds_are_reproducible_incremental_and_atomic(tmp_path, download_cache):
    one = copy_sample(tmp_path / "one")
    two = copy_sample(tmp_path / "two")
    first = build(one, download_cache)
    assert first.changed and first.lite_tasks_run > 10
    assert digests(first.output) == digests(build(two, download_cache).output)  # byte-identical

    before = {p: p.stat().st_ino for p in first.output.rglob("*") if p.is_file()}
    again = build(one, download_cache)
    assert (again.changed, again.lite_tasks_run) == (False, 0)
    assert {p: p.stat().st_ino for p in first.output.rglob("*") if p.is_file()} == before

    storage = json.loads((first.output / "lite/jupyter-lite.json").read_text())["jupyter-config-data"]["contentsStorageName"]
    notebook = one / "notebooks" / "stats.md"
    notebook.write_text(notebook.read_text().replace("[3, 4, 5, 6]", "[1, 2]"))
    edited = build(one, download_cache)
    new_storage = json.loads((edited.output / "lite/jupyter-lite.json").read_text())["jupyter-config-data"]["contentsStorageName"]
    assert new_storage != storage  # readers' browsers show the edited notebook, not a stored stale copy
    # only JupyterLite's contents are redone (test_incremental compares such builds with clean ones)
    assert edited.changed and edited.lite_redone == "contents"
    assert "[1, 2]" in (edited.output / "lite/files/notebooks/stats.ipynb").read_text()
    unchanged = edited.output / "lite/static/pyodide/pyodide.asm.wasm"
    assert unchanged.stat().st_ino == before[first.output / "lite/static/pyodide/pyodide.asm.wasm"]

    good = digests(edited.output)
    (one / "notebooks" / "explore.ipynb").write_text('{"cells": [')
    with pytest.raises(MystliteError, match="explore.ipynb:1: invalid notebook JSON"):
        build(one, download_cache)
    assert digests(edited.output) == good  # the failed build left the output as it was


def test_contents_outside_the_project_are_refused(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    (tmp_path / "secret.txt").write_text("private")
    (root / "data" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(MystliteError, match=r"data/leak.txt links outside the project folder"):
        build(root, download_cache)
    (root / "data" / "leak.txt").unlink()
    text = (root / "myst.yml").read_text().replace("    - data\n", "    - data\n    - ../secret.txt\n")
    (root / "myst.yml").write_text(text)
    with pytest.raises(MystliteError, match=r"mystlite.contents\[1\]: is outside the project folder"):
        build(root, download_cache)


def test_hidden_and_git_files_are_not_shipped(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    (root / "data" / ".secret").write_text("x")
    (root / "data" / ".git").mkdir()
    (root / "data" / ".git" / "config").write_text("x")
    site = build(root, download_cache)
    shipped = [p.name for p in (site.lite / "files" / "data").rglob("*")]
    assert sorted(shipped) == ["temperatures.csv", "temperatures.png"]


@pytest.mark.parametrize("wheel_name,message", [
    ("native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "native wheel for manylinux_2_17_x86_64"),
    ("broken-1.0-py3-none-any.whl", "not a valid zip file"),
])
def test_bad_custom_wheels_fail_the_build_by_name(tmp_path, download_cache, wheel_name, message):
    from test_wheels import lock_entry, make_wheel

    root = copy_sample(tmp_path)
    if wheel_name.startswith("broken"):
        (tmp_path / "wheels" / wheel_name).write_bytes(b"garbage")
    else:
        make_wheel(tmp_path / "wheels", wheel_name)
    (root / "myst.yml").write_text((root / "myst.yml").read_text().replace(
        "    - ../wheels/coursekit-0.1.0-py3-none-any.whl", "    - ../wheels"))
    with pytest.raises(MystliteError, match=message) as err:
        build(root, download_cache)
    assert wheel_name in str(err.value)


def test_missing_wheel_path(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    (tmp_path / "wheels" / "coursekit-0.1.0-py3-none-any.whl").unlink()
    with pytest.raises(MystliteError, match=r"myst.yml:\d+: mystlite.wheels\[0\]: wheel path not found"):
        build(root, download_cache)


def test_declared_packages_are_resolved_pinned_and_preloaded(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    text = (root / "myst.yml").read_text().replace("mystlite:\n", "mystlite:\n  packages: [attrs, 'inflection==0.5.1', numpy]\n")
    (root / "myst.yml").write_text(text)
    site = build(root, download_cache)
    lock = json.loads((site.lite / "static/pyodide/pyodide-lock.json").read_text())["packages"]
    assert lock["inflection"]["version"] == "0.5.1"
    assert (site.lite / "static/pyodide" / lock["attrs"]["file_name"]).is_file()
    # numpy exists only as a pyodide build: without a distribution it loads from the CDN, and we say so
    assert lock["numpy"]["file_name"].startswith("https://") and not site.offline
    assert kernel_settings(site.lite)["disablePyPIFallback"] is False
    assert {"attrs", "inflection", "numpy"} <= set(kernel_settings(site.lite)["loadPyodideOptions"]["packages"])


def test_pyodide_from_a_distribution_folder_bundles_compiled_packages(tmp_path, download_cache):
    from test_wheels import lock_entry, make_wheel

    from mystlite.pyodide.npm import fetch_core

    dist = tmp_path / "dist" / "pyodide"
    shutil.copytree(fetch_core("314.0.6", download_cache, Reporter(quiet=True)), dist)
    fast = make_wheel(dist, "fastcalc-2.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl")
    lock = json.loads((dist / "pyodide-lock.json").read_text())
    lock["packages"]["fastcalc"] = lock_entry(fast, ["fastcalc"])
    (dist / "pyodide-lock.json").write_text(json.dumps(lock))
    subprocess.run(["tar", "cjf", str(tmp_path / "pyodide-dist.tar.bz2"), "-C", str(tmp_path / "dist"), "pyodide"],
                   check=True)
    root = copy_sample(tmp_path / "site")
    text = (root / "myst.yml").read_text().replace(
        "mystlite:\n", f"mystlite:\n  pyodide: {tmp_path / 'pyodide-dist.tar.bz2'}\n  packages: [fastcalc]\n")
    (root / "myst.yml").write_text(text)
    site = build(root, download_cache)
    shipped = json.loads((site.lite / "static/pyodide/pyodide-lock.json").read_text())["packages"]
    assert shipped["fastcalc"]["file_name"] == fast.name
    assert (site.lite / "static/pyodide" / fast.name).read_bytes() == fast.read_bytes()
    assert site.offline


def test_cdn_mode_self_hosts_nothing(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    (root / "myst.yml").write_text((root / "myst.yml").read_text().replace("mystlite:\n", "mystlite:\n  pyodide: cdn\n"))
    site = build(root, download_cache)
    assert not (site.lite / "static" / "pyodide").exists()
    assert "pyodideUrl" not in kernel_settings(site.lite)
    assert (site.lite / "pypi" / "coursekit-0.1.0-py3-none-any.whl").is_file()
    assert not site.offline


def test_no_npm_and_empty_cache_says_how_to_work_offline(tmp_path):
    root = copy_sample(tmp_path)
    only_node = tmp_path / "bin"  # node for mystmd, but no npm
    only_node.mkdir()
    (only_node / "node").symlink_to(shutil.which("node"))
    result = subprocess.run([sys.executable, "-m", "mystlite", "build", str(root), "--cache-dir", str(tmp_path / "c")],
                            capture_output=True, text=True, env={**os.environ, "PATH": str(only_node)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "npm is needed to fetch the pyodide core" in result.stderr
    assert "mystlite.pyodide" in result.stderr


def test_cli_skips_a_build_only_when_nothing_changed(tmp_path, download_cache):
    root = copy_sample(tmp_path)

    def cli_build() -> str:
        result = subprocess.run([sys.executable, "-m", "mystlite", "build", str(root), "--cache-dir",
                                 str(download_cache)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stderr

    assert "building" in cli_build()
    assert cli_build().strip().startswith("up to date")
    for path in [*root.rglob("*"), *(tmp_path / "wheels").rglob("*")]:  # touching is not changing
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert cli_build().strip().startswith("up to date")
    wheel = tmp_path / "wheels" / "coursekit-0.1.0-py3-none-any.whl"  # outside the project, still an input
    with zipfile.ZipFile(wheel, "a") as archive:  # rebuilt with the same version
        archive.writestr("coursekit/extra.txt", "rebuilt")
    assert "building" in cli_build()
    assert cli_build().strip().startswith("up to date")
    (root / "index.md").write_text((root / "index.md").read_text() + "\nOne more line.\n")
    assert "building" in cli_build()
    assert "One more line." in (root / "_build/html/index.html").read_text()
    shutil.rmtree(root / "_build/html/explore")  # damaged output is rebuilt, not trusted
    assert "building" in cli_build()
    assert (root / "_build/html/explore/index.html").is_file()
    assert cli_build().strip().startswith("up to date")  # (read by stat: the check hashes no output file)
    # an output file rewritten with its size and mtime kept: its ctime tells, and it is published again
    page = root / "_build/html/index.html"
    before = page.stat()
    page.write_bytes(page.read_bytes().replace(b"One more line.", b"One more LINE."))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size
    assert "building" in cli_build()
    assert b"One more line." in page.read_bytes()
