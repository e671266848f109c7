"""The page shell around rendered content: head, header, toc navigation, page header, prev/next.

Every URL is relative, so the site works under any subpath without being rebuilt.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import quote


@dataclass
class NavEntry:
    title: str
    slug: str | None  # None for a group heading
    level: int = 1


@dataclass
class PageView:
    """What the shell needs to know about one page."""

    slug: str
    title: str
    body: str
    frontmatter: dict
    rel_root: str  # "" for the index page, "../" for the others
    compute: bool = False
    lite_notebook: str | None = None  # drive path of the page's notebook, for "Open in JupyterLite"
    footnotes: list[str] = field(default_factory=list)
    page_data: str = ""  # JSON for the in-page runtime
    runtime: bool = False  # load the in-page runtime (compute is on and lite)


def page_href(slug: str, index_slug: str, rel_root: str) -> str:
    return (rel_root or "./") if slug == index_slug else f"{rel_root}{slug}/"


def _authors(frontmatter: dict) -> str:
    names = [a.get("name") for a in frontmatter.get("authors") or [] if isinstance(a, dict) and a.get("name")]
    return ", ".join(html.escape(n) for n in names)


def render_nav(nav: list[NavEntry], current: str, index_slug: str, rel_root: str) -> str:
    items = []
    for entry in nav:
        if entry.slug is None:
            items.append(f'<li class="nav-group level-{entry.level}">{html.escape(entry.title)}</li>')
            continue
        active = ' aria-current="page" class="active"' if entry.slug == current else ""
        items.append(f'<li class="level-{entry.level}"><a href="{page_href(entry.slug, index_slug, rel_root)}"'
                     f'{active}>{html.escape(entry.title)}</a></li>')
    return f'<nav class="sidebar" id="sidebar" aria-label="Pages"><ul>{"".join(items)}</ul></nav>'


def render_pager(nav: list[NavEntry], current: str, index_slug: str, rel_root: str) -> str:
    pages = [e for e in nav if e.slug is not None]
    slugs = [e.slug for e in pages]
    if current not in slugs:
        return ""
    i = slugs.index(current)
    parts = []
    if i > 0:
        prev = pages[i - 1]
        parts.append(f'<a class="pager-prev" rel="prev" href="{page_href(prev.slug, index_slug, rel_root)}">'
                     f'<span>Previous</span>{html.escape(prev.title)}</a>')
    if i + 1 < len(pages):
        nxt = pages[i + 1]
        parts.append(f'<a class="pager-next" rel="next" href="{page_href(nxt.slug, index_slug, rel_root)}">'
                     f'<span>Next</span>{html.escape(nxt.title)}</a>')
    return f'<nav class="pager" aria-label="Previous and next page">{"".join(parts)}</nav>'


def render_page(view: PageView, site_title: str, nav: list[NavEntry], index_slug: str) -> str:
    root = view.rel_root
    fm = view.frontmatter
    title = html.escape(view.title)
    subtitle = f'<p class="subtitle">{html.escape(str(fm["subtitle"]))}</p>' if fm.get("subtitle") else ""
    byline_parts = [p for p in (_authors(fm), html.escape(str(fm.get("date") or ""))) if p]
    byline = f'<p class="byline">{" · ".join(byline_parts)}</p>' if byline_parts else ""
    actions = ""
    if view.lite_notebook:
        href = f"{root}lite/notebooks/index.html?path={quote(view.lite_notebook)}"
        actions = (f'<div class="page-actions"><a class="button open-lite" href="{html.escape(href)}">'
                   "Open in JupyterLite</a></div>")
    footnotes = f'<section class="footnotes"><ol>{"".join(view.footnotes)}</ol></section>' if view.footnotes else ""
    description = html.escape(str(fm.get("description") or ""))
    data = f'<script type="application/json" id="mystlite-page">{view.page_data}</script>' if view.page_data else ""
    if view.runtime:
        data += f'\n<script type="module" src="{root}_static/runtime/runtime.js"></script>'

    doc_title = title if view.slug == index_slug and view.title == site_title else f"{title} · {html.escape(site_title)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{doc_title}</title>
<meta name="description" content="{description}">
<meta name="generator" content="mystlite">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}_static/mystlite.css">
<link rel="stylesheet" href="{root}_static/pygments.css">
<script src="{root}_static/theme.js"></script>
<script src="{root}_static/site.js" defer></script>
</head>
<body data-compute="{str(view.compute).lower()}" data-root="{root or './'}">
<a class="skip-link" href="#content">Skip to the content</a>
<header class="topbar">
<button class="nav-toggle" aria-controls="sidebar" aria-expanded="false" aria-label="Show the pages">☰</button>
<a class="site-title" href="{root or './'}">{html.escape(site_title)}</a>
<button class="theme-toggle" aria-label="Switch between light and dark" title="Light or dark">◐</button>
</header>
<div class="layout">
{render_nav(nav, view.slug, index_slug, root)}
<main class="content" id="content">
<article class="page">
<header class="page-header"><h1>{title}</h1>{subtitle}{byline}{actions}</header>
{view.body}
{footnotes}
</article>
{render_pager(nav, view.slug, index_slug, root)}
</main>
</div>
{data}
</body>
</html>
"""
