"""What the site's code needs from the browser's Python, beyond pyodide's lock: the imports each page makes,
the package a project documents (built from its pyproject.toml), imports looked up on PyPI, and the packages
that cannot be had at all (said, with the page and line, never a failed build)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ..errors import Where
from ..log import Reporter
from .imports import SiteImports, is_provided
from .wheelinfo import WheelInfo, read_wheel

if TYPE_CHECKING:
    from .distribution import LockResolver


@dataclass
class SiteNeeds:
    """What the site's code needs: lock packages with the places that import them, and imports nothing has."""

    packages: dict[str, list[str]] = field(default_factory=dict)  # lock name -> places that import it
    unknown: dict[str, list[str]] = field(default_factory=dict)  # module -> places
    requirements: list[tuple[str, str]] = field(default_factory=list)  # from %pip install / PEP 723
    page_packages: dict[str, list[str]] = field(default_factory=dict)  # page path -> lock names it imports

    def packages_needing(self, name: str, resolver: "LockResolver") -> list[str]:
        """Places whose imports need `name` through a dependency."""
        places = []
        for top, where in self.packages.items():
            if name in resolver.closure(top):
                places += where
        return places


# Standard-library modules that need a package's data in pyodide, which has no system copy of it
STDLIB_DATA = {"zoneinfo": "tzdata"}


def site_needs(imports: SiteImports, base_lock: dict, custom: list[WheelInfo],
               extra_providers: dict[str, str] | None = None) -> SiteNeeds:
    """`extra_providers`: import name -> package for what mystlite adds itself (widgets)."""
    providers: dict[str, str] = dict(extra_providers or {})
    for name, entry in base_lock.get("packages", {}).items():
        for module in entry.get("imports") or []:
            providers.setdefault(module, canonicalize_name(name))
    own = {module for info in custom for module in info.imports}
    needs = SiteNeeds(requirements=list(imports.requirements))
    for use in imports.uses:
        data = STDLIB_DATA.get(use.module)
        if (is_provided(use.module) and not data) or use.module in own:
            continue
        page = use.where.split(":")[0]
        if use.module in providers or data in providers.values():
            name = data or providers[use.module]
            needs.packages.setdefault(name, []).append(use.where)
            needs.page_packages.setdefault(page, [])
            if name not in needs.page_packages[page]:
                needs.page_packages[page].append(name)
        else:
            needs.unknown.setdefault(use.module, []).append(use.where)
    return needs


@dataclass(frozen=True)
class Unavailable:
    """A package the site's code needs that has no build for the browser: left out, and said."""

    package: str  # what has no build (numba)
    needed_by: str  # the package that wants it (quantecon), or the package itself when the code imports it
    where: str  # the first place that imports what needs it ("lecture.md:14"), or "" when none is known
    modules: tuple[str, ...]  # the imports that will fail: the missing package's and its importer's

    @property
    def reason(self) -> str:
        """What is missing and what fails, as a cell whose import fails says it."""
        if self.needed_by == self.package:
            return (f"{self.package} has no pure-Python or wasm build for the browser's Python: cells importing "
                    f"it will fail")
        return (f"{self.needed_by} needs {self.package}, which has no wasm build: cells importing {self.needed_by} "
                f"will fail")

    @property
    def message(self) -> str:
        """The build's warning: the reason, after the first place that imports it."""
        return f"{self.where}: {self.reason}" if self.where else self.reason


def explain_unavailable(resolver: "LockResolver", needs: "SiteNeeds", declared: list[Requirement],
                        package_where: Callable[[int], Where] | None) -> list[Unavailable]:
    """Each package left out, with the top-level package the site asked for that needs it and where."""
    places: dict[str, str] = {}
    for text, where in needs.requirements:
        if valid_requirement(text):
            places.setdefault(canonicalize_name(Requirement(text).name), where)
    for name, where in needs.packages.items():
        places.setdefault(name, where[0])
    for index, req in enumerate(declared):
        places.setdefault(canonicalize_name(req.name),
                          str(package_where(index)) + f": mystlite.packages[{index}]" if package_where else "")
    found = []
    for name, needed_by in sorted(resolver.unavailable.items()):
        chain = [name]
        while needed_by in resolver.needed_by or needed_by in resolver.entries:
            chain.append(needed_by)
            parent = resolver.needed_by.get(needed_by)
            if parent is None or parent in chain:
                break
            needed_by = parent
        top = chain[-1] if chain[-1] != "the site" else name
        modules = {name.replace("-", "_")}
        for member in chain:
            entry = resolver.entries.get(member) or {}
            modules.update(entry.get("imports") or [member.replace("-", "_")])
        found.append(Unavailable(name, top, places.get(top, ""), tuple(sorted(modules))))
    return found


def documented_package(project_root: Path, modules: set[str], custom: list[WheelInfo], cache: Path,
                       reporter: Reporter) -> tuple[WheelInfo, str] | None:
    """The package whose repository holds the project, built into a wheel, when the site's code imports it and
    mystlite.wheels does not already give it; with where it came from, for the summary."""
    from .local_package import build_local_wheel, find_local_package

    package = find_local_package(project_root)
    if package is None or not modules.intersection(package.imports):
        return None
    if any(info.name == package.name or set(info.imports) & set(package.imports) for info in custom):
        return None
    info = build_local_wheel(package, cache, reporter)
    if info is None:
        return None
    return info, f"built from {os.path.relpath(package.pyproject, project_root)}"


def look_up_unknown_imports(needs: "SiteNeeds", resolver: "LockResolver", project_root: Path) -> list[str]:
    """Imports that no lock or wheel provides, looked for on PyPI: under their own name, then under the
    distributions that the documented package's pyproject.toml names (itself and its dependencies). Those found
    move from needs.unknown to needs.packages; returns their package names."""
    from .local_package import find_local_package

    package = find_local_package(project_root) if needs.unknown else None
    found = []
    for module in sorted(needs.unknown):
        # the documented package itself, and those of its dependencies whose name holds the module's (pyyaml for
        # yaml): one pip look-up each, so not every dependency for every import
        squashed = module.lower().replace("_", "")
        declared = [package.name] + [dep for dep in package.dependencies
                                     if squashed in dep.replace("-", "")] if package is not None else []
        wheel = resolver.cache.providing(module, [module, *declared], resolver.reporter)
        if wheel is None:
            continue
        info = read_wheel(wheel)
        if info.name not in resolver.local:
            resolver.add_local(info, "PyPI")
        found.append(info.name)
        places = needs.unknown.pop(module)
        needs.packages.setdefault(info.name, []).extend(places)
        for place in places:
            page = needs.page_packages.setdefault(place.split(":")[0], [])
            if info.name not in page:
                page.append(info.name)
    return found


def valid_requirement(text: str) -> bool:
    try:
        Requirement(text)
        return True
    except Exception:
        return False
