"""Custom wheels are checked before anything is built: name, zip, and a tag pyodide can load."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mystlite.errors import MystliteError
from mystlite.pyodide.wheelinfo import browser_tag_problem, read_wheel

ABI = "2026_0"


def make_wheel(folder: Path, filename: str, name: str | None = None, requires: list[str] = ()) -> Path:
    dist = filename.split("-")[0]
    version = filename.split("-")[1]
    path = folder / filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{dist}/__init__.py", "VALUE = 1\n")
        meta = f"Metadata-Version: 2.1\nName: {name or dist}\nVersion: {version}\n"
        meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
        archive.writestr(f"{dist}-{version}.dist-info/METADATA", meta)
        archive.writestr(f"{dist}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return path


def lock_entry(wheel: Path, imports: list[str]) -> dict:
    """A pyodide-lock.json entry for a test wheel, with its real sha256."""
    import hashlib

    name, version = wheel.name.split("-")[:2]
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "package_type": "package",
            "imports": imports, "depends": [], "unvendored_tests": False}


def test_pure_wheel_is_read(tmp_path):
    wheel = make_wheel(tmp_path, "tool-1.2-py3-none-any.whl",
                       requires=["attrs>=20", "pywin32; sys_platform == 'win32'", "tomli; python_version < '3.11'"])
    info = read_wheel(wheel)
    assert (info.name, info.version, info.imports) == ("tool", "1.2", ("tool",))
    assert info.requires == ("attrs",)  # markers are read for the browser: not win32, Python 3.14
    assert browser_tag_problem(info.tags, ABI) is None
    entry = info.lock_entry()
    assert entry["file_name"] == wheel.name and len(entry["sha256"]) == 64 and entry["depends"] == ["attrs"]


@pytest.mark.parametrize("filename,why", [
    ("fast-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "native wheel for manylinux_2_17_x86_64"),
    ("fast-1.0-cp312-cp312-macosx_11_0_arm64.whl", "native wheel for macosx_11_0_arm64"),
    ("fast-1.0-cp312-cp312-win_amd64.whl", "native wheel for win_amd64"),
    ("fast-1.0-cp313-cp313-pyodide_2025_0_wasm32.whl", "another pyodide ABI"),
])
def test_unloadable_tags_are_rejected(tmp_path, filename, why):
    info = read_wheel(make_wheel(tmp_path, filename))
    assert why in browser_tag_problem(info.tags, ABI)


def test_matching_emscripten_wheel_is_accepted(tmp_path):
    info = read_wheel(make_wheel(tmp_path, "fast-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl"))
    assert browser_tag_problem(info.tags, ABI) is None


def test_corrupt_wheel(tmp_path):
    wheel = tmp_path / "broken-1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(MystliteError, match="not a valid zip file"):
        read_wheel(wheel)


def test_bad_wheel_name(tmp_path):
    wheel = tmp_path / "nonsense.whl"
    wheel.write_bytes(b"")
    with pytest.raises(MystliteError, match="not a valid wheel file name"):
        read_wheel(wheel)


def test_metadata_name_must_match(tmp_path):
    wheel = make_wheel(tmp_path, "tool-1.0-py3-none-any.whl", name="other")
    with pytest.raises(MystliteError, match="METADATA names 'other'"):
        read_wheel(wheel)


def test_no_wasm_wheels_on_pypi_is_remembered_for_a_week_but_a_network_failure_is_not(tmp_path, monkeypatch):
    """altair's jsonschema needs rpds-py, which has no wasm wheel: pip says ResolutionImpossible. Asking again
    on every build cost 5 s an edit (mystmd's docs); a failed network is asked again next build."""
    import subprocess
    import time

    from mystlite.log import Reporter
    from mystlite.pyodide import pypi

    cache = pypi.WheelCache(tmp_path)
    asked: list[str] = []
    answer = {"stderr": "ERROR: ResolutionImpossible: for help visit …"}

    def pip(target, requirements):
        asked.append(requirements[0])
        return subprocess.CompletedProcess([], 1, "", answer["stderr"]), []

    monkeypatch.setattr(cache, "_pip_download", pip)
    quiet = Reporter(quiet=True)
    assert cache.wasm_closure("altair", ABI, quiet) == [] and asked == ["altair"]
    assert cache.wasm_closure("altair", ABI, quiet) == [] and asked == ["altair"]  # remembered
    now = time.time()
    monkeypatch.setattr(pypi.time, "time", lambda: now + pypi.NONE_REMEMBERED + 1)
    assert cache.wasm_closure("altair", ABI, quiet) == [] and asked == ["altair", "altair"]  # a week on: asked
    answer["stderr"] = "WARNING: Retrying … Connection refused\nERROR: Could not find a version that satisfies"
    assert cache.wasm_closure("vega-datasets", ABI, quiet) == []
    assert cache.wasm_closure("vega-datasets", ABI, quiet) == []
    assert asked[-2:] == ["vega-datasets", "vega-datasets"]  # no answer from PyPI: not remembered
