"""Project options → Distribution: which pyodide core, which wheels, and the pyodide-lock.json that lists them.

The lock is written by us (it works on any build Python): the npm lock's entries for what we bundle,
plus entries for the kernel's own wheels, the custom wheels and the declared packages.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

from jupyterlite_pyodide_kernel.constants import PYODIDE_CDN_URL, PYODIDE_VERSION
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ..config import Options, PyodideSource
from ..errors import MystliteError, Where
from ..files import file_digest, write_text
from ..log import Reporter
from .bytecode import CompiledStdlib, compiled_stdlib
from .corepatch import patched_core
from .npm import CORE_FILES, fetch_core
from .imports import SiteImports
from .needs import (SiteNeeds, Unavailable, documented_package, explain_unavailable, look_up_unknown_imports,
                    site_needs, valid_requirement)
from .pypi import PackageNotFound, WheelCache
from .wheelinfo import WheelInfo, browser_tag_problem, read_wheel
from .widgets import (LABEXTENSION_WHEELS, PINS as WIDGET_PINS, PLOTLY_EXTENSION, widget_imports,
                      widget_requirements)

KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
# What the kernel loads at start-up (see its worker); preloading them from the lock skips piplite look-ups.
STARTUP = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython")
# Start-up dependencies that the npm lock does not list, pinned to versions known to work with it.
PINS = {"comm": "0.2.3", "ipython-pygments-lexers": "1.1.1", **WIDGET_PINS}


@dataclass
class Distribution:
    mode: str  # "bundle" | "cdn" | "distribution"
    version: str
    core_dir: Path | None  # folder holding CORE_FILES; None when pyodide comes from the CDN
    stdlib: "CompiledStdlib | None"  # python_stdlib.zip to ship (with build-time bytecode), and its sources
    lock: dict | None  # the pyodide-lock.json to ship next to the core
    wheels: list[Path] = field(default_factory=list)  # files the lock names, shipped next to it
    preload: list[str] = field(default_factory=list)  # loadPyodideOptions.packages
    custom: list[WheelInfo] = field(default_factory=list)  # the project's own wheels (also in the piplite index)
    online_packages: list[str] = field(default_factory=list)  # loaded from the CDN at run time
    needs: "SiteNeeds | None" = None  # what the site's code imports
    online_reasons: dict[str, list[str]] = field(default_factory=dict)  # online package -> places needing it
    fetch_failures: dict[str, str] = field(default_factory=dict)  # package -> why it could not be bundled
    labextension_wheels: dict[str, Path] = field(default_factory=dict)  # widget wheels whose labextension ships
    unavailable: list["Unavailable"] = field(default_factory=list)  # packages no build of which could be had
    origins: dict[str, str] = field(default_factory=dict)  # bundled package -> where it came from
    cycle_edges: dict[str, list[str]] = field(default_factory=dict)  # dependencies left out of the lock

    @property
    def offline(self) -> bool:
        return self.core_dir is not None and not self.online_packages


def kernel_extension_dir() -> Path:
    """The pyodide kernel's labextension, installed with jupyterlite-pyodide-kernel."""
    from jupyter_core.paths import jupyter_path

    for base in [Path(sys.prefix) / "share/jupyter/labextensions", *map(Path, jupyter_path("labextensions"))]:
        candidate = base / KERNEL_EXTENSION
        if (candidate / "package.json").is_file():
            return candidate
    raise MystliteError(f"the JupyterLite pyodide kernel extension ({KERNEL_EXTENSION}) is not installed",
                        hint="reinstall mystlite: pip install --force-reinstall jupyterlite-pyodide-kernel")


def custom_wheel_files(options: Options, config_file: Path, abi: str,
                       wheel_where: Callable[[int], Where] | None = None) -> list[WheelInfo]:
    """The project's wheels, each checked: present, a real zip, and loadable by this pyodide."""
    found: list[WheelInfo] = []
    for index, path in enumerate(options.wheels):
        where = wheel_where(index) if wheel_where else Where(config_file)
        if path.is_dir():
            files = sorted(path.glob("*.whl"))
        elif path.exists():
            files = [path]
        else:
            raise MystliteError(f"wheel path not found: {path}", where, f"mystlite.wheels[{index}]")
        for wheel in files:
            if wheel.suffix != ".whl":
                raise MystliteError(f"not a .whl file: {wheel}", where, f"mystlite.wheels[{index}]")
            info = read_wheel(wheel, Where(wheel))
            problem = browser_tag_problem(info.tags, abi)
            if problem:
                raise MystliteError(f"{wheel.name} {problem}", Where(wheel))
            found.append(info)
    names = [w.name for w in found]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            raise MystliteError(f"two custom wheels of {name} were given; keep one",
                                wheel_where(len(options.wheels) - 1) if wheel_where else Where(config_file),
                                "mystlite.wheels")
    return found


def prepare_distribution(options: Options, config_file: Path, cache: Path, reporter: Reporter,
                         package_where: Callable[[int], Where] | None = None,
                         site_imports: SiteImports | None = None,
                         wheel_where: Callable[[int], Where] | None = None,
                         pyodide_where: Where | None = None) -> Distribution:
    """`package_where(i)` and `wheel_where(i)` are where mystlite.packages[i] and mystlite.wheels[i] are
    written, for messages. `site_imports` is what the site's code imports: each import that pyodide's lock can
    satisfy is bundled with its closure; one it cannot is looked for on PyPI and in the package the project
    documents. A package that cannot be had at all is left out and said (Distribution.unavailable)."""
    source = options.pyodide
    if source.mode == "cdn":
        custom = custom_wheel_files(options, config_file, abi="")
        return Distribution("cdn", PYODIDE_VERSION, None, None, None, custom=custom,
                            online_packages=["pyodide (core)"])
    dist_dir = None
    if source.mode == "bundle":
        core = fetch_core(PYODIDE_VERSION, cache, reporter)
    else:
        dist_dir = unpack_distribution(source, cache, reporter, config_file, pyodide_where)
        core = dist_dir
    core = patched_core(core, CORE_FILES, cache, reporter)
    base_lock = json.loads((core / "pyodide-lock.json").read_text())
    abi = base_lock.get("info", {}).get("abi_version", "")
    custom = custom_wheel_files(options, config_file, abi, wheel_where)
    resolver = LockResolver(base_lock, dist_dir, WheelCache(cache), reporter)
    site_imports = site_imports or SiteImports()
    modules = {use.module for use in site_imports.uses}
    widgets = widget_imports(modules, options.widgets)
    for wheel in sorted(kernel_extension_dir().glob("static/pypi/*.whl")):
        # the kernel's empty widgetsnbextension stands in for the classic notebook's files, with widgets only
        if not wheel.name.startswith("widgetsnbextension") or (widgets and "-4.0." in wheel.name):
            resolver.add_local(read_wheel(wheel), "jupyterlite-pyodide-kernel")
    for info in custom:
        resolver.add_local(info, "mystlite.wheels")
    documented = documented_package(config_file.parent, modules, custom, cache, reporter)
    if documented is not None:
        custom.append(documented[0])
        resolver.add_local(*documented)
    declared = [Requirement(text) for text in options.packages]
    needs = site_needs(site_imports, base_lock, custom, {name: canonicalize_name(name) for name in widgets})
    from_code = [Requirement(text) for text, _ in needs.requirements if valid_requirement(text)]
    with reporter.step("resolving the browser's packages"):
        for name in needs.packages:  # compiled packages from PyPI (PEP 783 wheels) before pyodide's own
            if resolver.needs_compiled(name):
                resolver.try_pypi_wasm(name)
        found = look_up_unknown_imports(needs, resolver, config_file.parent)
        resolver.resolve([Requirement(n) for n in STARTUP] + declared + from_code +
                         widget_requirements(widgets) +
                         [Requirement(name) for name in needs.packages if name not in widgets] +
                         [Requirement(info.name) for info in custom] + [Requirement(name) for name in found])
    for index, req in enumerate(declared):  # the author's own line names a package that does not exist
        if canonicalize_name(req.name) in resolver.unavailable:
            err = PackageNotFound(str(req))
            raise MystliteError(err.message, package_where(index) if package_where else None,
                                f"mystlite.packages[{index}]", err.hint)
    unavailable = explain_unavailable(resolver, needs, declared, package_where)
    bundled = {module: name for name, entry in resolver.entries.items() for module in entry.get("imports") or []}
    for module in [m for m in needs.unknown if m in bundled]:  # a %pip install or a dependency brought it
        needs.packages.setdefault(bundled[module], []).extend(needs.unknown.pop(module))
    preload = list(STARTUP) + [canonicalize_name(r.name) for r in declared]
    stdlib = compiled_stdlib(core, cache, reporter)
    online = {name: needs.packages.get(name) or needs.packages_needing(name, resolver) for name in resolver.online}
    extensions = {name: resolver.paths[name] for name in LABEXTENSION_WHEELS if name in resolver.paths}
    if "plotly" not in extensions and (site_imports.plotly_outputs or "plotly" in modules):
        extensions["plotly"] = plotly_extension_wheel(resolver.cache, reporter)
    aside = resolver.cycle_edges()
    return Distribution(source.mode, PYODIDE_VERSION, core, stdlib, resolver.lock(aside), resolver.files(), preload,
                        custom, resolver.online, needs=needs, online_reasons=online,
                        fetch_failures=resolver.failures,
                        labextension_wheels={k: v for k, v in extensions.items() if v is not None},
                        unavailable=unavailable, origins=dict(resolver.origins),
                        cycle_edges=aside)


def plotly_extension_wheel(cache: WheelCache, reporter: Reporter) -> Path | None:
    """plotly's wheel, for the JupyterLite extension inside it (not for the lock); None, with a warning, when
    pip cannot get it: plotly figures then show as text in JupyterLite (the pages draw them anyway)."""
    name, version = PLOTLY_EXTENSION.split("==")
    cached = cache.find(name, version)
    if cached:
        return cached
    try:
        with reporter.step(f"downloading {PLOTLY_EXTENSION} with pip (its JupyterLite extension)"):
            return cache.download([PLOTLY_EXTENSION])[PLOTLY_EXTENSION]
    except MystliteError as err:
        reporter.warn(f"plotly figures show as text in JupyterLite ({err.message})")
        return None


class LockResolver:
    """Walks dependencies from the wanted packages and decides where each wheel comes from."""

    def __init__(self, base_lock: dict, dist_dir: Path | None, cache: WheelCache, reporter: Reporter):
        self.base_lock, self.dist_dir, self.cache, self.reporter = base_lock, dist_dir, cache, reporter
        self.base = {canonicalize_name(k): v for k, v in base_lock["packages"].items()}
        self.local: dict[str, WheelInfo] = {}
        self.entries: dict[str, dict] = {}
        self.paths: dict[str, Path] = {}
        self.online: list[str] = []
        self.needed_by: dict[str, str] = {}  # package -> what asked for it, for messages
        self.failures: dict[str, str] = {}  # package -> why it could not be bundled
        self.unavailable: dict[str, str] = {}  # package with no pure or wasm wheel -> what needs it
        self.origins: dict[str, str] = {}  # package -> where its wheel came from, for the build summary
        self.local_origin: dict[str, str] = {}

    def add_local(self, info: WheelInfo, origin: str) -> None:
        self.local[info.name] = info
        self.local_origin[info.name] = origin

    def closure(self, name: str) -> set[str]:
        """A lock package and everything it depends on, by the lock's `depends`."""
        seen, todo = set(), [canonicalize_name(name)]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.base:
                continue
            seen.add(current)
            todo += [canonicalize_name(d) for d in self.base[current].get("depends", [])]
        return seen

    def needs_compiled(self, name: str) -> bool:
        """Whether a package's closure holds a compiled wheel that no local file provides."""
        for member in self.closure(name):
            entry = self.base[member]
            in_dist = self.dist_dir is not None and (self.dist_dir / entry["file_name"]).is_file()
            if not _is_pure(entry["file_name"]) and not in_dist and member not in self.local:
                return True
        return False

    def try_pypi_wasm(self, name: str) -> None:
        """Take `name` and its dependencies from PyPI as pure and PEP 783 wheels, when PyPI has them all."""
        wheels = self.cache.wasm_closure(name, self.base_lock.get("info", {}).get("abi_version", ""), self.reporter)
        for wheel in wheels:
            info = read_wheel(wheel)
            if info.name not in self.local:
                self.add_local(info, "PyPI (wasm)" if not info.pure else "PyPI")

    def fetch_from_cdn(self, entry: dict) -> Path | None:
        """One file of pyodide's distribution, per file from its CDN (or $MYSTLITE_PYODIDE_CDN), checked
        against the lock's sha256 and cached; None (with the reason kept) when it cannot be had."""
        from .cdn import fetch_package_file

        path, problem = fetch_package_file(entry, self.cache.root.parent, self.reporter)
        if problem:
            self.failures[canonicalize_name(entry["name"])] = problem
        return path

    def resolve(self, wanted: list[Requirement]) -> None:
        queue = [(r, "the site") for r in wanted]
        while queue:
            downloads: dict[str, tuple[str, str]] = {}  # requirement text -> (name, needed by)
            next_queue = []
            for req, needed_by in queue:
                name = canonicalize_name(req.name)
                if name in self.entries or name in self.unavailable or any(n == name for n, _ in downloads.values()):
                    continue
                if name in self.local:
                    next_queue += self._take_wheel(self.local[name])
                elif name in self.base:
                    entry = self.base[name]
                    if req.specifier and not req.specifier.contains(entry["version"], prereleases=True):
                        if not _is_pure(entry["file_name"]):
                            raise MystliteError(f"{req} is needed by {needed_by}, but this pyodide has "
                                                f"{name} {entry['version']}")
                        downloads[str(req)] = (name, needed_by)
                        continue
                    from_dist = self.dist_dir / entry["file_name"] if self.dist_dir else None
                    if from_dist is not None and from_dist.is_file():
                        if entry.get("sha256") and file_digest(from_dist) != entry["sha256"]:
                            raise MystliteError(f"{from_dist.name} in the pyodide distribution does not match its "
                                                f"sha256 in pyodide-lock.json (altered or corrupt)", Where(from_dist))
                        self.entries[name], self.paths[name] = dict(entry), from_dist
                        self.origins[name] = "pyodide"
                        next_queue += [(Requirement(d), name) for d in entry.get("depends", [])]
                    elif _is_pure(entry["file_name"]):
                        downloads[f"{name}=={entry['version']}"] = (name, needed_by)
                        self.needed_by.setdefault(name, needed_by)
                        self.origins[name] = "pyodide"  # the lock's own version, its wheel from PyPI
                    else:  # a compiled pyodide build: per file from pyodide's CDN, verified, else at run time
                        fetched = self.fetch_from_cdn(entry)
                        self.origins[name] = "pyodide"
                        if fetched is not None:
                            self.entries[name], self.paths[name] = dict(entry), fetched
                        else:
                            self.entries[name] = {**entry, "file_name": f"{PYODIDE_CDN_URL}/{entry['file_name']}"}
                            self.online.append(name)
                        next_queue += [(Requirement(d), name) for d in entry.get("depends", [])]
                else:
                    text = f"{name}=={PINS[name]}" if name in PINS and not req.specifier else str(req)
                    downloads[text] = (name, needed_by)
                    self.needed_by.setdefault(name, needed_by)
            next_queue += self._download(downloads)
            queue = next_queue

    def _take_wheel(self, info: WheelInfo) -> list[tuple[Requirement, str]]:
        self.entries[info.name] = info.lock_entry()
        self.paths[info.name] = info.path
        self.origins[info.name] = self.local_origin.get(info.name) or self.origins.get(info.name, "PyPI")
        return [(Requirement(d), info.name) for d in info.requires]

    def _download(self, downloads: dict[str, tuple[str, str]]) -> list[tuple[Requirement, str]]:
        found, missing = {}, []
        for text, (name, _) in downloads.items():
            req = Requirement(text)
            pinned = [s.version for s in req.specifier if s.operator == "=="]
            cached = self.cache.find(name, pinned[0]) if pinned else self.cache.remembered(text)
            if cached:
                found[text] = cached
            else:
                missing.append(text)
        follow = []
        while missing:
            try:
                with self.reporter.step(f"downloading {len(missing)} wheel(s) with pip: {', '.join(missing)}"):
                    fetched = self.cache.download(missing)
            except PackageNotFound as err:
                # no pure wheel: PyPI's wasm wheels may still have it; else it is left out and said, and
                # the rest is downloaded without it
                gone = canonicalize_name(Requirement(err.requirement).name)
                left = [text for text in missing if canonicalize_name(Requirement(text).name) != gone]
                if len(left) == len(missing):
                    raise
                missing = left
                follow += self._take_wasm_or_give_up(gone, downloads)
                continue
            for text, wheel in fetched.items():
                if "==" not in text:  # an unpinned requirement: remember what it resolved to
                    self.cache.remember(text, wheel)
            found.update(fetched)
            break
        for wheel in found.values():
            follow += self._take_wheel(read_wheel(wheel))
        return follow

    def _take_wasm_or_give_up(self, name: str, downloads: dict[str, tuple[str, str]]) -> list[tuple[Requirement,
                                                                                                   str]]:
        needed_by = next((by for n, by in downloads.values() if n == name), "the site")
        abi = self.base_lock.get("info", {}).get("abi_version", "")
        wheels = self.cache.wasm_closure(name, abi, self.reporter) if abi else []
        if not wheels:
            self.unavailable[name] = needed_by
            return []
        follow = []
        for wheel in wheels:
            info = read_wheel(wheel)
            if info.name not in self.entries and info.name not in self.local:
                self.add_local(info, "PyPI (wasm)" if not info.pure else "PyPI")
            if info.name == name:
                follow.append((Requirement(name), needed_by))
        return follow

    def lock(self, aside: dict[str, list[str]]) -> dict:
        """The lock to ship. A dependency that could not be had is not named (pyodide would refuse to load the
        package that names it, and its import would fail on the package itself instead of the missing one).
        Nor is a dependency that closes a cycle: `aside`, from `cycle_edges`."""
        packages = {}
        for name in sorted(self.entries):
            entry = self.entries[name]
            dropped = self.unavailable.keys() | set(aside.get(name, ()))
            if any(canonicalize_name(dep) in dropped for dep in entry.get("depends") or []):
                entry = {**entry, "depends": [d for d in entry["depends"] if canonicalize_name(d) not in dropped]}
            packages[name] = entry
        return {"info": self.base_lock.get("info", {}), "packages": packages}

    def cycle_edges(self) -> dict[str, list[str]]:
        """Dependencies that close a cycle (PyPI allows them: panel needs panel-material-ui, which needs panel),
        by package. pyodide installs a package after its dependencies, so a cycle loaded at once waits for
        ever. The walk starts from the packages most others need, so the edge dropped is the one into them:
        loading panel still loads panel-material-ui. The pages' runtime adds these edges back itself."""
        depends = {name: sorted({canonicalize_name(d) for d in entry.get("depends") or []} - self.unavailable.keys())
                   for name, entry in self.entries.items()}
        needed_by = {name: 0 for name in depends}
        for deps in depends.values():
            for dep in deps:
                if dep in needed_by:
                    needed_by[dep] += 1
        state: dict[str, int] = {}  # 1: on the walk's path, 2: done
        aside: dict[str, list[str]] = {}
        for root in sorted(depends, key=lambda name: (-needed_by[name], name)):
            if root in state:
                continue
            path = [(root, iter(depends[root]))]
            state[root] = 1
            while path:
                name, deps = path[-1]
                dep = next(deps, None)
                if dep is None:
                    state[name] = 2
                    path.pop()
                elif dep not in depends or state.get(dep) == 2:
                    continue
                elif state.get(dep) == 1:
                    aside.setdefault(name, []).append(dep)
                else:
                    state[dep] = 1
                    path.append((dep, iter(depends[dep])))
        return aside

    def files(self) -> list[Path]:
        return [self.paths[name] for name in sorted(self.paths)]


def _is_pure(file_name: str) -> bool:
    return file_name.endswith("-none-any.whl")


def unpack_distribution(source: PyodideSource, cache: Path, reporter: Reporter, config_file: Path,
                        where: Where | None = None) -> Path:
    """A pyodide distribution folder, from a folder, a local archive or a URL (cached, unpacked once, and
    verified whenever it is used). `where`: where myst.yml names it, for messages."""
    where, key = where or Where(config_file), "mystlite.pyodide"
    location = str(source.location)
    if "://" in location:
        path = _download(location, source.sha256, cache, reporter, where, key)
    else:
        path = Path(location)
        if not path.exists():
            raise MystliteError(f"pyodide distribution not found: {location}", where, key)
    if path.is_dir():
        return _find_core(path, where, key)
    dest = cache / "distributions" / f"unpacked-{file_digest(path)[:16]}"
    if dest.is_dir() and _unpacked_intact(dest):
        return _find_core(dest, where, key)
    if dest.exists():
        reporter.warn(f"the unpacked pyodide distribution in {dest} was altered; unpacking it again")
        shutil.rmtree(dest)
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with reporter.step(f"unpacking {path.name}"):
        try:
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for name in archive.namelist():
                        if name.startswith("/") or ".." in name.split("/"):
                            raise MystliteError(f"{path.name} has an unsafe entry {name!r}", where, key)
                    archive.extractall(tmp)
            else:
                with tarfile.open(path) as archive:
                    archive.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError, zipfile.BadZipFile) as err:
            # tarfile lists each method it tried, one line each: the gist is one line
            why = "not a .tar.bz2, .tar.gz, .tar.xz or .zip archive" if isinstance(err, tarfile.ReadError) \
                else str(err).splitlines()[0]
            raise MystliteError(f"cannot unpack the pyodide distribution {path.name}: {why}", where, key) from None
    core = _find_core(tmp, where, key)
    manifest = {p.relative_to(tmp).as_posix(): file_digest(p) for p in
                [core / "pyodide-lock.json", *(core / name for name in CORE_FILES)]}
    (tmp / UNPACKED_MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    tmp.replace(dest)
    return _find_core(dest, where, key)


UNPACKED_MANIFEST = "mystlite-manifest.json"  # the core files' sha256, checked on every use


def _unpacked_intact(dest: Path) -> bool:
    try:
        manifest = json.loads((dest / UNPACKED_MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and bool(manifest) and all(
        (dest / rel).is_file() and file_digest(dest / rel) == digest for rel, digest in manifest.items())


def _download(url: str, sha256: str | None, cache: Path, reporter: Reporter, where: Where, key: str) -> Path:
    """The archive at url, from the cache when its digest still matches (the given sha256, else the one
    recorded at download), else downloaded again."""
    name = url.rstrip("/").rsplit("/", 1)[-1] or "pyodide.tar.bz2"
    archive = cache / "distributions" / hashlib.sha256(url.encode()).hexdigest()[:16] / name
    record = archive.with_name(archive.name + ".sha256")
    if archive.is_file():
        expected = sha256 or (record.read_text().strip() if record.is_file() else None)
        if expected and file_digest(archive) == expected:
            return archive
        reporter.warn(f"the cached download of {url} does not match its sha256; downloading it again")
        archive.unlink()
    archive.parent.mkdir(parents=True, exist_ok=True)
    part = archive.with_name(archive.name + ".part")
    import urllib.request

    with reporter.step(f"downloading {url}"):
        try:
            with urllib.request.urlopen(url) as response, open(part, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as err:
            raise MystliteError(f"could not download {url}: {err}", where, key,
                                hint="download it by hand and give its local path instead") from None
    digest = file_digest(part)
    if sha256 and digest != sha256:
        part.unlink()
        raise MystliteError(f"the download of {url} has sha256 {digest}, not the {sha256} given", where, key)
    part.replace(archive)
    write_text(record, digest)
    return archive


def _find_core(folder: Path, where: Where, key: str) -> Path:
    for lock in sorted(folder.rglob("pyodide-lock.json"), key=lambda p: len(p.parts)):
        if all((lock.parent / name).is_file() for name in CORE_FILES):
            return lock.parent
    raise MystliteError(f"{folder} is not a pyodide distribution (no folder with {', '.join(CORE_FILES)})",
                        where, key)
