"""A small link checker: every internal href/src of every page must answer 200, fragments must exist."""

from __future__ import annotations

import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value and tag != "a" or name == "href" and tag == "a" and value:
                self.links.append(value)


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, body.decode("utf-8", "replace") if "html" in kind else ""
    except urllib.error.HTTPError as err:
        return err.code, ""


def crawl(start: str) -> tuple[list[str], list[str]]:
    """Visit every page reachable from start (not into lite/); return (pages visited, broken links)."""
    origin = urlsplit(start)
    seen_pages, broken, checked = [], [], {}
    queue = [start]
    pages: dict[str, _Links] = {}
    while queue:
        page = queue.pop()
        if page in pages:
            continue
        status, body = fetch(page)
        if status != 200:
            broken.append(f"{page} -> {status}")
            continue
        pages[page] = parse(body)
        seen_pages.append(page)
        for link in pages[page].links:
            target = urljoin(page, link)
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != origin.netloc:
                continue
            if not parts.path.startswith(origin.path):
                broken.append(f"{page}: {link} leaves the site root {origin.path}")
                continue
            bare = target.split("#")[0]
            if bare not in checked:
                checked[bare] = fetch(bare)[0]
            if checked[bare] != 200:
                broken.append(f"{page}: {link} -> {checked[bare]}")
            elif bare.endswith("/") or bare.endswith(".html") and "/lite/" not in bare:
                if "/lite/" not in bare:
                    queue.append(bare)
            if parts.fragment and "/lite/" not in bare:
                status, body = fetch(bare)
                ids = parse(body).ids if bare != page.split("#")[0] else pages[page].ids
                if parts.fragment not in ids:
                    broken.append(f"{page}: {link}: no element with id {parts.fragment!r}")
    return seen_pages, broken
