"""Browser libraries the in-page runtime loads only when a reader needs them, self-hosted from npm like the
pyodide core: CodeMirror 6 (the cell editor, on a cell's first focus), markdown-it (Markdown outputs) and
KaTeX's script (LaTeX outputs; its stylesheet and fonts come with the pages' math).

CodeMirror is a set of ES modules that import each other by package name. Each is published as one file and
its imports are pointed at the sibling files, so the browser needs no bundler and no import map.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import MystliteError
from ..files import remembered
from ..log import Reporter
from ..npm import fetch_package_files

LIB_DIR = "_static/runtime/lib"  # where the files are published, relative to the site root
HINT = "without network access, copy a filled download cache to $MYSTLITE_CACHE_DIR"

# One consistent set: every version satisfies the ranges the others ask for.
EDITOR_PACKAGES = {
    "@codemirror/state": "6.7.6", "@codemirror/view": "6.43.15", "@codemirror/language": "6.13.1",
    "@codemirror/commands": "6.11.1", "@codemirror/autocomplete": "6.20.4", "@codemirror/lang-python": "6.2.1",
    "@codemirror/streamparser": "6.0.0", "@lezer/common": "1.5.5", "@lezer/highlight": "1.2.5",
    "@lezer/lr": "1.4.12", "@lezer/python": "1.1.19", "style-mod": "4.1.5", "w3c-keyname": "2.2.8",
    "crelt": "1.0.7", "@marijn/find-cluster-break": "1.0.4",
}
MARKDOWN_IT = ("markdown-it", "15.0.3", "package/dist/browser/markdown-it.esm.min.mjs")
# import/export statements at the start of a line (the files are not minified), and dynamic import("…")
_IMPORT = re.compile(r"""(^(?:import|export)\b[^'";]*?\bfrom\s*|^import\s*|\bimport\(\s*)(['"])([^'"\n]+)\2""",
                     re.MULTILINE)


def module_name(package: str) -> str:
    """'@codemirror/state' -> 'codemirror-state.js': one flat folder of modules."""
    return package.lstrip("@").replace("/", "-") + ".js"


def _entry(package_json: dict) -> str:
    exports = package_json.get("exports")
    if isinstance(exports, dict):
        exports = exports.get(".", exports)
        if isinstance(exports, dict):
            exports = exports.get("import", exports.get("default"))
            if isinstance(exports, dict):
                exports = exports.get("default")
    entry = exports if isinstance(exports, str) else package_json.get("module")
    if not isinstance(entry, str):
        raise MystliteError(f"{package_json.get('name')} names no ES module entry in its package.json")
    return "package/" + entry.removeprefix("./")


def _linked(source: str, package: str) -> str:
    """The module with its imports of other packages pointed at their sibling files."""
    def point(match: re.Match) -> str:
        target = match.group(3)
        if target.startswith("."):
            raise MystliteError(f"{package} imports its own file {target}; it is not a one-file module")
        if target not in EDITOR_PACKAGES:
            raise MystliteError(f"{package} imports {target}, which is not in mystlite's editor package set")
        return f"{match.group(1)}{match.group(2)}./{module_name(target)}{match.group(2)}"

    return _IMPORT.sub(point, source)


def _package_file(cache: Path, reporter: Reporter, package: str, version: str, member: str | None) -> Path:
    """The one file of package@version that the browser loads: `member`, or the package's ES module entry."""
    home = cache / "npm" / package.replace("/", "-") / version
    if member is not None:
        folder = fetch_package_files(package, version, home, reporter,
                                     lambda name: "module.js" if name == member else None, ["module.js"], HINT)
        return folder / "module.js"

    def select(name: str) -> str | None:  # the entry is named in package.json: keep every module, then pick it
        if name == "package/package.json" or name.endswith((".js", ".mjs")):
            return name.removeprefix("package/")
        return None

    folder = fetch_package_files(package, version, home, reporter, select, ["package.json"], HINT)
    entry = _entry(json.loads((folder / "package.json").read_text()))
    path = folder / entry.removeprefix("package/")
    if not path.is_file():
        raise MystliteError(f"{package}@{version} has no {entry}")
    return path


def runtime_libraries(cache: Path, reporter: Reporter) -> dict[str, Path | bytes]:
    """{site path: file} for the editor and Markdown outputs, or {} (with a warning) when npm cannot get them:
    cells then stay plain editable text and Markdown shows as its source."""
    files: dict[str, Path | bytes] = {}
    try:
        for package, version in EDITOR_PACKAGES.items():
            # linked once per process while the cached file is unchanged: serve --watch rebuilds need it again
            files[f"{LIB_DIR}/{module_name(package)}"] = remembered(
                _package_file(cache, reporter, package, version, None), "linked",
                lambda path, package=package: _linked(path.read_text(encoding="utf-8"), package).encode(),
                across_builds=False)
        package, version, member = MARKDOWN_IT
        files[f"{LIB_DIR}/markdown-it.js"] = _package_file(cache, reporter, package, version, member)
    except MystliteError as err:
        reporter.warn(f"cells are edited as plain text and Markdown outputs show as source "
                      f"(the editor's libraries could not be fetched: {err.message})")
        return {}
    return files


# The widget manager for the page: @jupyter-widgets/html-manager's AMD build, whose protocol matches ipywidgets 8
# (see pyodide/widgets.py), and require.js to load it. Its icon fonts sit next to it.
WIDGET_MANAGER = ("@jupyter-widgets/html-manager", "1.0.15")
REQUIREJS = ("requirejs", "2.3.8")
_WIDGET_FONT = re.compile(r"^package/dist/[0-9a-f]{20}\.(?:woff2?|ttf)$")


def widget_libraries(cache: Path, reporter: Reporter, wheels: dict[str, Path]) -> dict[str, Path | bytes]:
    """{site path: file} for widgets on the page, or {} (with a warning) when npm cannot get them: widgets then
    show as their text. `wheels`: the widget packages' wheels; anywidget's front end comes from its own wheel
    (the AMD module it ships for the classic notebook), so it always matches the Python side."""
    files: dict[str, Path | bytes] = {}
    if "anywidget" in wheels:
        import zipfile

        with zipfile.ZipFile(wheels["anywidget"]) as archive:
            member = next((name for name in archive.namelist()
                           if name.endswith("/share/jupyter/nbextensions/anywidget/index.js")), None)
            if member:
                files[f"{LIB_DIR}/widgets/anywidget.js"] = archive.read(member)
    try:
        package, version = REQUIREJS
        folder = fetch_package_files(package, version, cache / "npm" / package / version, reporter,
                                     lambda name: "require.js" if name == "package/require.js" else None,
                                     ["require.js"], HINT)
        files[f"{LIB_DIR}/widgets/require.js"] = folder / "require.js"
        package, version = WIDGET_MANAGER

        def select(name: str) -> str | None:
            if name == "package/dist/libembed-amd.js" or _WIDGET_FONT.match(name):
                return name.removeprefix("package/dist/")
            return None

        folder = fetch_package_files(package, version, cache / "npm" / package.replace("/", "-") / version, reporter,
                                     select, ["libembed-amd.js"], HINT)
        for path in sorted(folder.iterdir()):
            if path.is_file() and (path.name == "libembed-amd.js" or _WIDGET_FONT.match(f"package/dist/{path.name}")):
                files[f"{LIB_DIR}/widgets/{path.name}"] = path
    except MystliteError as err:
        reporter.warn(f"widgets on the pages show as text (the widget manager could not be fetched: {err.message})")
        return {}
    return files
