"""The pages stage: start mystmd on the project's mirror, then render its page JSON into HTML pages."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..files import file_digest, read_json, tree_digest, write_text
from ..log import Reporter
from ..project import Project
from ..publish import Files, files_of
from ..fingerprint import code_digest
from .codestyle import pygments_css
from .hosting import HEADERS, not_found_page
from ..runtime.libraries import (EDITOR_PACKAGES, MARKDOWN_IT, REQUIREJS, WIDGET_MANAGER, runtime_libraries,
                                 widget_libraries)
from ..runtime import SITE_ROOT as RUNTIME_ROOT_DIR, STATIC as RUNTIME_DIR, runtime_files
from .assets import KATEX_VERSION, MERMAID_VERSION, katex_files, mermaid_files
from .charts import LIBRARIES as CHART_LIBRARIES, chart_files, libraries_needed, script_paths
from .mystcommand import WaitingMyst
from .mystmd import MystRun, render_demos
from .mystserver import MystServer

THEME_DIR = Path(__file__).parent / "theme"
STAMP = "pages.stamp.json"  # in the work folder: what the last render was made from, and what it made
RENDERER_VERSION = "2"  # with the renderer's code digest: a changed renderer renders unchanged JSON again


@dataclass
class PagesBuild:
    files: Path | Files  # the rendered site root (pages, build/ assets, _static/ theme): a folder or its files


def start_pages(project: Project, work: Path, reporter: Reporter, base_url: str | None, strict: bool = False,
                myst_server: MystServer | None = None, waiting_myst: WaitingMyst | None = None) -> MystRun:
    """Start mystmd (in the background, when pages changed). `strict`: every mystmd problem is fatal.
    `myst_server`: a kept mystmd process that takes one-page edits (serve --watch). `waiting_myst`: a mystmd
    started early, which builds if a build is needed (and is stopped if not)."""
    return MystRun(project, work, reporter, base_url, strict, myst_server, waiting_myst)


def finish_pages(run: MystRun, work: Path, output: Path, lite_notebooks: dict[str, str], page_data, cache: Path,
                 executed: dict[str, list] | None = None, page_packages: dict[str, list[str]] | None = None,
                 widget_wheels: dict[str, Path] | None = None) -> PagesBuild:
    """Wait for mystmd, then render the HTML in memory, for the publication to write once; when the inputs
    are those of the last render and `output` still holds what it rendered, its files are taken again
    instead. `executed`: page path -> outputs per code cell from build-time execution, shown instead of the
    stored ones."""
    project, reporter = run.project, run.reporter
    computes = bool(project.compute_pages)  # LaTeX outputs of the reader's code need KaTeX too
    early = _while_mystmd_works(cache, reporter, computes) if run.ours and run.working() else None
    myst = run.wait()
    if not myst.ours:
        return PagesBuild(myst.html_dir)
    stamp_file = work / STAMP
    stamp = {"site": tree_digest(myst.site_dir), "notebooks": lite_notebooks, "renderer": [RENDERER_VERSION, code_digest()],
             "compute": {p.path: p.compute for p in project.pages},
             "theme": tree_digest(THEME_DIR), "runtime": [tree_digest(RUNTIME_DIR), tree_digest(RUNTIME_ROOT_DIR)],
             "data": {p.path: page_data(p) for p in project.pages}, "executed": executed,
             "libraries": [KATEX_VERSION, MERMAID_VERSION, EDITOR_PACKAGES, MARKDOWN_IT,
                           [library.files for library in CHART_LIBRARIES], WIDGET_MANAGER, REQUIREJS],
             "packages": page_packages, "widget_wheels": sorted(p.name for p in (widget_wheels or {}).values()),
             "hosting": [project.config.options.headers, run.base_url, project.config.title]}
    stamp = json.loads(json.dumps(stamp))  # as it reads back (tuples become lists)
    kept = _kept_render(read_json(stamp_file), stamp, output)
    if kept is not None:
        return PagesBuild(kept)
    stamp_file.unlink(missing_ok=True)  # a build killed before the stamp is written must not leave one that vouches
    shutil.rmtree(work / "pages", ignore_errors=True)  # where earlier versions kept a copy of the rendered pages
    contents = [path.read_bytes() for path in sorted((myst.site_dir / "content").glob("*.json"))]  # read once
    uses = _node_types(contents)
    libraries: dict[str, Path | bytes] = {}
    if early is not None:
        katex = early.katex
    else:
        katex = katex_files(cache, reporter, script=computes) if computes or uses & {"math", "inlineMath"} else None
    libraries.update(katex or {})
    if computes:  # the cell editor and Markdown outputs, loaded when used
        libraries.update(early.runtime if early is not None else runtime_libraries(cache, reporter))
    if "mermaid" in uses:
        libraries.update(mermaid_files(cache, reporter) or {})
    if widgets_needed(contents, page_packages or {}, project.config.options.widgets):
        libraries.update(widget_libraries(cache, reporter, widget_wheels or {}))
    # mystmd keeps a large HTML output (an Altair chart with its data) as a file of its own
    big_html = [path.read_bytes() for path in sorted((myst.site_dir / "public").glob("*.html"))]
    charts = libraries_needed(contents + big_html, page_packages or {}, executed or {})
    chart_libraries = chart_files(charts, cache, reporter)
    libraries.update(chart_libraries)
    shipped = {name for name in charts if all(path in chart_libraries for path in script_paths(name))}
    demos = render_demos(_demo_sources(myst.site_dir), work, reporter) if "myst" in uses else {}
    from .render import render_site  # pygments and friends: only when rendering

    site = render_site(project, myst.site_dir, reporter, lite_notebooks, page_data, demos, katex=katex is not None,
                       executed=executed or {}, charts=shipped)
    files = dict(site.files)
    for asset in THEME_DIR.iterdir():
        if asset.is_file() and asset.name != "theme.js":  # inlined in every page (layout.THEME_SCRIPT)
            files[f"_static/{asset.name}"] = asset
    files["_static/pygments.css"] = pygments_css()
    files["404.html"] = not_found_page(project.config.title, run.base_url)
    if project.config.options.headers:
        files["_headers"] = HEADERS.encode()
    files.update(runtime_files())
    files.update(libraries)
    rendered = files_of(files)
    write_text(stamp_file, json.dumps({**stamp, "rendered": {rel: digest for rel, (_, digest) in rendered.items()}}))
    return PagesBuild(rendered)


def last_rendered(work: Path) -> list[str]:
    """The files the last render made (relative to the site root): most likely the next one's too."""
    recorded = read_json(work / STAMP)
    rendered = recorded.get("rendered") if isinstance(recorded, dict) else None
    return sorted(rendered) if isinstance(rendered, dict) else []


def _kept_render(recorded, stamp: dict, output: Path) -> Files | None:
    """The last render's files, from the output, when they were rendered from the same inputs and the output
    still holds them as rendered (an edited or a missing file, and the pages are rendered again)."""
    if not isinstance(recorded, dict) or not isinstance(recorded.get("rendered"), dict):
        return None
    rendered = recorded.pop("rendered")
    if recorded != stamp:
        return None
    kept = {}
    for rel, digest in rendered.items():
        path = output / rel
        if not path.is_file() or file_digest(path) != digest:
            return None
        kept[rel] = (path, digest)
    return kept


@dataclass
class _Early:
    katex: dict[str, Path | bytes] | None
    runtime: dict[str, Path | bytes]


def _while_mystmd_works(cache: Path, reporter: Reporter, computes: bool) -> _Early | None:
    """What rendering needs that does not depend on mystmd's output, done while mystmd runs on the other core
    instead of after it: the libraries every compute page takes, the renderer's imports, and pygments' lexer
    for Python (its rules are compiled on first use, once per process). None when the pages run no code (then
    KaTeX depends on what mystmd finds)."""
    from .nodes import highlight_code
    from .render import render_site  # noqa: F401 (imported for its cost, here)

    highlight_code("1", "python")
    if not computes:
        return None
    return _Early(katex_files(cache, reporter, script=True), runtime_libraries(cache, reporter))


def widgets_needed(contents: list[bytes], page_packages: dict[str, list[str]], switch: bool | None) -> bool:
    """Whether pages may show widgets: code that imports them, stored widget views (in the pages' JSON
    `contents`), or mystlite.widgets."""
    if switch is not None:
        return switch
    if any({"ipywidgets", "anywidget"} & set(names) for names in page_packages.values()):
        return True
    # pages that run on a remote kernel have no package list: their code itself says
    return any(b"application/vnd.jupyter.widget-view+json" in content
               or ((b"ipywidgets" in content or b"anywidget" in content) and WIDGET_IMPORT.search(content))
               for content in contents)


WIDGET_IMPORT = re.compile(rb"(?:^|\\n|\")\s*(?:import|from)\s+(?:ipywidgets|anywidget)\b")


_NODE_TYPE = re.compile(rb'"type":\s*"(math|inlineMath|mermaid|myst)"')


def _node_types(contents: list[bytes]) -> set[str]:
    """Which of the node types that need a library or a second mystmd run the pages' JSON contains."""
    return {match.decode() for content in contents for match in _NODE_TYPE.findall(content)}


def _demo_sources(site_dir: Path) -> list[str]:
    sources: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "myst" and isinstance(node.get("value"), str) and node["value"] not in sources:
                sources.append(node["value"])
            for child in node.get("children") or []:
                walk(child)

    for content in sorted((site_dir / "content").glob("*.json")):
        walk(json.loads(content.read_text()).get("mdast"))
    return sources
