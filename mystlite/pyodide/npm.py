"""The pyodide core from the npm registry, through npm itself (it honours the user's registry, mirror and proxy)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from .. import proc
from ..errors import MystliteError
from ..files import file_digest, write_text
from ..log import Reporter

# What the browser needs from the npm package; the rest (types, maps, classic script, demo pages) is left out.
CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
MANIFEST = "manifest.json"  # sha256 of each extracted core file, checked whenever the cache is used
OFFLINE_HINT = ("without network access, set `mystlite.pyodide` in myst.yml to a local pyodide tarball or folder, "
                "or copy a filled download cache to $MYSTLITE_CACHE_DIR")


def _npm(args: list[str], cwd: Path) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise MystliteError("npm is needed to fetch the pyodide core, and it was not found on PATH",
                            hint="install Node.js with npm (e.g. apt-get install npm), or " + OFFLINE_HINT)
    result = proc.run([npm, *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise MystliteError(f"`npm {' '.join(args)}` failed: {detail}", hint=OFFLINE_HINT)
    return result.stdout.strip()


def _sri_matches(path: Path, integrity: str) -> bool:
    """Check a file against an npm integrity string such as 'sha512-<base64>'."""
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    return base64.b64encode(digest).decode() == expected


def fetch_core(version: str, cache: Path, reporter: Reporter) -> Path:
    """The extracted core files of `pyodide@version`, verified against npm's published integrity."""
    home = cache / "pyodide" / version
    core = home / "core"
    tarball = home / f"pyodide-{version}.tgz"
    integrity_file = home / "integrity.txt"
    known = integrity_file.read_text().strip() if integrity_file.is_file() else None
    if known and core_is_intact(core, known):
        return core
    if (core / MANIFEST).exists():
        reporter.warn(f"the cached pyodide core in {core} does not match what was extracted from the "
                      f"verified package; extracting it again")
    home.mkdir(parents=True, exist_ok=True)
    with reporter.step(f"fetching pyodide {version} core with npm"):
        if not integrity_file.is_file():
            integrity = _npm(["view", f"pyodide@{version}", "dist.integrity"], home)
            if not integrity.startswith("sha"):
                raise MystliteError(f"npm gave no integrity hash for pyodide@{version}: {integrity!r}")
            write_text(integrity_file, integrity)
        integrity = integrity_file.read_text().strip()
        if tarball.is_file() and not _sri_matches(tarball, integrity):
            reporter.warn(f"cached {tarball.name} did not match its integrity hash; fetching it again")
            tarball.unlink()
        if not tarball.is_file():
            with tempfile.TemporaryDirectory(dir=home) as tmp:
                name = _npm(["pack", f"pyodide@{version}", "--pack-destination", tmp, "--silent"], home)
                packed = Path(tmp) / name.splitlines()[-1].strip()
                if not _sri_matches(packed, integrity):
                    raise MystliteError(f"pyodide@{version} from npm does not match its published integrity hash")
                packed.replace(tarball)
        extract_core(tarball, core, integrity)
    return core


def core_is_intact(core: Path, integrity: str) -> bool:
    """The extracted core files are the ones taken from the package with this integrity, byte for byte."""
    try:
        manifest = json.loads((core / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("integrity") != integrity or not isinstance(files, dict) or sorted(files) != sorted(CORE_FILES):
        return False
    return all((core / name).is_file() and file_digest(core / name) == files[name] for name in CORE_FILES)


def extract_core(tarball: Path, dest: Path, integrity: str) -> None:
    """Unpack only the core files, into a temporary folder first so a half-written core is never used."""
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
        for name in CORE_FILES:
            if name not in members:
                raise MystliteError(f"{tarball.name} has no {name}; is it a pyodide package?")
            with archive.extractfile(members[name]) as src, (tmp / name).open("wb") as out:
                shutil.copyfileobj(src, out)
    manifest = {"integrity": integrity, "files": {name: file_digest(tmp / name) for name in CORE_FILES}}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.replace(dest)
