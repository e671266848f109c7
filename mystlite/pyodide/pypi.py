"""Pure-Python wheels for the browser's Python, fetched with pip and kept in the download cache."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from .. import proc
from ..files import file_digest, read_json, write_text
from ..errors import MystliteError
from .wheelinfo import PYODIDE_PYTHON, record_problem

NONE_REMEMBERED = 7 * 24 * 3600  # seconds that "PyPI has no wasm wheels of it" is believed without asking
# a look-up that may well find nothing: a network that does not answer is not asked five times
LOOKUP = ["--retries", "1", "--timeout", "15"]
PIP_TARGET = ["--only-binary=:all:", "--no-deps", "--python-version", PYODIDE_PYTHON,
              "--platform", "any", "--implementation", "py", "--abi", "none"]


def pypi_said_none(stderr: str) -> bool:
    """pip's answer that the index has no such wheel (a dependency with no wasm wheel makes its resolution
    impossible), as against an index that did not answer, or not all of them did: only an answer is kept."""
    unanswered = ("Retrying", "NewConnectionError", "Max retries", "Could not fetch URL", "timed out")
    return (any(said in stderr for said in ("No matching distribution found", "ResolutionImpossible"))
            and not any(said in stderr for said in unanswered))


class PackageNotFound(MystliteError):
    """pip found no pure-Python wheel for a requirement (a typo, or a package with only compiled builds)."""

    def __init__(self, requirement: str):
        self.requirement = requirement
        super().__init__(f"no pure-Python wheel of {requirement} for the browser's Python {PYODIDE_PYTHON} was found",
                         hint="check the name; a package that exists only as a compiled pyodide build needs "
                              "`mystlite.pyodide` to point at a pyodide distribution")


class WheelCache:
    """A folder of downloaded wheels, each with a recorded sha256 that is checked when it is reused."""

    def __init__(self, root: Path):
        self.root = root / "wheels"
        self.root.mkdir(parents=True, exist_ok=True)
        self.resolved_file = self.root / "resolved.json"

    def _digest_file(self, wheel: Path) -> Path:
        return wheel.with_name(wheel.name + ".sha256")

    def find(self, name: str, version: str) -> Path | None:
        """A cached, intact wheel of name==version; a corrupted one is deleted and reported as missing."""
        name = canonicalize_name(name)
        for wheel in sorted(self.root.glob("*.whl")):
            try:
                wname, wversion, _, _ = parse_wheel_filename(wheel.name)
            except ValueError:
                continue
            if canonicalize_name(wname) == name and str(wversion) == version:
                if self.intact(wheel):
                    return wheel
                wheel.unlink()  # downloaded again by the caller
                self._digest_file(wheel).unlink(missing_ok=True)
        return None

    def intact(self, wheel: Path) -> bool:
        """The sha256 recorded at download matches, and so does every file against the wheel's own RECORD
        (a wheel altered together with our record is still caught unless its RECORD was rewritten too)."""
        record = self._digest_file(wheel)
        return (record.is_file() and record.read_text().strip() == file_digest(wheel)
                and record_problem(wheel) is None)

    def remembered(self, requirement: str) -> Path | None:
        """The wheel an unpinned requirement resolved to last time, when it is still cached and intact."""
        name = (read_json(self.resolved_file) or {}).get(requirement)
        if not name:
            return None
        wname, wversion, _, _ = parse_wheel_filename(name)
        return self.find(str(wname), str(wversion))

    def remember(self, requirement: str, wheel: Path | list | int) -> None:
        data = read_json(self.resolved_file) or {}
        data[requirement] = wheel.name if isinstance(wheel, Path) else wheel
        write_text(self.resolved_file, json.dumps(data, indent=1, sort_keys=True))

    def wasm_closure(self, requirement: str, abi: str, reporter) -> list[Path]:
        """`requirement` with its dependencies as pure and PEP 783 wheels from PyPI for pyodide's ABI (pip
        resolves them together), or [] when PyPI has no complete set. Remembered; that there is none, for
        NONE_REMEMBERED seconds (wasm wheels keep appearing on PyPI)."""
        key = f"wasm:{requirement}"
        resolved = read_json(self.resolved_file) or {}
        remembered = resolved.get(key)
        if isinstance(remembered, list) and remembered:
            wheels = [self.find(*map(str, parse_wheel_filename(name)[:2])) for name in remembered]
            if all(wheels):
                return wheels
        if self._none_lately(resolved, key):
            return []
        target = ["--only-binary=:all:", "--python-version", PYODIDE_PYTHON, "--implementation", "cp",
                  "--abi", "cp" + PYODIDE_PYTHON.replace(".", ""), "--abi", "abi3", "--abi", "none",
                  "--platform", f"pyemscripten_{abi}_wasm32"]
        with reporter.step(f"looking for {requirement} as wasm wheels on PyPI"):
            result, got = self._pip_download(target + LOOKUP, [requirement])
        if result.returncode != 0:
            if pypi_said_none(result.stderr):
                self._remember_none(key)
            return []
        self.remember(key, [wheel.name for wheel in got])
        return got

    def providing(self, module: str, candidates: list[str], reporter) -> Path | None:
        """A pure wheel that provides `module`, from the first candidate distribution on PyPI that has one (its
        own name first), or None. Each answer is remembered (that there is none, for NONE_REMEMBERED seconds);
        a wheel of another name that does not provide the module is not taken."""
        from .wheelinfo import read_wheel

        for candidate in dict.fromkeys(candidates):
            key = f"provides:{module}:{canonicalize_name(candidate)}"
            resolved = read_json(self.resolved_file) or {}
            remembered = resolved.get(key)
            if isinstance(remembered, str):
                cached = self.find(*map(str, parse_wheel_filename(remembered)[:2]))
                if cached:
                    return cached
            if self._none_lately(resolved, key):
                continue
            with reporter.step(f"looking for import {module} on PyPI as {candidate}"):
                result, got = self._pip_download(PIP_TARGET + LOOKUP, [candidate])
            if result.returncode != 0:
                if pypi_said_none(result.stderr):
                    self._remember_none(key)
                continue
            if got and module in read_wheel(got[0]).imports:
                self.remember(key, got[0])
                return got[0]
            self._remember_none(key)  # a wheel of that name exists but is some other module's
        return None

    def _remember_none(self, key: str) -> None:
        self.remember(key, [])
        self.remember(f"{key} none since", int(time.time()))

    @staticmethod
    def _none_lately(resolved: dict, key: str) -> bool:
        """PyPI said it has none, less than NONE_REMEMBERED seconds ago."""
        asked = resolved.get(f"{key} none since")
        return (resolved.get(key) == [] and isinstance(asked, (int, float))
                and 0 <= time.time() - asked < NONE_REMEMBERED)

    def _pip_download(self, target: list[str], requirements: list[str]) -> tuple[subprocess.CompletedProcess,
                                                                                 list[Path]]:
        """One `pip download` run for the browser's Python; the wheels it gives are moved into the cache,
        each with its sha256 recorded."""
        kept: list[Path] = []
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-color", "--quiet",
                   *target, "--dest", tmp, *requirements]
            result = proc.run(cmd, capture_output=True, text=True)
            if result.returncode == 0:
                for wheel in sorted(Path(tmp).glob("*.whl")):
                    dest = self.root / wheel.name
                    wheel.replace(dest)
                    write_text(self._digest_file(dest), file_digest(dest))
                    kept.append(dest)
        return result, kept

    def download(self, requirements: list[str]) -> dict[str, Path]:
        """pip-download each requirement (one pip run for all); returns {requirement: wheel path}."""
        if not requirements:
            return {}
        result, wheels = self._pip_download(PIP_TARGET, requirements)
        if result.returncode != 0:
            lines = [l for l in result.stderr.splitlines() if l.startswith("ERROR")] or result.stderr.splitlines()
            detail = lines[0] if lines else "pip failed"
            missing = re.search(r"No matching distribution found for (\S+)", result.stderr)
            if missing:
                raise PackageNotFound(missing.group(1))
            raise MystliteError(
                f"could not download pure-Python wheels for the browser ({', '.join(requirements)}): {detail}",
                hint="check the network or your pip index settings; packages that only exist as compiled "
                     "pyodide builds need `mystlite.pyodide` to point at a pyodide distribution")
        got = {canonicalize_name(parse_wheel_filename(wheel.name)[0]): wheel for wheel in wheels}
        out = {}
        for req in requirements:
            name = canonicalize_name(Requirement(req).name)
            if name not in got:
                raise MystliteError(f"pip gave no wheel for {req}")
            out[req] = got[name]
        return out
