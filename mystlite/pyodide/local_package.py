"""The Python package a project documents: when myst.yml sits in (or beside) a package's repository, its
`pyproject.toml` names the package, and the docs' code imports it. It is built into a pure wheel with
`pip wheel --no-deps`, so the docs run the code they document, at the commit being built.

The wheel is cached under the digest of the package's own files (not the docs'): editing a page rebuilds
nothing, editing the package rebuilds the wheel, and the same source gives the same bytes (SOURCE_DATE_EPOCH).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .. import proc
from ..errors import Where
from ..files import file_digest, is_skipped, write_text
from ..log import Reporter
from .wheelinfo import WheelInfo, read_wheel

# Folders beside pyproject.toml that hold no importable package of the project's own
NOT_PACKAGES = frozenset({"tests", "test", "docs", "doc", "examples", "example", "benchmarks", "bench", "scripts",
                          "build", "dist", "node_modules", "_build", "site-packages"})
BUILD_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in")
SEARCH_UP = 3  # folders above the project that may hold the package's pyproject.toml
REPRODUCIBLE_TIME = "315532800"  # 1980-01-01, the earliest time a zip can hold


@dataclass(frozen=True)
class LocalPackage:
    pyproject: Path
    name: str  # the distribution name, canonical
    imports: tuple[str, ...]  # the top-level modules its source folder holds
    sources: tuple[Path, ...]  # those modules' files and folders
    dependencies: tuple[str, ...]  # its declared requirements' names, canonical

    @property
    def root(self) -> Path:
        return self.pyproject.parent

    def input_paths(self) -> list[Path]:
        """What the wheel is made from: the build files, and the modules' files and folders."""
        files = [self.root / name for name in BUILD_FILES if (self.root / name).is_file()]
        files += sorted(path for path in self.root.glob("README*") if path.is_file())  # the wheel's description
        return files + list(self.sources)

    def input_files(self) -> list[Path]:
        """Every file the wheel is made from (input_paths with the folders' files)."""
        files = []
        for source in self.input_paths():
            if source.is_file():
                files.append(source)
            else:
                files += [path for path in sorted(source.rglob("*"))
                          if path.is_file() and not is_skipped(path.relative_to(source))
                          and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")]
        return files


def find_local_package(project_root: Path) -> LocalPackage | None:
    """The package whose repository holds the project: the nearest pyproject.toml with a [project] (or Poetry)
    name, in the project folder or up to SEARCH_UP folders above it, not above a repository's top."""
    folder = project_root.resolve()
    for _ in range(SEARCH_UP + 1):
        found = _read_package(folder / "pyproject.toml")
        if found is not None:
            return found
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent
    return None


def _read_package(pyproject: Path) -> LocalPackage | None:
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    poetry = (data.get("tool") or {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    name = project.get("name") or (poetry or {}).get("name")
    if not isinstance(name, str) or not name:
        return None
    dependencies = []
    for text in project.get("dependencies") or []:
        try:
            dependencies.append(canonicalize_name(Requirement(str(text)).name))
        except Exception:  # a requirement pip would reject too: not ours to judge here
            continue
    root = pyproject.parent
    modules: dict[str, Path] = {}
    for base in (root / "src", root):
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if child.name.startswith((".", "_")) or child.name in NOT_PACKAGES or not child.name.isidentifier() \
                    and not child.name.endswith(".py"):
                continue
            if child.is_dir() and (child / "__init__.py").is_file():
                modules.setdefault(child.name, child)
            elif child.is_file() and child.suffix == ".py" and child.stem.isidentifier() and child.stem != "setup" \
                    and canonicalize_name(child.stem) == canonicalize_name(name):
                modules.setdefault(child.stem, child)  # a one-module package named like the distribution
    if not modules:
        return None
    return LocalPackage(pyproject, canonicalize_name(name), tuple(sorted(modules)), tuple(modules[m] for m in
                                                                                        sorted(modules)),
                        tuple(dict.fromkeys(dependencies)))


def build_local_wheel(package: LocalPackage, cache: Path, reporter: Reporter) -> WheelInfo | None:
    """The package as a pure wheel, from the cache when its files are unchanged; None, with a warning, when it
    cannot be built or is not pure Python (its imports then fail in the browser, as the warning says)."""
    digest = hashlib.sha256()
    for path in package.input_files():
        digest.update(path.relative_to(package.root).as_posix().encode() + b"\0" + file_digest(path).encode() + b"\n")
    folder = cache / "local-wheels" / f"{package.name}-{digest.hexdigest()[:20]}"
    where = Where(package.pyproject)
    for wheel in sorted(folder.glob("*.whl")):
        record = wheel.with_name(wheel.name + ".sha256")
        if record.is_file() and record.read_text().strip() == file_digest(wheel):
            return read_wheel(wheel)
    env = {**os.environ, "SOURCE_DATE_EPOCH": REPRODUCIBLE_TIME, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if not any((parent / ".git").exists() for parent in (package.root, *package.root.parents)):
        env.setdefault("SETUPTOOLS_SCM_PRETEND_VERSION", "0+local")  # a version from git needs git
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-color", "--quiet", "--wheel-dir", tmp,
                   str(package.root)]
        with reporter.step(f"building {package.name} from {package.pyproject} (pip wheel --no-deps)"):
            result = proc.run(command, capture_output=True, text=True, env=env)
            if result.returncode != 0:  # no index to fetch the build backend from: the one installed may do
                retry = proc.run(command + ["--no-build-isolation"], capture_output=True, text=True, env=env)
                result = retry if retry.returncode == 0 else result
        wheels = sorted(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            lines = [l.strip() for l in result.stderr.splitlines() if l.strip()]
            why = next((l for l in lines if l.startswith("ERROR")), lines[-1] if lines else "pip made no wheel")
            reporter.warn(f"{where}: could not build {package.name} into a wheel for the browser ({why}): cells "
                          f"that import {', '.join(package.imports)} will fail")
            return None
        info = read_wheel(wheels[0])
        if not info.pure:
            reporter.warn(f"{where}: {package.name} builds a compiled wheel ({wheels[0].name}), which the browser "
                          f"cannot load: cells that import {', '.join(package.imports)} will fail")
            return None
        folder.mkdir(exist_ok=True)
        dest = folder / wheels[0].name
        wheels[0].replace(dest)
    write_text(dest.with_name(dest.name + ".sha256"), file_digest(dest))
    return read_wheel(dest)
