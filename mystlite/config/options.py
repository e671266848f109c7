"""The `mystlite:` section of myst.yml: mystlite's own options, each read here and nowhere else.

It is a top-level section (not under project.jupyter.lite) because mystmd rejects a non-boolean
`lite` and then drops lite altogether, while it only warns about an unknown top-level key.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from packaging.requirements import InvalidRequirement, Requirement

from ..errors import Diagnostics, Where
from .jupyter import describe
from .yamlfile import KeyPath, key_name

PYODIDE_MODES = ("bundle", "cdn")


@dataclass(frozen=True)
class PyodideSource:
    """Where the browser's pyodide comes from: `bundle` (self-hosted npm core), `cdn`, or a distribution."""

    mode: str  # "bundle" | "cdn" | "distribution"
    location: str | None = None  # a local path (resolved) or URL, for "distribution"
    sha256: str | None = None  # the expected digest of a downloaded distribution (`URL#sha256=...`)

    def to_json(self) -> str:
        if self.mode != "distribution":
            return self.mode
        return f"{self.location}#sha256={self.sha256}" if self.sha256 else str(self.location)


@dataclass(frozen=True)
class Options:
    """mystlite's resolved options. Paths are absolute."""

    wheels: tuple[Path, ...] = ()
    packages: tuple[str, ...] = ()
    contents: tuple[Path, ...] = ()
    pyodide: PyodideSource = field(default_factory=lambda: PyodideSource("bundle"))
    output: Path = Path("_build/html")
    expose_server_token: bool = False
    keep_template: bool = False  # hand a non-local site.template to mystmd instead of using ours
    execute: bool = False  # run the compute pages in pyodide at build time (also `build --execute`)
    execute_timeout: float = 60.0  # seconds a cell may run at build time
    headers: str | None = None  # "netlify" | "cloudflare": publish the host's _headers file
    solution_after: int = 0  # mystlite.exercises.solution_after: attempts before a checked solution opens
    widgets: bool | None = None  # ship Jupyter widgets: True always, False never, None when code imports them
    startup_snapshot: bool = True  # ship Python's start-up snapshot: a faster first run for ~5 MB more to fetch
    precompress: bool = False  # write .gz and .br copies beside text and wasm files, for hosts that send them

    def to_json(self) -> dict:
        return {
            "wheels": [str(p) for p in self.wheels],
            "packages": list(self.packages),
            "contents": [str(p) for p in self.contents],
            "pyodide": self.pyodide.to_json(),
            "output": str(self.output),
            "expose_server_token": self.expose_server_token,
            "keep_template": self.keep_template,
            "execute": self.execute,
            "execute_timeout": self.execute_timeout,
            "headers": self.headers,
            "exercises": {"solution_after": self.solution_after},
            "widgets": self.widgets,
            "startup_snapshot": self.startup_snapshot,
            "precompress": self.precompress,
        }


HEADER_HOSTS = ("netlify", "cloudflare")  # hosts that read a _headers file from the published folder
OPTION_KEYS = ("wheels", "packages", "contents", "pyodide", "output", "expose_server_token", "keep_template",
               "execute", "execute_timeout", "headers", "exercises", "widgets", "startup_snapshot",
               "precompress")
EXERCISE_KEYS = ("solution_after",)


def _string_list(value: Any, path: KeyPath, diag: Diagnostics, where: Callable) -> list[tuple[str, KeyPath]]:
    """A string or a list of strings, each with its own key path for messages."""
    if isinstance(value, str):
        return [(value, path)]
    if not isinstance(value, list):
        diag.error(f"must be a string or a list of strings, not {describe(value)}", where(path), key_name(path))
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            items.append((item, (*path, index)))
        else:
            diag.error(f"must be a non-empty string, not {describe(item)}", where((*path, index)),
                       key_name((*path, index)))
    return items


def _expand(pattern: str, root: Path) -> list[Path]:
    """A path or glob relative to the project folder; a plain path is kept even if missing."""
    if glob.has_magic(pattern):
        return sorted(Path(p).resolve() for p in glob.glob(str(root / pattern), recursive=True))
    return [(root / pattern).resolve()]


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _pyodide_url(value: str, diag: Diagnostics, where: Where, key: str) -> PyodideSource:
    """A distribution URL: https (plain http only on this machine), optionally pinned with #sha256=<hex>."""
    from urllib.parse import urlsplit

    url, _, fragment = value.partition("#")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        diag.error(f"must be an https:// URL, not {value!r}", where, key)
    elif parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        diag.error(f"must be https: a plain-http download can be altered on the way ({value})", where, key)
    sha256 = None
    if fragment:
        name, _, digest = fragment.partition("=")
        if name != "sha256" or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
            diag.error(f"the URL fragment must be #sha256=<64 hex digits>, not #{fragment}", where, key)
        else:
            sha256 = digest.lower()
    else:
        diag.warn("no sha256 for the downloaded pyodide distribution; add #sha256=<digest> to the URL so that "
                  "a changed download is refused", where, key)
    return PyodideSource("distribution", url, sha256)


def read_options(section: Any, root: Path, diag: Diagnostics, where: Callable[[KeyPath], Where]) -> Options:
    base: KeyPath = ("mystlite",)
    if section is None:
        section = {}
    if not isinstance(section, dict):
        diag.error(f"must be a mapping, not {describe(section)}", where(base), "mystlite")
        section = {}
    for key in section:
        if key not in OPTION_KEYS:
            diag.warn(f"unknown option ignored (known: {', '.join(OPTION_KEYS)})", where((*base, key)),
                      key_name((*base, key)))

    wheels: list[Path] = []
    seen: dict[str, str] = {}  # package -> where its first wheel is named: one wheel a package

    def one_each(found: list[Path], at: Where, key: str) -> None:
        for name in _wheel_names(found):
            if name in seen:
                diag.error(f"a second wheel of {name} (the first is named at {seen[name]}); keep one", at, key)
            seen.setdefault(name, str(at))

    if "wheels" in section:
        for pattern, path in _string_list(section["wheels"], (*base, "wheels"), diag, where):
            found = _expand(pattern, root)
            if not found:
                diag.error(f"no file matches {pattern!r}", where(path), key_name(path))
            one_each(found, where(path), key_name(path))
            wheels.extend(found)
    elif (root / "wheels").is_dir():
        wheels.append((root / "wheels").resolve())
        one_each(wheels, Where(root / "wheels"), "mystlite.wheels")

    packages: list[str] = []
    for text, path in _string_list(section.get("packages", []), (*base, "packages"), diag, where):
        try:
            Requirement(text)
        except InvalidRequirement as err:
            diag.error(f"not a valid requirement {text!r}: {str(err).splitlines()[0]}", where(path), key_name(path))
            continue
        packages.append(text)

    contents: list[Path] = []
    for pattern, path in _string_list(section.get("contents", []), (*base, "contents"), diag, where):
        found = _expand(pattern, root)
        if not found:
            diag.error(f"no file matches {pattern!r}", where(path), key_name(path))
        outside = [p for p in found if p != root.resolve() and root.resolve() not in p.parents]
        if outside:  # the drive is the project's own files; what lies outside would be published by accident
            diag.error(f"is outside the project folder: {pattern}", where(path), key_name(path))
        contents.extend(p for p in found if p not in outside)

    pyodide = PyodideSource("bundle")
    if "pyodide" in section:
        value, path = section["pyodide"], (*base, "pyodide")
        if not isinstance(value, str) or not value.strip():
            diag.error(f"must be 'bundle', 'cdn', or a path or URL of a pyodide distribution, not {describe(value)}",
                       where(path), key_name(path))
        elif value in PYODIDE_MODES:
            pyodide = PyodideSource(value)
        elif "://" in value:
            pyodide = _pyodide_url(value, diag, where(path), key_name(path))
        else:
            pyodide = PyodideSource("distribution", str((root / value).resolve()))
            if not (root / value).exists():
                diag.error(f"not found: {value} (a pyodide distribution's folder or .tar.bz2)", where(path),
                           key_name(path))

    output = Path("_build/html")
    if "output" in section:
        value, path = section["output"], (*base, "output")
        if isinstance(value, str) and value.strip():
            output = Path(value)
        else:
            diag.error(f"must be a folder path, not {describe(value)}", where(path), key_name(path))

    flags = {}
    for name, default in (("expose_server_token", False), ("keep_template", False), ("execute", False),
                          ("startup_snapshot", True), ("precompress", False)):
        flags[name] = default
        if name in section:
            value, path = section[name], (*base, name)
            if isinstance(value, bool):
                flags[name] = value
            else:
                diag.error(f"must be a boolean, not {describe(value)}", where(path), key_name(path))

    timeout = 60.0
    if "execute_timeout" in section:
        value, path = section["execute_timeout"], (*base, "execute_timeout")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            timeout = float(value)
        else:
            diag.error(f"must be a number of seconds above 0, not {describe(value)}", where(path), key_name(path))

    headers = None
    if "headers" in section:
        value, path = section["headers"], (*base, "headers")
        if value in HEADER_HOSTS:
            headers = value
        elif value is not None:
            diag.error(f"must be one of {', '.join(HEADER_HOSTS)}, not {describe(value)}", where(path),
                       key_name(path))

    solution_after = 0
    exercises = section.get("exercises")
    if exercises is not None and not isinstance(exercises, dict):
        path = (*base, "exercises")
        diag.error(f"must be a mapping, not {describe(exercises)}", where(path), key_name(path))
    elif exercises:
        for key in exercises:
            if key not in EXERCISE_KEYS:
                path = (*base, "exercises", key)
                diag.warn(f"unknown option ignored (known: {', '.join(EXERCISE_KEYS)})", where(path), key_name(path))
        if "solution_after" in exercises:
            value, path = exercises["solution_after"], (*base, "exercises", "solution_after")
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                solution_after = value
            else:
                diag.error(f"must be a whole number of attempts (0 or more), not {describe(value)}", where(path),
                           key_name(path))

    widgets = None
    if "widgets" in section:
        value, path = section["widgets"], (*base, "widgets")
        if isinstance(value, bool) or value is None:
            widgets = value
        else:
            diag.error(f"must be true or false, not {describe(value)}", where(path), key_name(path))

    return Options(tuple(wheels), tuple(packages), tuple(contents), pyodide, (root / output).resolve(), **flags,
                   execute_timeout=timeout, headers=headers, solution_after=solution_after, widgets=widgets)



def _wheel_names(paths: list[Path]) -> list[str]:
    """The package names of the wheels in these paths (files, or folders of wheels), repeats kept."""
    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

    names: list[str] = []
    for path in paths:
        for wheel in sorted(path.glob("*.whl")) if path.is_dir() else [path]:
            try:
                names.append(canonicalize_name(parse_wheel_filename(wheel.name)[0]))
            except InvalidWheelFilename:
                continue  # said when the wheel is read, with its own message
    return names
