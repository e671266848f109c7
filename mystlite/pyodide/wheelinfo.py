"""What a wheel is, read from its file: name, version, tags, dependencies and import names.

Used to validate custom wheels (can pyodide load it?) and to write their pyodide-lock entries.
"""

from __future__ import annotations

import email.parser
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ..files import file_digest, remembered
from ..errors import MystliteError, Where

PYODIDE_PYTHON = "3.14"
PYODIDE_PYTHON_FULL = "3.14.2"
# The marker environment of the browser's Python, so Requires-Dist is read as pyodide would.
BROWSER_MARKERS = {
    **default_environment(),
    "python_version": PYODIDE_PYTHON,
    "python_full_version": PYODIDE_PYTHON_FULL,
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "platform_release": "",
    "platform_version": "",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}
NATIVE_PLATFORMS = ("manylinux", "musllinux", "linux", "macosx", "win")


@dataclass(frozen=True)
class WheelInfo:
    path: Path
    name: str  # canonical
    version: str
    tags: frozenset[Tag]
    requires: tuple[str, ...]  # canonical names of the dependencies in the browser
    imports: tuple[str, ...]
    sha256: str

    @property
    def pure(self) -> bool:
        return all(t.platform == "any" for t in self.tags)

    def lock_entry(self, file_name: str | None = None) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "file_name": file_name or self.path.name,
            "install_dir": "site",
            "sha256": self.sha256,
            "package_type": "package",
            "imports": list(self.imports),
            "depends": list(self.requires),
            "unvendored_tests": False,
        }


def browser_tag_problem(tags: frozenset[Tag], abi_version: str) -> str | None:
    """Why pyodide can't load a wheel with these tags, or None when it can."""
    for tag in tags:
        if tag.platform == "any" and tag.interpreter.startswith("py") and tag.abi == "none":
            if tag.interpreter in ("py3", "py2.py3") or tag.interpreter.startswith("py3"):
                return None
        if tag.platform.startswith(("pyodide_", "pyemscripten_", "emscripten_")) and tag.platform.endswith("_wasm32"):
            wanted = abi_version.replace(".", "_")
            if tag.platform.startswith(("pyodide_", "pyemscripten_")) and wanted not in tag.platform:
                return f"built for another pyodide ABI ({tag.platform}); this site's pyodide needs {wanted}"
            if tag.interpreter not in ("cp314", "py3", "abi3") and not tag.interpreter.startswith("py3"):
                return f"built for {tag.interpreter}, but pyodide's Python is {PYODIDE_PYTHON}"
            return None
    platforms = sorted({t.platform for t in tags})
    if any(p.startswith(NATIVE_PLATFORMS) for p in platforms):
        return (f"is a native wheel for {', '.join(platforms)}; the browser needs a pure-Python "
                "(py3-none-any) or pyodide/emscripten wheel")
    return f"has tags {', '.join(sorted(map(str, tags)))}, which pyodide cannot load"


def read_wheel(path: Path, where: Where | None = None) -> WheelInfo:
    """Open and check a wheel file; a broken or misnamed one is a MystliteError naming it. Remembered while
    the file is unchanged, in this process: serve --watch reads each wheel once, not on every rebuild."""
    # by path too: the entries go by inode, and a hard link elsewhere must not get this path in its WheelInfo
    return remembered(path, f"wheel {path}", lambda _: _read_wheel(Path(path), where), across_builds=False)


def _read_wheel(path: Path, where: Where | None) -> WheelInfo:
    where = where or Where(path)
    try:
        name, version, _build, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as err:
        raise MystliteError(f"not a valid wheel file name: {path.name} ({err})", where) from None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unsafe = next((n for n in names if not _safe_entry(n)), None)
            if unsafe is not None:  # an installer would write it outside site-packages
                raise MystliteError(f"{path.name} has an unsafe entry {unsafe!r} (absolute or with '..')", where)
            meta_name = next((n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
            if meta_name is None:
                raise MystliteError(f"{path.name} has no .dist-info/METADATA; it is not a wheel", where)
            metadata = email.parser.Parser().parsestr(archive.read(meta_name).decode("utf-8", "replace"))
            top_level_name = meta_name.replace("METADATA", "top_level.txt")
            top_level = archive.read(top_level_name).decode().split() if top_level_name in names else None
    except zipfile.BadZipFile:
        raise MystliteError(f"{path.name} is not a valid zip file (corrupt or truncated wheel)", where) from None
    except FileNotFoundError:
        raise MystliteError("wheel not found", where) from None
    if canonicalize_name(metadata.get("Name", "")) != canonicalize_name(name):
        raise MystliteError(f"{path.name}: its METADATA names {metadata.get('Name')!r}, not {name!r}", where)
    requires = []
    for text in metadata.get_all("Requires-Dist") or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate(BROWSER_MARKERS):
            dep = canonicalize_name(req.name)
            if dep not in requires:
                requires.append(dep)
    imports = tuple(top_level) if top_level else _import_names(names)
    return WheelInfo(path, canonicalize_name(name), str(version), frozenset(tags), tuple(requires), imports,
                     file_digest(path))


def _safe_entry(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"))


def record_problem(path: Path) -> str | None:
    """Why a wheel's files do not match its own RECORD (each file's sha256), or None when they all do.
    Remembered while the wheel's file is unchanged (files.remembered): serve --watch checks each cached wheel
    once, not on every rebuild."""
    return remembered(path, "record", _record_problem)


def _record_problem(path: Path) -> str | None:
    import base64
    import csv
    import hashlib
    import io

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            record_name = next((n for n in names if n.count("/") == 1 and n.endswith(".dist-info/RECORD")), None)
            if record_name is None:
                return "it has no RECORD"
            for row in csv.reader(io.StringIO(archive.read(record_name).decode("utf-8", "replace"))):
                if len(row) < 2 or not row[1]:
                    continue
                name, (algorithm, _, expected) = row[0], row[1].partition("=")
                if name not in names:
                    return f"{name} is in RECORD but not in the wheel"
                digest = hashlib.new(algorithm, archive.read(name)).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != expected:
                    return f"{name} does not match its RECORD hash"
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        return f"it cannot be read ({err})"
    return None


def _import_names(names: list[str]) -> tuple[str, ...]:
    """Top-level packages and modules in a wheel (what `import x` can name)."""
    found = set()
    for name in names:
        head = name.split("/", 1)[0]
        if head.endswith((".dist-info", ".data")):
            continue
        if "/" in name and name.endswith(".py") or name.endswith((".so",)):
            found.add(head)
        elif "/" not in name and name.endswith(".py"):
            found.add(head[:-3])
    return tuple(sorted(n.split(".")[0] for n in found))
