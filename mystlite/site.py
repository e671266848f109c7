"""Orchestration: config → project → (pyodide, lite bundle, pages) → the output folder, swapped in atomically.

Stages build into a persistent work folder (PROJECT/_build/.mystlite) so that rebuilds are incremental.
The output is assembled in a sibling folder and renamed into place only when every stage succeeded,
so a failed or interrupted build leaves the previous good output untouched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import fingerprint
from .cache import cache_dir as resolve_cache_dir
from .config import load_config
from .errors import MystliteError
from .files import sync_folder, tree_stamp
from .log import Reporter
from .project import Project, load_project

WORK_DIR = "_build/.mystlite"
# Legacy font formats in JupyterLite's build: every browser that runs pyodide takes the woff2 beside them.
NOT_PUBLISHED = re.compile(r"^lite/build/fa-[a-z]+-\d+\.(eot|ttf|svg)$")


@dataclass
class LitePart:
    """What the lite stage hands on: the folders to publish and what the pages need to know."""

    parts: dict[str, Path] = field(default_factory=dict)  # output sub-folder -> built folder
    offline: bool = True
    tasks_run: int = 0  # jupyterlite doit tasks that did work
    notebooks: dict[str, str] = field(default_factory=dict)  # page path -> its notebook in the lite drive


@dataclass
class Site:
    project: Project
    output: Path
    lite: Path | None  # output/lite, when compute is lite
    changed: bool  # False when the output was already up to date
    offline: bool
    lite_tasks_run: int = 0  # jupyterlite doit tasks that did work


def load_checked(project_dir: Path, reporter: Reporter) -> Project:
    """Config and project model, with warnings shown and the first error raised."""
    config = load_config(project_dir)
    for message in config.diagnostics.warnings:
        reporter.warn(message)
    config.diagnostics.raise_first()
    return load_project(config)


def build_site(project_dir: Path, reporter: Reporter, base_url: str | None = None,
               cache_dir: Path | None = None) -> Site:
    fingerprint.forget(project_dir)  # whatever happens next, the last record no longer vouches for the output
    project = load_checked(project_dir, reporter)
    config = project.config
    output = config.options.output
    work = config.root / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    count = len(project.pages)
    reporter.info(f"building {config.title}: {count} page{'s' if count != 1 else ''}, "
                  f"{len(project.compute_pages)} with in-browser compute")

    from .pages import finish_pages, start_pages

    pages_run = start_pages(project, work, reporter, base_url or os.environ.get("BASE_URL"))
    try:
        lite = build_lite_part(project, work, reporter, cache_dir)
        pages = finish_pages(pages_run, work, lite.notebooks, lambda page: page_data(config, page, lite.notebooks))
    finally:
        pages_run.cancel()
    parts = {**lite.parts, "": pages.folder}
    changed = publish(parts, output, work, reporter)
    fingerprint.record(project_dir, output, external_inputs(config), base_url, cache_dir)
    lite_folder = output / "lite" if "lite" in parts else None
    return Site(project, output, lite_folder, changed, lite.offline, lite.tasks_run)


def build_lite_part(project: Project, work: Path, reporter: Reporter, cache_dir: Path | None) -> LitePart:
    """The lite bundle and the drive index, when compute is lite."""
    config = project.config
    lite = LitePart()
    if config.lite:
        from .lite import build_lite
        from .pyodide import prepare_distribution

        dist = prepare_distribution(config.options, config.file, resolve_cache_dir(cache_dir), reporter)
        if dist.online_packages:
            lite.offline = False
            reporter.warn("the site is not fully offline: " + ", ".join(dist.online_packages) +
                          " load from the pyodide CDN at run time (set mystlite.pyodide to a pyodide "
                          "distribution to bundle them)")
        with reporter.step("JupyterLite bundle"):
            bundle = build_lite(project, dist, work, reporter)
        lite.parts = {"lite": bundle.folder, "_mystlite": write_drive_index(work, bundle.drive_files)}
        lite.tasks_run, lite.notebooks = bundle.tasks_run, bundle.notebooks
    elif config.jupyter is not None:
        reporter.info("project.jupyter is not lite: no lite bundle is built")
    return lite


def write_drive_index(work: Path, files: list[str]) -> Path:
    """The list of the lite drive's files, which the in-page runtime copies into its file system."""
    folder = work / "meta"
    sync_folder(folder, {"drive.json": (json.dumps({"files": sorted(files)}, indent=1) + "\n").encode()})
    return folder


def external_inputs(config) -> list[Path]:
    """Files outside the project folder that a build reads: they count for the up-to-date check."""
    options = config.options
    paths = [*options.wheels, *options.contents, *config.doc.sources]
    if options.pyodide.mode == "distribution" and "://" not in (options.pyodide.location or ""):
        paths.append(Path(options.pyodide.location))
    return sorted({p for p in paths if config.root not in Path(p).resolve().parents})


def page_data(config, page, notebooks: dict[str, str]) -> str:
    """What the in-page runtime and later connectors read: compute on/off and the (secret-free) jupyter config."""
    from .runtime import DRIVE_INDEX

    if config.jupyter is None:
        return ""
    jupyter = dict(config.jupyter)
    if "server" in jupyter and not config.options.expose_server_token:
        jupyter["server"] = {k: v for k, v in jupyter["server"].items() if k != "token"}
    data = {"compute": page.compute, "jupyter": jupyter}
    if page.compute and config.lite:
        data.update(runtime=True, notebook=notebooks.get(page.path, page.path), drive=DRIVE_INDEX)
    # "</" must not close the <script> element the JSON is embedded in
    return json.dumps(data, sort_keys=True).replace("</", "<\\/")


def _sources(parts: dict[str, Path]) -> dict[str, tuple[Path, list[int]]]:
    """Every file to publish: its path in the output -> (the built file, its [size, mtime])."""
    files = {}
    for prefix, folder in sorted(parts.items()):
        for rel, stat in tree_stamp(folder).items():
            out_rel = f"{prefix}/{rel}".lstrip("/")
            if not NOT_PUBLISHED.match(out_rel):
                files[out_rel] = (folder / rel, stat)
    return files


def _place(source: Path, dest: Path, previous: Path, rel: str, stat: list) -> None:
    """Hard-link rather than copy wherever that is safe, so publishing costs almost nothing.

    The previous output's file is reused when unchanged (output files are never written in place). A built
    file is linked too, except JSON: jupyterlite rewrites its JSON files in place, everything else it
    replaces, and our own stages always replace.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    old = previous / rel
    try:
        old_stat = old.stat()
        if [old_stat.st_size, old_stat.st_mtime_ns] == stat:
            os.link(old, dest)
            return
    except OSError:
        pass
    if source.suffix != ".json":
        try:
            os.link(source, dest)
            return
        except OSError:  # another file system, or links not supported
            pass
    shutil.copy2(source, dest)


def publish(parts: dict[str, Path], output: Path, work: Path, reporter: Reporter) -> bool:
    """Copy the built parts into a fresh folder beside output, then swap it in. Skips when unchanged."""
    record = work / "published.json"
    sources = _sources(parts)
    # equal manifests of what was built, and an output nobody touched since: nothing to publish
    built = {"output": str(output), "files": {rel: stat for rel, (_, stat) in sources.items()}}
    if output.is_dir() and record.is_file():
        saved = json.loads(record.read_text())
        if saved.get("built") == built and saved.get("published") == tree_stamp(output):
            reporter.info(f"up to date: {output}")
            return False
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.staging")
    previous = output.with_name(f".{output.name}.previous")
    for leftover in (staging, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    with reporter.step(f"writing {output}"):
        staging.mkdir()
        for out_rel, (source, stat) in sources.items():
            _place(source, staging / out_rel, output, out_rel, stat)
        if output.exists():
            os.replace(output, previous)
        os.replace(staging, output)
        shutil.rmtree(previous, ignore_errors=True)
    record.write_text(json.dumps({"built": built, "published": tree_stamp(output)}))
    return True


def site_folder(path: Path) -> Path:
    """A project folder's output, or a folder that already is a built site."""
    if any((path / name).is_file() for name in ("myst.yml", "myst.yaml")):
        config = load_config(path)
        return config.options.output
    if not path.is_dir():
        raise MystliteError("not found", None, str(path))
    return path
