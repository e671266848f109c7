"""Orchestration: config → project → (pyodide, lite bundle, pages) → the output folder, swapped in atomically.

Stages build into a persistent work folder (PROJECT/_build/.mystlite) so that rebuilds are incremental.
The output is assembled in a sibling folder and renamed into place only when every stage succeeded,
so a failed or interrupted build leaves the previous good output untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files, fingerprint
from .cache import cache_dir as resolve_cache_dir
from .config import load_config, project_config_file
from .baseurl import env_base_url
from .errors import MystliteError
from .files import LEGACY_RECORD, REMEMBERED, WORK_DIR, is_skipped, sync_folder, write_text
from .lock import project_lock
from .log import Reporter
from .project import Project, load_project
from .publish import Publication



@dataclass
class LitePart:
    """What the lite stage hands on: the folders to publish and what the pages need to know."""

    parts: dict[str, Path] = field(default_factory=dict)  # output sub-folder -> built folder
    offline: bool = True
    offline_note: str = ""  # why readers need the network, when they do
    page_packages: dict[str, list[str]] = field(default_factory=dict)  # page path -> packages its code imports
    tasks_run: int = 0  # jupyterlite doit tasks that did work
    redone: str = ""  # what the JupyterLite build redid: "nothing", "contents" or "everything"
    notebooks: dict[str, str] = field(default_factory=dict)  # page path -> its notebook in the lite drive
    executed: Any = None  # the build-time run of the compute pages (mystlite.execute.Executed), with --execute
    widget_wheels: dict[str, Path] = field(default_factory=dict)  # widget packages' wheels (their front ends)
    snapshot: str | None = None  # site path of Python's start-up snapshot, which the pages restore
    unavailable: dict[str, str] = field(default_factory=dict)  # module -> why the site has no build of it
    cycle_edges: dict[str, list[str]] = field(default_factory=dict)  # dependencies the lock leaves out
    origins: dict[str, str] = field(default_factory=dict)  # bundled package -> where it came from


@dataclass
class Site:
    project: Project
    output: Path
    lite: Path | None  # output/lite, when compute is lite
    changed: bool  # False when the output was already up to date
    offline: bool
    lite_tasks_run: int = 0  # jupyterlite doit tasks that did work
    offline_note: str = ""
    pages_executed: int = 0  # pages run in pyodide by this build (not taken from the execution cache)
    execute_problems: list[str] = field(default_factory=list)  # cells that failed or timed out at build time
    exercise_problems: list[tuple[str, str]] = field(default_factory=list)  # (where, what) of checked exercises
    package_origins: dict[str, str] = field(default_factory=dict)  # bundled package -> where it came from
    lite_redone: str = ""  # "nothing", "contents" (a change of the drive alone) or "everything"


def load_checked(project_dir: Path, reporter: Reporter) -> Project:
    """Config and project model, with warnings shown and the first error raised."""
    config = load_config(project_dir)
    for message in config.diagnostics.warnings:
        reporter.warn(message)
    config.diagnostics.raise_first()
    shown = len(config.diagnostics.warnings)
    project = load_project(config)
    for message in config.diagnostics.warnings[shown:]:
        reporter.warn(message)
    config.diagnostics.raise_first()
    return project


def build_site(project_dir: Path, reporter: Reporter, base_url: str | None = None,
               cache_dir: Path | None = None, strict: bool = False, offline: bool = False,
               execute: bool = False, myst_server=None, waiting_myst=None) -> Site:
    """`strict`: every mystmd problem (and with `execute`, every failing cell) is fatal. `offline`: a site that
    would need the network is an error. `execute`: run the compute pages at build time (also the option
    mystlite.execute). `myst_server`: a kept mystmd (pages.mystserver.MystServer) for serve --watch.
    `waiting_myst`: a mystmd started before this (pages.mystcommand.WaitingMyst), which does the pages' build."""
    project = load_checked(project_dir, reporter)
    with project_lock(project.root, reporter):
        fingerprint.recall_published(project_dir)  # what the last record proves is still published as it was
        fingerprint.forget(project_dir)  # whatever happens next, the last record no longer vouches for the output
        return _build(project, reporter, base_url, cache_dir, strict, offline, execute, myst_server, waiting_myst)


def _build(project: Project, reporter: Reporter, base_url: str | None, cache_dir: Path | None,
           strict: bool, offline: bool, execute: bool, myst_server=None, waiting_myst=None) -> Site:
    config = project.config
    project_dir = project.root
    output = config.options.output
    from .pages.mystmd import included_outside

    work = config.root / WORK_DIR
    files.recall(work / REMEMBERED)  # digests an earlier build made of files unchanged since
    external = external_inputs(config) + included_outside(project)
    inputs = fingerprint.snapshot(project_dir, output, external, base_url, cache_dir,
                                  fingerprint.build_flags(strict, offline, execute))
    work.mkdir(parents=True, exist_ok=True)
    count = len(project.pages)
    reporter.info(f"building {config.title}: {count} page{'s' if count != 1 else ''}, "
                  f"{len(project.compute_pages)} with in-browser compute")
    from .exercises import page_exercises

    for page in project.compute_pages:
        found = page_exercises(page)
        if found.exercises:
            reporter.info(f"  {page.path}: {found.summary()}")

    from .pages.stage import finish_pages, last_rendered, start_pages

    pages_run = start_pages(project, work, reporter, base_url or env_base_url(), strict, myst_server, waiting_myst)
    publication = Publication(output, reporter, legacy_record=work / LEGACY_RECORD,
                              precompressed_cache=resolve_cache_dir(cache_dir) if config.options.precompress else None)
    try:
        executing = execute or config.options.execute
        if executing and not config.lite:
            reporter.warn("--execute needs project.jupyter.lite: true; nothing was executed")
        lite = build_lite_part(project, work, reporter, cache_dir, offline, executing, strict)
        # tens of MB, placed while mystmd still builds the pages: hard links, as the lite bundle's folders are only
        # ever replaced whole (lite/bundle.py), and the work folder checks them by digest before using them again
        publication.add_early(lite.parts, replaced_whole=True, expected=last_rendered(work))
        executed = lite.executed
        pages = finish_pages(pages_run, work, output, lite.notebooks,
                             lambda page, **extra: page_data(config, page, lite.notebooks, lite.page_packages,
                                                             snapshot=lite.snapshot, unavailable=lite.unavailable,
                                                             cycle_edges=lite.cycle_edges, **extra),
                             resolve_cache_dir(cache_dir), executed and executed.outputs(), lite.page_packages,
                             lite.widget_wheels)
    except BaseException:
        publication.abandon()
        raise
    finally:
        pages_run.cancel()
    changed = publication.finish({"": pages.files})
    fingerprint.record(project_dir, inputs, output, publication.wanted)
    files.keep(work / REMEMBERED)
    pages_run.keep_alive()
    lite_folder = output / "lite" if "lite" in lite.parts else None
    return Site(project, output, lite_folder, changed, lite.offline, lite.tasks_run, lite.offline_note,
                executed.ran if executed else 0, executed.problems if executed else [],
                executed.exercise_problems if executed else [], lite.origins, lite_redone=lite.redone)


def build_lite_part(project: Project, work: Path, reporter: Reporter, cache_dir: Path | None,
                    offline_required: bool = False, execute: bool = False, strict: bool = False) -> LitePart:
    """The lite bundle and the drive index, when compute is lite; with `execute`, the compute pages run in the
    staged bundle first and their outputs go into its notebooks."""
    config = project.config
    lite = LitePart()
    if config.lite:
        from .lite import build_lite
        from .pyodide import prepare_distribution
        from .pyodide.imports import scan_site

        contents_py = [file for path in config.options.contents
                       for file in ([path] if path.is_file() else sorted(path.rglob("*.py")))
                       if file == path or not is_skipped(file.relative_to(path))]
        site_imports = scan_site(project, contents_py)
        dist = prepare_distribution(config.options, config.file, resolve_cache_dir(cache_dir), reporter,
                                    lambda index: config.where(("mystlite", "packages", index)),
                                    site_imports,
                                    lambda index: config.where(("mystlite", "wheels", index)),
                                    config.where(("mystlite", "pyodide")))
        routed = route_pages(project, dist, site_imports)
        write_text(work / ROUTES, json.dumps({page.path: [page.backend, page.route] for page in project.compute_pages
                                              if page.path in routed}, indent=1, sort_keys=True))
        lite.offline, lite.offline_note = offline_truth(dist, reporter, offline_required, strict, routed)
        lite.page_packages = dist.needs.page_packages if dist.needs else {}
        lite.unavailable = {module: item.reason for item in dist.unavailable for module in item.modules}
        lite.cycle_edges = dist.cycle_edges
        lite.origins = dist.origins
        lite.widget_wheels = dist.labextension_wheels
        run_pages = StagedExecution(project, work, reporter, strict) if execute else None
        with reporter.step("JupyterLite bundle"):
            bundle = build_lite(project, dist, work, reporter, after_stage=run_pages,
                                cache=resolve_cache_dir(cache_dir))
        lite.executed = run_pages.result if run_pages else None
        snapshot = None
        if dist.core_dir is not None and dist.stdlib is not None and config.options.startup_snapshot:
            from .runtime.snapshot import startup_snapshot

            snapshot = startup_snapshot(dist.core_dir, dist.stdlib.zip, resolve_cache_dir(cache_dir), reporter)
        from .runtime import META_DIR

        lite.parts = {"lite": bundle.folder, META_DIR: write_meta(work, bundle.drive_files, snapshot)}
        lite.snapshot = f"{META_DIR}/{snapshot.name}" if snapshot else None
        lite.tasks_run, lite.notebooks, lite.redone = bundle.tasks_run, bundle.notebooks, bundle.redone
    elif config.remote:
        reporter.info(f"project.jupyter has no lite: pages run on {REMOTE_NAMES[config.remote]} and no lite "
                      f"bundle is built")
    return lite


ROUTES = "routes.json"  # in the work folder: the pages the last build sent to the remote backend, and why


def recorded_routes(config) -> dict[str, tuple[str, str]]:
    """page -> (backend, why), as the last build routed it (for `mystlite config`, which scans no imports)."""
    from .files import read_json

    data = read_json(config.root / WORK_DIR / ROUTES) or {}
    return {path: (entry[0], entry[1]) for path, entry in data.items() if isinstance(entry, list) and len(entry) == 2}


REMOTE_NAMES = {"binder": "Binder", "server": "a Jupyter server", "lite": "the browser (pyodide)"}


def route_pages(project: Project, dist, site_imports) -> set[str]:
    """With both pyodide and a remote backend, a page whose imports pyodide cannot satisfy (an import nothing
    provides, a package with no wasm build) runs on the remote one; returns the pages that moved. A page's
    own `jupyter: lite` keeps it in the browser."""
    config = project.config
    if not config.remote or not config.lite:
        return set()
    blocked: dict[str, str] = {}
    for module in (dist.needs.unknown if dist.needs else {}):
        blocked[module] = f"{module}: no pyodide build"
    for item in dist.unavailable:
        for module in item.modules:
            blocked.setdefault(module, f"{item.needed_by}: needs {item.package}, which has no wasm build")
    by_page = site_imports.by_page()
    moved = set()
    for page in project.compute_pages:
        if page.backend != "lite" or page.frontmatter.get("jupyter") == "lite":
            continue
        reasons = sorted({blocked[m] for m in by_page.get(page.path, set()) if m in blocked})
        if reasons:
            page.backend, page.route = config.remote, "; ".join(reasons)
            moved.add(page.path)
    return moved


class StagedExecution:
    """build_lite's after_stage step for --execute: run the compute pages in the staged bundle, then write the
    outputs into its notebooks. `result` holds the run afterwards (None when nothing could run)."""

    def __init__(self, project: Project, work: Path, reporter: Reporter, strict: bool):
        self.project, self.work, self.reporter, self.strict = project, work, reporter, strict
        self.result = None

    def __call__(self, src: Path, drive) -> None:
        from .execute import execute_pages, write_outputs

        pyodide_dir = src / "static" / "pyodide"
        if not (pyodide_dir / "pyodide-lock.json").is_file():
            self.reporter.warn("--execute needs the site's own pyodide (mystlite.pyodide is a CDN); nothing was "
                               "executed")
            return
        executed = execute_pages(self.project, pyodide_dir, src / "contents", drive.notebooks, drive.checks,
                                 self.work,
                                 self.reporter, self.project.config.options.execute_timeout)
        if executed.problems and self.strict:
            raise MystliteError(f"{len(executed.problems)} cell(s) failed at build time (--strict): "
                                + "; ".join(executed.problems),
                                hint="tag a cell that is meant to raise with raises-exception, or skip it with "
                                     "skip-execution")
        exercises = [f"{where}: {what}" for where, what in executed.exercise_problems]
        if exercises and self.strict:
            raise MystliteError(f"{len(exercises)} exercise check(s) failed at build time (--strict): "
                                + "; ".join(exercises),
                                hint="a solution must pass its exercise's check, and the starting code must not")
        for problem in executed.problems + exercises:
            self.reporter.warn(problem)
        write_outputs(src / "contents", drive.notebooks, executed, self.reporter, drive.checks)
        self.result = executed


def offline_truth(dist, reporter: Reporter, offline_required: bool, strict: bool = False,
                  remote_pages: set[str] = frozenset()) -> tuple[bool, str]:
    """Whether readers need the network, and why: imports nothing provides, packages that could not be
    bundled. With `--offline` each of these is an error instead of a warning; packages with no build for the
    browser at all are errors under `--strict` too."""
    def say(message: str, fatal: bool = False) -> None:
        if offline_required or fatal:
            raise MystliteError(message, hint="--offline makes the site fail to build rather than need the network"
                                if offline_required else "--strict makes a package the site cannot have fatal")
        reporter.warn(message)

    def in_browser(where: str) -> bool:  # what a page on a remote backend imports is the remote's business
        return where.split(":")[0] not in remote_pages

    for item in dist.unavailable:
        if not item.where or in_browser(item.where):
            say(item.message, strict)
    needs = dist.needs
    for module, places in sorted((needs.unknown if needs else {}).items()):
        places = [place for place in places if in_browser(place)]
        if not places:
            continue
        more = f" (and {len(places) - 1} more places)" if len(places) > 1 else ""
        say(f"{places[0]}: import {module}: no package of pyodide {dist.version} provides it, nor "
            f"mystlite.packages or mystlite.wheels{more}")
    if not dist.online_packages:
        return True, ""
    described = []
    for name in dist.online_packages:
        places = (dist.online_reasons or {}).get(name) or []
        described.append(f"{name} (needed by {', '.join(places[:3])}{', …' if len(places) > 3 else ''})"
                         if places else name)
    reasons = sorted(set((dist.fetch_failures or {}).values()))
    why = f"; {reasons[0]}" if reasons else ""
    note = f"{', '.join(described)} could not be fetched{why}; readers will need the network"
    say(f"the site is not fully offline: {note}")
    return False, note


def write_meta(work: Path, files: list[str], snapshot: Path | None) -> Path:
    """The runtime's site-wide files: the list of the lite drive's files, which it copies into its file
    system, and Python's start-up snapshot."""
    folder = work / "meta"
    wanted: dict[str, Path | bytes] = {"drive.json": (json.dumps({"files": sorted(files)}, indent=1) + "\n").encode()}
    if snapshot is not None:
        wanted[snapshot.name] = snapshot
    sync_folder(folder, wanted)
    return folder


def external_inputs(config) -> list[Path]:
    """Files outside the project folder that a build reads: they count for the up-to-date check."""
    options = config.options
    paths = [*options.wheels, *options.contents, *config.doc.sources]
    if options.pyodide.mode == "distribution" and "://" not in (options.pyodide.location or ""):
        paths.append(Path(options.pyodide.location))
    if config.lite:  # the package the project documents is built into the site when its code imports it
        from .pyodide.local_package import find_local_package

        package = find_local_package(config.root)
        if package is not None:
            paths += package.input_paths()
    return sorted({p for p in paths if config.root not in Path(p).resolve().parents})


def page_data(config, page, notebooks: dict[str, str], packages: dict[str, list[str]] | None = None,
              checks: str | None = None, snapshot: str | None = None,
              unavailable: dict[str, str] | None = None, cycle_edges: dict[str, list[str]] | None = None) -> str:
    """What the in-page runtime and later connectors read: compute on/off and the (secret-free) jupyter config.
    `checks`: the site path of the page's exercise checks; `snapshot`: of Python's start-up snapshot;
    `unavailable`: module -> why the site has no build of it, said in a cell whose import fails;
    `cycle_edges`: dependencies the shipped lock leaves out to break cycles, which a cell's loads add back."""
    from .runtime import DRIVE_INDEX, PYODIDE_DIR

    if config.jupyter is None:
        return ""
    jupyter = dict(config.jupyter)
    if "server" in jupyter and not config.options.expose_server_token:
        jupyter["server"] = {k: v for k, v in jupyter["server"].items() if k != "token"}
    data = {"compute": page.compute, "jupyter": jupyter}
    if page.compute and page.backend:
        data.update(runtime=True, backend=page.backend, backends=config.backends,
                    notebook=notebooks.get(page.path, page.path))
        if page.route:
            data["route"] = page.route
        if config.remote == "binder":  # "Launch on Binder" opens the page's file in the repository
            data["repo_path"] = repo_path(page.source)
        if checks:
            data["checks"] = checks
            if config.options.solution_after:
                data["solution_after"] = config.options.solution_after
    if page.compute and config.lite:
        data.update(drive=DRIVE_INDEX, pyodide=f"{PYODIDE_DIR}/pyodide.mjs")
        if (packages or {}).get(page.path):  # loaded while Python starts, and only what this page imports
            data["packages"] = packages[page.path]
        if snapshot:
            data["snapshot"] = snapshot
        if unavailable:
            data["unavailable"] = unavailable
        if cycle_edges:
            data["cycle_edges"] = cycle_edges
    # "</" must not close the <script> element the JSON is embedded in
    return json.dumps(data, sort_keys=True).replace("</", "<\\/")


def repo_path(source: Path) -> str:
    """A file's path in its git repository (what Binder's urlpath names), or its name when none is found."""
    for folder in source.parents:
        if (folder / ".git").exists():
            return source.relative_to(folder).as_posix()
    return source.name


def site_folder(path: Path) -> Path:
    """A project folder's output, or a folder that already is a built site."""
    if project_config_file(path) is not None:
        config = load_config(path)
        return config.options.output
    if not path.is_dir():
        raise MystliteError("not found", None, str(path))
    return path
