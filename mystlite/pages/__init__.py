"""Project → HTML pages: mystmd makes the page JSON, mystlite's template renders it (see mystmd.py, nodes.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import MystliteError
from ..files import read_json, sync_folder, tree_digest, write_text
from ..log import Reporter
from ..project import Project
from ..runtime import STATIC as RUNTIME_DIR, runtime_files
from .mystmd import MystRun

THEME_DIR = Path(__file__).parent / "theme"
RENDERER_VERSION = "2"  # bump when the HTML changes, so unchanged JSON is rendered again


@dataclass
class PagesBuild:
    folder: Path  # the rendered site root (pages, build/ assets, _static/ theme)


def pygments_css() -> bytes:
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="github-dark").get_style_defs(":root[data-theme='dark'] .highlight")
    # the dark style's own background is replaced by the theme's code background
    return (light + "\n" + dark + "\n").encode()


def start_pages(project: Project, work: Path, reporter: Reporter, base_url: str | None) -> MystRun:
    """Start mystmd (in the background, when pages changed)."""
    return MystRun(project, work, reporter, base_url)


def finish_pages(run: MystRun, work: Path, lite_notebooks: dict[str, str], page_data) -> PagesBuild:
    """Wait for mystmd, then render the HTML (skipped when its inputs are unchanged)."""
    myst = run.wait()
    project, reporter = run.project, run.reporter
    if not myst.ours:
        return PagesBuild(myst.html_dir)
    folder = work / "pages"
    stamp_file = work / "pages.stamp.json"
    stamp = {"site": tree_digest(myst.site_dir), "notebooks": lite_notebooks, "renderer": RENDERER_VERSION,
             "compute": {p.path: p.compute for p in project.pages},
             "theme": tree_digest(THEME_DIR), "runtime": tree_digest(RUNTIME_DIR), "data": {p.path: page_data(p) for p in project.pages}}
    if folder.is_dir() and read_json(stamp_file) == stamp:
        return PagesBuild(folder)
    stamp_file.unlink(missing_ok=True)  # a build killed while writing must not leave a stamp that vouches
    files = render_site(project, myst.site_dir, reporter, lite_notebooks, page_data)
    sync_folder(folder, files)
    write_text(stamp_file, json.dumps(stamp))
    return PagesBuild(folder)


def render_site(project: Project, site_dir: Path, reporter: Reporter, lite_notebooks: dict[str, str],
                page_data) -> dict[str, Path | bytes]:
    from .layout import NavEntry, PageView, render_page  # pygments and friends: only when rendering
    from .nodes import RenderContext, render

    config = json.loads((site_dir / "config.json").read_text())
    if not config.get("projects"):
        raise MystliteError("mystmd produced no project; is myst.yml's `project:` section empty?")
    proj = config["projects"][0]
    index_slug = proj.get("index", "index")
    nav = [NavEntry(_index_title(site_dir, index_slug), index_slug)]
    for entry in proj.get("pages", []):
        nav.append(NavEntry(entry.get("title") or entry.get("slug", ""), entry.get("slug"), int(entry.get("level", 1))))
    by_path = {p.path: p for p in project.pages}
    site_title = str(config.get("title") or project.config.title)
    files: dict[str, Path | bytes] = {}
    used_assets: set[str] = set()  # only what pages refer to is published (mystmd's public/ holds more)

    def asset_url(rel_root: str):
        def url(path: str) -> str:
            used_assets.add(path.lstrip("/"))
            return f"{rel_root}build/{path.lstrip('/')}"

        return url

    for entry in [e for e in nav if e.slug]:
        content_file = site_dir / "content" / f"{entry.slug}.json"
        if not content_file.is_file():
            continue
        content = json.loads(content_file.read_text())
        rel_root = "" if entry.slug == index_slug else "../"
        asset = asset_url(rel_root)
        ctx = RenderContext(url=_url_mapper(rel_root, index_slug, asset), asset=asset)
        body = render(content.get("mdast"), ctx)
        page = by_path.get(str(content.get("location", "")).lstrip("/"))
        for kind in sorted(ctx.unknown):
            reporter.warn(f"{page.path if page else entry.slug}: unknown MyST node {kind!r} rendered as its children")
        frontmatter = content.get("frontmatter") or {}
        view = PageView(
            slug=entry.slug, title=str(frontmatter.get("title") or entry.title), body=body, frontmatter=frontmatter,
            rel_root=rel_root, compute=bool(page and page.compute),
            lite_notebook=lite_notebooks.get(page.path) if page and page.compute else None,
            footnotes=ctx.footnotes, page_data=page_data(page) if page else "",
            runtime=bool(page and page.compute and project.config.lite and ctx.cells))
        target = "index.html" if entry.slug == index_slug else f"{entry.slug}/index.html"
        files[target] = render_page(view, site_title, nav, index_slug).encode()
    public = site_dir / "public"
    for rel in sorted(used_assets):
        if (public / rel).is_file():
            files[f"build/{rel}"] = public / rel
    for asset in THEME_DIR.iterdir():
        if asset.is_file():
            files[f"_static/{asset.name}"] = asset
    files["_static/pygments.css"] = pygments_css()
    files.update(runtime_files())
    return files


def _index_title(site_dir: Path, index_slug: str) -> str:
    content = site_dir / "content" / f"{index_slug}.json"
    if content.is_file():
        title = (json.loads(content.read_text()).get("frontmatter") or {}).get("title")
        if title:
            return str(title)
    return "Home"


def _url_mapper(rel_root: str, index_slug: str, asset):
    def url(target: str) -> str:
        if target.startswith("#"):  # on this page
            return target
        path, _, fragment = target.partition("#")
        path = path.strip("/")
        anchor = f"#{fragment}" if fragment else ""
        if not path or path == index_slug:
            return (rel_root or "./") + anchor
        if "." in path.rsplit("/", 1)[-1]:  # a downloadable file mystmd keeps in its public folder
            return asset(path)
        return f"{rel_root}{path}/{anchor}"

    return url
