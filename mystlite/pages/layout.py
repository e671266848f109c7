"""The page shell around rendered content: head, header, toc navigation, page header, prev/next.

Every URL is relative, so the site works under any subpath without being rebuilt.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..runtime import EARLY_START, URL_DIR


@dataclass
class NavEntry:
    title: str
    path: str | None  # URL path of the page ("" never: the index has its own); None for a group heading
    level: int = 1
    slug: str | None = None  # mystmd's slug: the name of the page's content JSON


@dataclass
class Chrome:
    """Site-wide pieces from myst.yml's `site:` section, as mystmd resolved them (files are public paths)."""

    title: str
    logo: str | None = None
    logo_dark: str | None = None
    logo_text: str | None = None
    favicon: str | None = None
    style: str | None = None
    nav: list = field(default_factory=list)  # site.nav: {title, url, children}
    actions: list = field(default_factory=list)  # site.actions: {title, url}
    hide_toc: bool = False
    hide_outline: bool = False
    hide_footer_links: bool = False


@dataclass
class PageView:
    """What the shell needs to know about one page."""

    slug: str  # the page's URL path
    title: str
    body: str
    frontmatter: dict
    rel_root: str  # "" for the index page, "../" (once per folder level) for the others
    compute: bool = False
    lite_notebook: str | None = None  # drive path of the page's notebook, for "Open in JupyterLite"
    footnotes: list[str] = field(default_factory=list)
    page_data: str = ""  # JSON for the in-page runtime
    runtime: bool = False  # load the in-page runtime (compute is on and lite)
    outline: list = field(default_factory=list)  # (depth, id, text) of the page's headings
    mermaid: bool = False
    charts: str = ""  # the chart libraries the site ships ("plotly vega"), when this page may show a chart
    widget_state: bool = False  # stored widgets and their state: drawn before (and without) Python
    anywidget: bool = False
    math: bool = False
    downloads: list = field(default_factory=list)  # (href, label)
    footer: str = ""  # the rendered footer part
    asset: object = None  # public path -> relative URL


# Inlined in every page's head: it must run before the first paint, and as a file it was a request that held up
# the page's parsing on every visit (a revalidation, once the host's cache time is over).
THEME_SCRIPT = f"<script>\n{(Path(__file__).parent / 'theme' / 'theme.js').read_text(encoding='utf-8').strip()}\n</script>"

# Inlined in a lite compute page's head, before the stylesheets (an inline script waits for the stylesheets above
# it): see early_start_script.
EARLY_START_CODE = "\n".join(line for line in EARLY_START.read_text(encoding="utf-8").strip().splitlines()
                             if not line.lstrip().startswith("//"))  # its comments are for its readers, not the page's


def early_start_script(view: PageView) -> str:
    """The head script that starts the Python worker while the page loads, for a page whose code runs in the
    site's pyodide and nowhere else (where a reader may choose another backend, the runtime starts it)."""
    if not view.runtime or not view.page_data:
        return ""
    data = json.loads(view.page_data)
    if data.get("backend") != "lite" or data.get("backends", ["lite"]) != ["lite"]:
        return ""
    root = view.rel_root
    start = {"worker": f"{root}{URL_DIR}/worker.js", "pyodide": f"{root}{data['pyodide']}",
             "snapshot": f"{root}{data['snapshot']}" if data.get("snapshot") else None}
    settings = json.dumps(start, sort_keys=True).replace("</", "<\\/")
    return f"<script>\n{EARLY_START_CODE.replace('var START = {};', f'var START = {settings};')}\n</script>\n"


# the in-page runtime's controls, written at build time so that nothing moves when the runtime arrives
COMPUTE_BAR = ('<div class="compute-bar" role="toolbar" aria-label="Run the code on this page">'
               '<button class="button run-all" type="button">Run all</button>'
               '<button class="button stop" type="button" hidden>Stop</button>'
               '<button class="button restart" type="button">Restart</button>'
               '<button class="button download-notebook" type="button" title="The notebook with your code and '
               'outputs">Save my notebook</button>'
               '<span class="compute-status" role="status" aria-live="polite">Python is loading…</span></div>')


def page_href(path: str, index_path: str, rel_root: str) -> str:
    return (rel_root or "./") if path == index_path else f"{rel_root}{path}/"


ORCID_ICON = ('<svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><circle cx="12" cy="12" r="11" '
              'fill="#a6ce39"/><text x="12" y="16.5" font-size="11" text-anchor="middle" fill="#fff" '
              'font-family="sans-serif">iD</text></svg>')


def _authors(frontmatter: dict) -> str:
    """Names with ORCID and email links, and numbered affiliations."""
    affiliations = {a.get("id"): a for a in frontmatter.get("affiliations") or [] if isinstance(a, dict)}
    used: list[str] = []
    people = []
    for author in frontmatter.get("authors") or []:
        if not isinstance(author, dict) or not author.get("name"):
            continue
        text = html.escape(str(author["name"]))
        marks = []
        for aff in author.get("affiliations") or []:
            if aff in affiliations:
                if aff not in used:
                    used.append(aff)
                marks.append(str(used.index(aff) + 1))
        if marks:
            text += f"<sup>{','.join(marks)}</sup>"
        if author.get("orcid"):
            orcid = html.escape(str(author["orcid"]))
            text += (f' <a class="orcid" href="https://orcid.org/{orcid}" title="ORCID {orcid}" '
                     f'rel="noopener">{ORCID_ICON}</a>')
        if author.get("email"):
            email = html.escape(str(author["email"]))
            text += f' <a class="email" href="mailto:{email}" title="{email}" aria-label="Email {email}">✉</a>'
        people.append(f'<span class="author">{text}</span>')
    if not people:
        return ""
    notes = "".join(f'<li value="{i + 1}">{html.escape(str(affiliations[a].get("name") or affiliations[a].get("institution") or a))}</li>'
                    for i, a in enumerate(used))
    listed = f'<ol class="affiliations">{notes}</ol>' if notes else ""
    return f'<div class="authors">{", ".join(people)}{listed}</div>'


_NAV_ITEMS: dict[tuple, tuple[list, list[tuple[str | None, str, str]]]] = {}


def _nav_items(nav: list[NavEntry], index_path: str, rel_root: str) -> list[tuple[str | None, str, str]]:
    """(path, before, after) per entry: the same for every page at this depth, so made once per build and
    depth (a book of n pages would otherwise escape n × n titles); the current page's mark goes between."""
    key = (id(nav), index_path, rel_root)
    cached = _NAV_ITEMS.get(key)
    if cached is not None and cached[0] is nav:  # the very list (held here, so its id is not reused)
        return cached[1]
    items = []
    for entry in nav:
        if entry.path is None:
            items.append((None, f'<li class="nav-group level-{entry.level}">{html.escape(entry.title)}</li>', ""))
            continue
        items.append((entry.path, f'<li class="level-{entry.level}"><a href="{page_href(entry.path, index_path, rel_root)}"',
                      f'>{html.escape(entry.title)}</a></li>'))
    if len(_NAV_ITEMS) > 64:
        _NAV_ITEMS.clear()
    _NAV_ITEMS[key] = (nav, items)
    return items


def render_nav(nav: list[NavEntry], current: str, index_path: str, rel_root: str) -> str:
    items = "".join(before + (' aria-current="page" class="active"' if path is not None and path == current else "")
                    + after for path, before, after in _nav_items(nav, index_path, rel_root))
    return f'<nav class="sidebar" id="sidebar" aria-label="Pages"><ul>{items}</ul></nav>'


def render_pager(nav: list[NavEntry], current: str, index_path: str, rel_root: str) -> str:
    pages = [e for e in nav if e.path is not None]
    paths = [e.path for e in pages]
    if current not in paths:
        return ""
    i = paths.index(current)
    parts = []
    if i > 0:
        prev = pages[i - 1]
        parts.append(f'<a class="pager-prev" rel="prev" href="{page_href(prev.path, index_path, rel_root)}">'
                     f'<span>Previous</span>{html.escape(prev.title)}</a>')
    if i + 1 < len(pages):
        nxt = pages[i + 1]
        parts.append(f'<a class="pager-next" rel="next" href="{page_href(nxt.path, index_path, rel_root)}">'
                     f'<span>Next</span>{html.escape(nxt.title)}</a>')
    return f'<nav class="pager" aria-label="Previous and next page">{"".join(parts)}</nav>'


def _site_link(item: dict, rel_root: str, index_path: str) -> str:
    url = str(item.get("url") or "")
    if url.startswith("/"):  # a page of this site
        path = url.strip("/")
        href = page_href(path or index_path, index_path, rel_root)
    else:
        href = url
    external = "" if url.startswith("/") else ' rel="noopener"'
    return f'<a href="{html.escape(href)}"{external}>{html.escape(str(item.get("title") or url))}</a>'


def render_site_nav(chrome: Chrome, rel_root: str, index_path: str) -> str:
    links = []
    for item in chrome.nav:
        if not isinstance(item, dict):
            continue
        if item.get("children"):
            inner = "".join(f"<li>{_site_link(c, rel_root, index_path)}</li>" for c in item["children"]
                            if isinstance(c, dict))
            links.append(f'<li class="menu"><details><summary>{html.escape(str(item.get("title", "")))}</summary>'
                         f"<ul>{inner}</ul></details></li>")
        elif item.get("url"):
            links.append(f"<li>{_site_link(item, rel_root, index_path)}</li>")
    actions = "".join(_site_link(a, rel_root, index_path).replace("<a ", '<a class="button action" ', 1)
                      for a in chrome.actions if isinstance(a, dict) and a.get("url"))
    menu = f'<ul class="site-nav">{"".join(links)}</ul>' if links else ""
    return f'{menu}<div class="site-actions">{actions}</div>' if menu or actions else ""


def render_outline(view: PageView, chrome: Chrome) -> str:
    if chrome.hide_outline or view.frontmatter.get("site", {}).get("hide_outline") or len(view.outline) < 2:
        return ""
    items = "".join(f'<li class="depth-{depth}"><a href="#{html.escape(ident)}">{html.escape(text)}</a></li>'
                    for depth, ident, text in view.outline)
    return f'<nav class="outline" aria-label="On this page"><p>On this page</p><ul>{items}</ul></nav>'


def render_page(view: PageView, chrome: Chrome, nav: list[NavEntry], index_path: str) -> str:
    root = view.rel_root
    fm = view.frontmatter
    asset = view.asset or (lambda path: path)
    site_title = chrome.title
    title = html.escape(view.title)
    subtitle = f'<p class="subtitle">{html.escape(str(fm["subtitle"]))}</p>' if fm.get("subtitle") else ""
    date = f'<p class="byline">{html.escape(str(fm["date"]))}</p>' if fm.get("date") else ""
    actions = []
    if view.lite_notebook:
        href = f"{root}lite/notebooks/index.html?path={quote(view.lite_notebook)}"
        actions.append(f'<a class="button open-lite" href="{html.escape(href)}">Open in JupyterLite</a>')
        notebook = f"{root}lite/files/{quote(view.lite_notebook)}"
        actions.append(f'<a class="button download" href="{html.escape(notebook)}" download>Download notebook</a>')
    for href, label in view.downloads:
        actions.append(f'<a class="button download" href="{html.escape(href)}" download>{html.escape(label)}</a>')
    page_actions = f'<div class="page-actions">{"".join(actions)}</div>' if actions else ""
    footnotes = f'<section class="footnotes"><ol>{"".join(view.footnotes)}</ol></section>' if view.footnotes else ""
    description = html.escape(str(fm.get("description") or ""))
    data = f'<script type="application/json" id="mystlite-page">{view.page_data}</script>' if view.page_data else ""
    if view.runtime:
        data += f'\n<script type="module" src="{root}_static/runtime/runtime.js"></script>'
    if view.anywidget:
        data += f'\n<script type="module" src="{root}_static/anywidget.js"></script>'
    if view.widget_state:
        data += f'\n<script type="module" src="{root}_static/runtime/widget-state.js"></script>'
    if view.charts:
        data += f'\n<script src="{root}_static/charts.js" defer data-chart-libraries="{html.escape(view.charts)}"></script>'
    if view.mermaid:
        data += (f'\n<script src="{root}_static/mermaid/mermaid.min.js" defer></script>'
                 f'\n<script src="{root}_static/diagrams.js" defer></script>')
    head = []
    head.append(f'<link rel="icon" href="{html.escape(asset(chrome.favicon))}">' if chrome.favicon
                else '<link rel="icon" href="data:,">')
    if view.math:
        head.append(f'<link rel="stylesheet" href="{root}_static/katex/katex.min.css">')
    if chrome.style:
        head.append(f'<link rel="stylesheet" href="{html.escape(asset(chrome.style))}">')
    logo = ""
    if chrome.logo:
        logo = f'<img class="logo logo-light" src="{html.escape(asset(chrome.logo))}" alt="">'
        if chrome.logo_dark:
            logo += f'<img class="logo logo-dark" src="{html.escape(asset(chrome.logo_dark))}" alt="">'
    brand = html.escape(chrome.logo_text or site_title)
    sidebar = "" if chrome.hide_toc else render_nav(nav, view.slug, index_path, root)
    pager = "" if chrome.hide_footer_links else render_pager(nav, view.slug, index_path, root)
    footer = f'<footer class="site-footer">{view.footer}</footer>' if view.footer else ""
    doc_title = title if view.slug == index_path and view.title == site_title else f"{title} · {html.escape(site_title)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{doc_title}</title>
<meta name="description" content="{description}">
<meta name="generator" content="mystlite">
{early_start_script(view)}{chr(10).join(head[:1])}
<link rel="stylesheet" href="{root}_static/mystlite.css">
<link rel="stylesheet" href="{root}_static/pygments.css">
{chr(10).join(head[1:])}
{THEME_SCRIPT}
<script src="{root}_static/site.js" defer></script>
<script src="{root}_static/search.js" defer></script>
</head>
<body data-compute="{str(view.compute).lower()}" data-root="{root or './'}">
<a class="skip-link" href="#content">Skip to the content</a>
<header class="topbar">
<button class="nav-toggle" aria-controls="sidebar" aria-expanded="false" aria-label="Show the pages">☰</button>
<a class="site-title" href="{root or './'}">{logo}<span>{brand}</span></a>
{render_site_nav(chrome, root, index_path)}
<button class="search-toggle" aria-label="Search the site" title="Search (/)" hidden>⌕</button>
<button class="theme-toggle" aria-label="Switch between light and dark" title="Light or dark">◐</button>
</header>
<div class="layout{' no-toc' if chrome.hide_toc else ''}">
{sidebar}
<main class="content" id="content">
<article class="page">
<header class="page-header"><h1>{title}</h1>{subtitle}{_authors(fm)}{date}{page_actions}</header>
{COMPUTE_BAR if view.runtime else ""}
{view.body}
{footnotes}
</article>
{pager}
{footer}
</main>
{render_outline(view, chrome)}
</div>
{data}
</body>
</html>
"""
