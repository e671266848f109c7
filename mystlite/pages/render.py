"""mystmd's site JSON (config.json, content/*.json) → the HTML files of the site.

URLs follow mystmd's: a page's slug is its file name, or with `site.options.folders: true` its folder path
(`sub.page` is published at `sub/page/`). Every URL is relative to the page, so any subpath works.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import MystliteError
from ..files import file_digest
from ..log import Reporter
from ..project import Project
from .layout import Chrome, NavEntry, PageView, render_page
from .nodes import RenderContext, footnotes_list, render
from .scholarly import references_section


SEARCH_TEXT_LIMIT = 30_000  # characters of a page's text in the search index
# mystmd names a file it copies "<stem>-<md5 of its absolute path, mtime and size><ext>"
MYST_COPY_NAME = re.compile(r"(?P<stem>[^/]+)-[0-9a-f]{32}(?P<ext>(?:\.[^./]+)*)")


@dataclass
class RenderedSite:
    files: dict[str, Path | bytes] = field(default_factory=dict)
    mermaid: bool = False  # some page has a diagram
    math: bool = False  # some page has math


def page_path(slug: str, folders: bool) -> str:
    """The URL path of a page (without slashes at the ends). With folders, a folder's index.md is the
    folder's own page (`sub.index` is published at `sub/`), as mystmd makes its links."""
    if not folders:
        return slug
    path = slug.replace(".", "/")
    for landing in ("/index", "/readme"):
        if path.endswith(landing):
            return path[: -len(landing)]
    return path


def rel_root_of(path: str, index_path: str) -> str:
    return "" if path == index_path else "../" * (path.count("/") + 1)


def render_site(project: Project, site_dir: Path, reporter: Reporter, lite_notebooks: dict[str, str],
                page_data: Callable, demos: dict[str, dict], katex: bool = False,
                executed: dict[str, list] | None = None, charts: set[str] = frozenset()) -> RenderedSite:
    """`charts`: the chart libraries the site ships (pages with a chart, and compute pages, load charts.js)."""
    config = json.loads((site_dir / "config.json").read_text())
    if not config.get("projects"):
        raise MystliteError("mystmd produced no project; is myst.yml's `project:` section empty?")
    proj = config["projects"][0]
    options = config.get("options") or {}
    folders = bool(options.get("folders"))
    index_slug = proj.get("index", "index")
    index_path = page_path(index_slug, folders)
    nav = [NavEntry(_index_title(site_dir, index_slug), index_path, 1, index_slug)]
    for entry in proj.get("pages", []):
        slug = entry.get("slug")
        nav.append(NavEntry(entry.get("title") or slug or "", page_path(slug, folders) if slug else None,
                            int(entry.get("level", 1)), slug))
    by_path = {p.path: p for p in project.pages}
    chrome = Chrome(
        title=str(config.get("title") or project.config.title), logo=options.get("logo"),
        logo_dark=options.get("logo_dark"), logo_text=options.get("logo_text"), favicon=options.get("favicon"),
        style=options.get("style"), nav=config.get("nav") or [], actions=config.get("actions") or [],
        hide_toc=bool(options.get("hide_toc")), hide_outline=bool(options.get("hide_outline")),
        hide_footer_links=bool(options.get("hide_footer_links")))
    footer = ((config.get("parts") or {}).get("footer") or {}).get("mdast")
    site = RenderedSite()
    search: list[dict] = []  # the offline search index: every page's title, headings and text
    # only what pages refer to is published (mystmd's public/ holds more): published name -> mystmd's name
    used_assets: dict[str, str] = {}
    published_name = content_names(site_dir / "public")

    def asset_url(rel_root: str) -> Callable[[str], str]:
        def url(path: str) -> str:
            name = published_name(path.lstrip("/"))
            used_assets[name] = path.lstrip("/")
            return f"{rel_root}build/{name}"

        return url

    texts = {entry.slug: (site_dir / "content" / f"{entry.slug}.json").read_text() for entry in nav
             if entry.slug and (site_dir / "content" / f"{entry.slug}.json").is_file()}
    texts = stable_labels(texts)
    demos = {source: json.loads(text) for source, text in  # `{myst}` demos are parsed by mystmd too
             stable_labels({source: json.dumps(mdast) for source, mdast in sorted(demos.items())}).items()}
    for entry in [e for e in nav if e.slug in texts]:
        content = json.loads(texts[entry.slug])
        rel_root = rel_root_of(entry.path, index_path)
        asset = asset_url(rel_root)
        cite = (content.get("references") or {}).get("cite") or {}
        page = by_path.get(str(content.get("location", "")).lstrip("/"))
        ctx = RenderContext(url=_url_mapper(rel_root, index_path, asset), asset=asset,
                            citations=cite.get("data") or {}, citation_order=cite.get("order") or [], demos=demos,
                            katex=katex, read_asset=lambda path: _read_public(site_dir, path),
                            compute=bool(page and page.compute and page.backend),
                            executed=(executed or {}).get(page.path) if page else None,
                            references=reference_urls(project.config.project))
        body = render(content.get("mdast"), ctx)
        if ctx.executed is not None and ctx.executed_cells != len(ctx.executed):
            reporter.warn(f"{page.path}: the page shows {ctx.executed_cells} code cells but {len(ctx.executed)} "
                          "were executed; the executed outputs of the extra cells are not shown")
        state = (content.get("widgets") or {}).get("application/vnd.jupyter.widget-state+json")
        widget_state = bool(state) and 'class="output-widget"' in body
        if widget_state:  # as nbconvert does: the notebook's widget state, for widgets drawn without Python
            body += ('<script type="application/vnd.jupyter.widget-state+json" id="mystlite-widget-state">'
                     + json.dumps(state, sort_keys=True).replace("</", "<\\/") + "</script>")
        defined = {ident for ident, _, _ in ctx.footnote_defs}
        for ident in ctx.footnote_refs - defined:  # a note the page never defines: a number, not a dead link
            body = body.replace(f'<a href="#fn-{ident}">', '<a class="footnote-missing">')
        if ctx.cited and not ctx.bibliography_shown:
            body += references_section(ctx, _esc)
        name = page.path if page else entry.slug
        extra = {}
        if ctx.checks and ctx.compute:  # exercises' checks: a file of their own, loaded by the runner
            extra["checks"] = checks_file(ctx.checks, site.files)
        for kind in sorted(ctx.unknown):
            reporter.warn(f"{name}: unknown MyST node {kind!r} rendered as its children")
        footer_ctx = RenderContext(url=ctx.url, asset=asset, katex=katex)
        frontmatter = content.get("frontmatter") or {}
        view = PageView(
            slug=entry.path, title=str(frontmatter.get("title") or entry.title), body=body, frontmatter=frontmatter,
            rel_root=rel_root, compute=bool(page and page.compute),
            lite_notebook=lite_notebooks.get(page.path) if page and page.compute else None,
            footnotes=footnotes_list(ctx), page_data=page_data(page, **extra) if page else "",
            runtime=bool(page and page.compute and page.backend and ctx.cells),
            outline=ctx.headings, mermaid=ctx.mermaid, anywidget=ctx.anywidget, math=_has_math(content.get("mdast")),
            charts=" ".join(sorted(charts)) if charts and ('class="output-chart"' in body or ctx.compute) else "",
            widget_state=widget_state,
            downloads=_downloads(frontmatter, asset), footer=render(footer, footer_ctx) if footer else "",
            asset=asset)
        search.append({"url": f"{entry.path}/" if entry.path != index_path else "", "title": view.title,
                       "headings": [[ident, text] for _, ident, text in ctx.headings],
                       "text": _plain_text(content.get("mdast"))[:SEARCH_TEXT_LIMIT]})
        site.mermaid |= view.mermaid
        site.math |= view.math
        target = "index.html" if entry.path == index_path else f"{entry.path}/index.html"
        site.files[target] = render_page(view, chrome, nav, index_path).encode()
    site.files["_static/search-index.json"] = json.dumps({"pages": search}, ensure_ascii=False,
                                                         separators=(",", ":")).encode()
    public = site_dir / "public"
    for name, rel in sorted(used_assets.items()):
        if (public / rel).is_file():
            site.files[f"build/{name}"] = public / rel
    return site


# mystmd labels an unlabeled numbered exercise and an index entry `exercise-`/`index-` + a random id (a letter
# and 9 letters or digits): every build, a clean one as much as an incremental one, gave other anchors
RANDOM_LABEL = re.compile(r'"label":\s*"(?P<label>(?:exercise|index)-[A-Za-z][A-Za-z0-9]{9})"')


def stable_labels(texts: dict[str, str]) -> dict[str, str]:
    """The pages' JSON (by slug, in nav order) with mystmd's random labels replaced by names from the page that
    first has each and its place there, in every page that refers to it. Only a label with a capital or a digit
    before a letter is taken for random: an author's own (`exercise-summation`, `exercise-question12`) stays."""
    import hashlib

    names: dict[str, str] = {}
    for slug, text in texts.items():
        for match in RANDOM_LABEL.finditer(text):
            label = match["label"]
            prefix, rest = label.split("-", 1)
            if label.lower() not in names and re.search(r"[A-Z]|[0-9][a-z]", rest):  # mystmd's, not an author's
                digest = hashlib.sha256(f"{slug}\n{len(names)}".encode()).hexdigest()[:10]
                names[label.lower()] = f"{prefix}-{digest}"
    if not names:
        return texts
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    return {slug: pattern.sub(lambda m: names[m[0].lower()], text) for slug, text in texts.items()}


def content_names(public: Path) -> Callable[[str], str]:
    """A file mystmd copied is published under a name from its content, not mystmd's: that one hashes the
    file's absolute path and mtime, so the same project built in another folder, or from a fresh clone (every
    CI deploy), renamed every image, and readers fetched them all again."""
    names: dict[str, str] = {}

    def name(rel: str) -> str:
        if rel not in names:
            match = MYST_COPY_NAME.fullmatch(rel)
            file = public / rel
            names[rel] = (f"{match['stem']}-{file_digest(file)[:32]}{match['ext']}" if match and file.is_file()
                          else rel)
        return names[rel]

    return name


def checks_file(checks: dict[int, str], files: dict) -> str:
    """The page's exercise checks, encoded (their text is in no served file), under a name from their digest."""
    import hashlib

    from ..exercises import encode_check

    payload = json.dumps({str(index): encode_check(code) for index, code in sorted(checks.items())},
                         sort_keys=True).encode()
    name = f"_checks/{hashlib.sha256(payload).hexdigest()[:16]}.json"
    files[name] = payload
    return name


def _esc(text) -> str:
    import html

    return html.escape(str(text), quote=True)


def _read_public(site_dir: Path, path: str) -> str | None:
    file = site_dir / "public" / path.lstrip("/")
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _plain_text(node) -> str:
    """A page's words for the search index: its text and code, outputs left out."""
    words: list[str] = []

    def walk(n, in_exercise: bool) -> None:
        if not isinstance(n, dict) or n.get("type") in ("outputs", "comment", "mystComment", "html"):
            return
        if in_exercise and "check" in ((n.get("data") or {}).get("tags") or []):
            return  # an exercise's hidden check
        if isinstance(n.get("value"), str) and n.get("type") in ("text", "inlineCode", "code", "inlineMath", "math"):
            words.append(n["value"])
        for child in n.get("children") or []:
            walk(child, in_exercise or n.get("type") == "exercise")

    walk(node, False)
    return " ".join(" ".join(words).split())


def _has_math(node) -> bool:
    if not isinstance(node, dict):
        return False
    if node.get("type") in ("math", "inlineMath"):
        return True
    return any(_has_math(child) for child in node.get("children") or [])


def _downloads(frontmatter: dict, asset: Callable[[str], str]) -> list[tuple[str, str]]:
    """(href, label) for the page's `downloads:` that mystmd copied into the site."""
    found = []
    for item in frontmatter.get("downloads") or []:
        if not isinstance(item, dict) or not item.get("url"):
            continue
        url = str(item["url"])
        href = asset(url) if url.startswith("/") and item.get("static", True) else url
        found.append((href, str(item.get("title") or item.get("filename") or url.rsplit("/", 1)[-1])))
    return found


def _index_title(site_dir: Path, index_slug: str) -> str:
    content = site_dir / "content" / f"{index_slug}.json"
    if content.is_file():
        title = (json.loads(content.read_text()).get("frontmatter") or {}).get("title")
        if title:
            return str(title)
    return "Home"


def _url_mapper(rel_root: str, index_path: str, asset: Callable[[str], str]) -> Callable[[str], str]:
    def url(target: str) -> str:
        if target.startswith("#"):  # on this page
            return target
        path, _, fragment = target.partition("#")
        path = path.strip("/")
        anchor = f"#{fragment}" if fragment else ""
        if not path or path == index_path:
            return (rel_root or "./") + anchor
        if "." in path.rsplit("/", 1)[-1]:  # a downloadable file mystmd keeps in its public folder
            return asset(path)
        return f"{rel_root}{path}/{anchor}"

    return url


def reference_urls(project: dict) -> dict[str, str]:
    """project.references as key -> the documentation's URL (the value is a URL or {url: ...})."""
    found = {}
    for key, value in (project.get("references") or {}).items() if isinstance(project.get("references"), dict) \
            else []:
        url = value.get("url") if isinstance(value, dict) else value
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            found[str(key)] = url
    return found
