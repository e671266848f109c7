"""Stage a JupyterLite project folder from the Project and Distribution, then let jupyterlite-core build it.

The staged folder lives in a persistent work folder: a rebuild whose staged bytes are unchanged runs
nothing, a change of the contents alone (a notebook edited, a data file added) redoes jupyterlite's contents
addon on a copy of the last output, and any other change rebuilds JupyterLite from scratch (see build_lite).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from jupyterlite_core import __version__ as JUPYTERLITE_VERSION
from jupyterlite_pyodide_kernel.constants import PYODIDE_KERNEL_PLUGIN_ID

from ..files import file_digest
from ..errors import MystliteError
from ..log import Reporter
from ..project import Project
from ..pyodide import Distribution, kernel_extension_dir
from ..pyodide.npm import CORE_FILES
from . import shared
from .contents import DriveContents, collect_contents
from ..files import read_json, sync_folder, tree_digest, write_if_changed, write_text

# Only the apps the site links to: the notebook app ("Open in JupyterLite") and the REPL.
APPS = ("notebooks", "repl", "tree")  # tree: the file list that lite/ itself opens
# Addons we replace: we write the lock ourselves; archives are not wanted.
DISABLED_ADDONS = ("jupyterlite-pyodide-kernel-lock", "archive")
# Reproducible output: file times and index dates are clamped to this (SOURCE_DATE_EPOCH overrides).
DEFAULT_EPOCH = 1704067200  # 2024-01-01


@dataclass
class LiteBundle:
    folder: Path  # the built JupyterLite site
    notebooks: dict[str, str]  # page path -> path of its notebook in the lite drive
    tasks_run: int  # doit tasks that did work in this build
    drive_files: list[str]  # every file of the lite drive (relative paths)
    redone: str = "everything"  # what this build redid: "nothing", "contents" or "everything"


def kernel_settings(dist: Distribution) -> dict:
    settings: dict = {}
    if dist.core_dir is not None:
        settings["disablePyPIFallback"] = not dist.online_packages
        settings["loadPyodideOptions"] = {"packages": dist.preload}
    return settings


def contents_version(drive: DriveContents) -> str:
    """A digest of the drive's files. JupyterLite keeps the reader's copies in browser storage, where they
    would hide a redeployed notebook; a storage name per contents version shows the new one instead."""
    digest = hashlib.sha256()
    for rel in sorted(drive.files):
        source = drive.files[rel]
        digest.update(rel.encode() + b"\0")
        digest.update(source if isinstance(source, bytes) else file_digest(source).encode())
    return digest.hexdigest()[:12]


def jupyter_lite_json(project: Project, dist: Distribution, drive: DriveContents) -> bytes:
    data = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": project.config.title,
            # lite/ opens the file list, and every app's favicon is one that ships (the defaults point at lab/)
            "appUrl": "./tree",
            "faviconUrl": "./tree/favicon.ico",
            # the notebook app swaps its tab icon for static/favicons/*.ico, which JupyterLite does not ship; the
            # tree app writes the open folder into the URL as tree/FOLDER, which a static host answers with 404
            # on reload
            "disabledExtensions": ["@jupyter-notebook/notebook-extension:tab-icon",
                                   "@jupyter-notebook/application-extension:tree-updater"],
            "contentsStorageName": f"mystlite {project.config.title} {contents_version(drive)}",
            "litePluginSettings": {PYODIDE_KERNEL_PLUGIN_ID: kernel_settings(dist)},
        },
    }
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def stage(project: Project, dist: Distribution, src: Path, work: Path) -> DriveContents:
    """Write the jupyterlite project folder: config, static/pyodide, pypi wheels, contents."""
    drive = collect_contents(project, work)
    sync_folder(src / "contents", drive.files)
    pyodide: dict[str, Path | bytes] = {}
    if dist.core_dir is not None:
        pyodide = {name: dist.core_dir / name for name in CORE_FILES if name != "pyodide-lock.json"}
        pyodide.update(dist.stdlib.shipped())
        pyodide["pyodide-lock.json"] = (json.dumps(dist.lock, indent=1, sort_keys=True) + "\n").encode()
        pyodide.update({wheel.name: wheel for wheel in dist.wheels})
    if pyodide:
        sync_folder(src / "static" / "pyodide", pyodide)
    else:  # an existing static/pyodide would make jupyterlite point the kernel at it
        shutil.rmtree(src / "static", ignore_errors=True)
    sync_folder(src / "pypi", {info.path.name: info.path for info in dist.custom})
    from ..pyodide.widgets import extract_labextensions

    extract_labextensions(dist.labextension_wheels, src / "labextensions")  # the widget managers, when needed
    if not dist.labextension_wheels:
        shutil.rmtree(src / "labextensions", ignore_errors=True)
    write_if_changed(src / "jupyter-lite.json", jupyter_lite_json(project, dist, drive))
    return drive


def build_lite(project: Project, dist: Distribution, work: Path, reporter: Reporter,
               after_stage: Callable[[Path, DriveContents], None] | None = None,
               cache: Path | None = None) -> LiteBundle:
    """Build JupyterLite from the staged folder: nothing when no staged byte changed; only the contents when
    nothing else did (see refresh_contents); else from scratch. Without a usable last output, one kept in the
    download cache (`cache`) for the same inputs stands in for it (see shared.py).

    An incremental doit run of jupyterlite's own tasks is not used: they patch jupyter-lite.json in place, and
    a run that redoes only the contents task loses the kernel's settings (pyodideUrl, pipliteUrls), so the
    offline site would silently go online. A fresh build costs about as long as mystmd, which runs
    meanwhile, and is equal to a clean build by construction.
    """
    src, out = work / "lite-src", work / "lite"
    fresh, build_src = work / "lite.new", work / "lite-build-src"
    for leftover in (fresh, build_src):  # from a build that was killed
        remove(leftover)
    src.mkdir(parents=True, exist_ok=True)
    drive = stage(project, dist, src, work)
    for message in drive.warnings:
        reporter.warn(message)
    if after_stage is not None:
        after_stage(src, drive)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or DEFAULT_EPOCH)
    stamp_file = work / "lite.stamp.json"
    stamp = {"inputs": staged_digest(src), "storage": storage_name(src), "epoch": epoch, "apps": list(APPS),
             "jupyterlite": JUPYTERLITE_VERSION}
    previous = read_json(stamp_file)
    usable = bool(out.joinpath("jupyter-lite.json").is_file() and previous
                  and previous.get("output") == tree_digest(out))
    if not usable:
        remove(out)
        previous = shared.take(cache, stamp, out)
        usable = previous is not None
        if usable:
            reporter.detail("  lite: starting from the bundle kept in the download cache for these inputs")
            write_text(stamp_file, json.dumps(previous))
    if usable:
        if previous == {**stamp, "output": previous["output"]}:
            return LiteBundle(out, drive.notebooks, 0, sorted(drive.files), "nothing")
        if only_contents_changed(previous, stamp):
            ran = refresh_contents(src / "contents", out, fresh, epoch, previous["storage"], stamp["storage"])
            remove(out)
            fresh.replace(out)
            write_text(stamp_file, json.dumps({**stamp, "output": tree_digest(out)}))
            return LiteBundle(out, drive.notebooks, ran, sorted(drive.files), "contents")
    stamp_file.unlink(missing_ok=True)
    # jupyterlite clamps the times of its inputs, so build from a private copy of the staged folder
    for folder in (work / "lite-cache", work / "lite.doit.db"):
        remove(folder)
    shutil.copytree(src, build_src)
    ran = run_jupyterlite(build_src, fresh, work, epoch, reporter)
    _notebooks_without_path_open_the_list(fresh)
    remove(out)
    fresh.replace(out)
    remove(build_src)
    stamp["output"] = tree_digest(out)
    write_text(stamp_file, json.dumps(stamp))
    shared.keep(cache, stamp, out)
    return LiteBundle(out, drive.notebooks, ran, sorted(drive.files))


STORAGE_KEY = "contentsStorageName"


def storage_name(src: Path) -> str:
    """The staged config's contents storage name: it changes with the contents (see contents_version)."""
    return read_json(src / "jupyter-lite.json")["jupyter-config-data"][STORAGE_KEY]


def staged_digest(src: Path) -> dict[str, str]:
    """{path: sha256} of the staged folder, the config's digest taken without its contents storage name, so that
    a change of the contents alone shows only under contents/."""
    digests = tree_digest(src)
    config = read_json(src / "jupyter-lite.json")
    del config["jupyter-config-data"][STORAGE_KEY]
    digests["jupyter-lite.json"] = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    return digests


def only_contents_changed(previous: dict, stamp: dict) -> bool:
    return shared.beyond_contents(previous) == shared.beyond_contents(stamp)


def refresh_contents(contents: Path, out: Path, fresh: Path, epoch: int, old_storage: str, new_storage: str) -> int:
    """A new output in `fresh`: the last one (hard links: nothing is written in place) with jupyterlite's own
    contents addon run again, as the full build runs it, and the config's storage name changed. Returns the
    number of tasks run. The bytes equal a clean build's: tests/test_incremental.py compares them."""
    from jupyterlite_core.addons.contents import ContentsAddon
    from jupyterlite_core.manager import LiteManager

    shutil.copytree(out, fresh, copy_function=os.link)
    for generated in (fresh / "files", fresh / "api" / "contents"):
        remove(generated)
    config = fresh / "jupyter-lite.json"
    text = config.read_text(encoding="utf-8")
    config.unlink()  # the addon rewrites it in place: it must not be a link to the last output's
    config.write_text(text, encoding="utf-8")
    manager = LiteManager(lite_dir=contents.parent, output_dir=fresh, contents=[contents], no_sourcemaps=True,
                          source_date_epoch=epoch)
    addon = ContentsAddon(manager=manager)
    ran = 0
    for phase in (addon.build, addon.post_build):  # post_build lists the folders build has written
        for task in phase(manager):
            for action in task.get("actions", []):
                function, args = action if isinstance(action, tuple) else (action, [])
                if function(*args) is False:
                    raise MystliteError(f"the JupyterLite contents could not be indexed ({task['name']})")
            ran += 1
    text = config.read_text(encoding="utf-8")
    old, new = json.dumps(old_storage), json.dumps(new_storage)
    if text.count(old) != 1:
        raise MystliteError(f"{config}: the contents storage name is not where the last build wrote it")
    config.write_text(text.replace(old, new), encoding="utf-8")
    return ran


NO_PATH_REDIRECT = ('<script>if (!new URLSearchParams(location.search).get("path")) '
                    'location.replace("../tree/");</script>')


def _notebooks_without_path_open_the_list(out: Path) -> None:
    """lite/notebooks/ with no ?path= is a blank page in JupyterLite: send the reader to the file list."""
    index = out / "notebooks" / "index.html"
    if index.is_file():
        text = index.read_text(encoding="utf-8")
        if NO_PATH_REDIRECT not in text:
            index.write_text(text.replace("<head>", "<head>" + NO_PATH_REDIRECT, 1), encoding="utf-8")


def staged_labextensions(src: Path) -> list[Path]:
    """The labextensions staged for this site (widget managers): each folder with a package.json and static/."""
    return sorted(p.parent for p in (src / "labextensions").rglob("package.json") if (p.parent / "static").is_dir())


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def run_jupyterlite(src: Path, out: Path, work: Path, epoch: int, reporter: Reporter) -> int:
    """One in-process jupyterlite build of src into out; returns the number of doit tasks that did work."""
    from jupyterlite_core.manager import LiteManager  # only when there is work: it loads doit and the addons

    manager = LiteManager(
        lite_dir=src,
        output_dir=out,
        cache_dir=work / "lite-cache",
        apps=APPS,
        no_sourcemaps=True,
        no_unused_shared_packages=True,
        contents=[src / "contents"],
        ignore_sys_prefix=True,  # no stray labextensions from the build environment
        federated_extensions=[str(kernel_extension_dir()), *map(str, staged_labextensions(src))],
        disable_addons=DISABLED_ADDONS,
        source_date_epoch=epoch,
    )
    # jupyterlite suggests libarchive-c for speed; its plain tarfile path is fine for us
    warnings.filterwarnings("ignore", message="install libarchive-c")
    log = io.StringIO()
    manager._doit_config = {"dep_file": str(work / "lite.doit.db"), "backend": "sqlite3", "verbosity": 1,
                            "outfile": log}
    cwd = Path.cwd()
    try:
        os.chdir(src)
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            manager.initialize()
            code = manager.doit_run("pre_build", "build", "post_build")
    finally:
        os.chdir(cwd)
    text = log.getvalue()
    for line in text.splitlines():
        reporter.detail(f"  lite: {line}")
    if code != 0:
        failed = [l for l in text.splitlines() if "Error" in l or "FAIL" in l or "error" in l]
        raise MystliteError(f"the JupyterLite build failed: {(failed or ['see -v output'])[-1].strip()}")
    # doit marks a task that did work with ".", an up-to-date one with "--"; status tasks always run
    return sum(1 for line in text.splitlines() if line.startswith(".  ") and "status" not in line.split(":")[0])
