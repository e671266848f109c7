"""Files from npm packages (the pyodide core, KaTeX's fonts, mermaid), through npm itself, which honours the
user's registry, mirror and proxy. Each package is checked against npm's published integrity when fetched,
and each extracted file against a manifest whenever the cache is used.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from . import proc
from .errors import MystliteError
from .files import file_digest, write_text
from .log import Reporter

MANIFEST = "manifest.json"  # sha256 of each extracted file, checked whenever the cache is used


def run_npm(args: list[str], cwd: Path, hint: str, what: str) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise MystliteError(f"npm is needed to fetch {what}, and it was not found on PATH",
                            hint="install Node.js with npm (e.g. apt-get install npm), or " + hint)
    result = proc.run([npm, *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise MystliteError(f"`npm {' '.join(args)}` failed: {detail}", hint=hint)
    return result.stdout.strip()


def sri_matches(path: Path, integrity: str) -> bool:
    """Check a file against an npm integrity string such as 'sha512-<base64>'."""
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    return base64.b64encode(digest).decode() == expected


def is_intact(folder: Path, integrity: str, needed: Iterable[str]) -> bool:
    """The extracted files are the ones taken from the package with this integrity, byte for byte."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("integrity") != integrity or not isinstance(files, dict) or not set(needed) <= set(files):
        return False
    return all((folder / name).is_file() and file_digest(folder / name) == digest for name, digest in files.items())


def fetch_package_files(package: str, version: str, home: Path, reporter: Reporter,
                        select: Callable[[str], str | None], needed: Iterable[str], hint: str,
                        what: str | None = None) -> Path:
    """home/files: the members of package@version that `select` maps to a relative name (others are left out)."""
    needed = list(needed)
    home = home.resolve()  # npm runs inside it: relative paths would point elsewhere
    what = what or f"{package}@{version}"
    folder = home / "files"
    tarball = home / f"{package.replace('/', '-')}-{version}.tgz"
    integrity_file = home / "integrity.txt"
    known = integrity_file.read_text().strip() if integrity_file.is_file() else None
    if known and is_intact(folder, known, needed):
        return folder
    if (folder / MANIFEST).exists():
        reporter.warn(f"the cached files of {package}@{version} in {folder} do not match what was extracted from "
                      "the verified package; extracting them again")
    home.mkdir(parents=True, exist_ok=True)
    with reporter.step(f"fetching {package} {version} with npm"):
        if not integrity_file.is_file():
            integrity = run_npm(["view", f"{package}@{version}", "dist.integrity"], home, hint, what)
            if not integrity.startswith("sha"):
                raise MystliteError(f"npm gave no integrity hash for {package}@{version}: {integrity!r}")
            write_text(integrity_file, integrity)
        integrity = integrity_file.read_text().strip()
        if tarball.is_file() and not sri_matches(tarball, integrity):
            reporter.warn(f"cached {tarball.name} did not match its integrity hash; fetching it again")
            tarball.unlink()
        if not tarball.is_file():
            with tempfile.TemporaryDirectory(dir=home) as tmp:
                name = run_npm(["pack", f"{package}@{version}", "--pack-destination", tmp, "--silent"], home, hint,
                               what)
                packed = Path(tmp) / name.splitlines()[-1].strip()
                if not sri_matches(packed, integrity):
                    raise MystliteError(f"{package}@{version} from npm does not match its published integrity hash")
                packed.replace(tarball)
        _extract(tarball, folder, integrity, select, needed, package)
    return folder


def _extract(tarball: Path, dest: Path, integrity: str, select: Callable[[str], str | None], needed: list[str],
             package: str) -> None:
    """Unpack the selected files into a temporary folder first, so a half-written folder is never used."""
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    taken = {}
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            rel = select(member.name) if member.isfile() else None
            if rel is None or ".." in Path(rel).parts or rel.startswith("/"):
                continue
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as src, (tmp / rel).open("wb") as out:
                shutil.copyfileobj(src, out)
            taken[rel] = file_digest(tmp / rel)
    missing = [name for name in needed if name not in taken]
    if missing:
        raise MystliteError(f"{tarball.name} has no {', '.join(missing)}; is it the {package} package?")
    (tmp / MANIFEST).write_text(json.dumps({"integrity": integrity, "files": taken}, indent=1, sort_keys=True))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.replace(dest)
