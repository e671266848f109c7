"""Files for static hosts: the 404 page GitHub Pages serves for any missing path, and the `_headers` file that
Netlify and Cloudflare Pages read (only when mystlite.headers names one of them)."""

from __future__ import annotations

import html

from ..baseurl import normalize_base_url
from .layout import THEME_SCRIPT

HEADERS = """\
# Written by mystlite (mystlite.headers) for Netlify and Cloudflare Pages, which read _headers from the site.
/*
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: credentialless
/*.wasm
  Content-Type: application/wasm
/build/*
  Cache-Control: public, max-age=31536000, immutable
/lite/build/*
  Cache-Control: public, max-age=31536000, immutable
/_mystlite/*.snapshot.gz
  Cache-Control: public, max-age=31536000, immutable
"""


def not_found_page(title: str, base_url: str | None) -> bytes:
    """The host serves this page at whatever depth the missing path had: its links are absolute, from the
    site's base URL, and it uses the site's own stylesheet and theme."""
    base = normalize_base_url(base_url)
    name = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page not found · {name}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}_static/mystlite.css">
{THEME_SCRIPT}
</head>
<body>
<header class="topbar"><a class="site-title" href="{base}">{name}</a></header>
<main class="content"><article class="page">
<h1>Page not found</h1>
<p>There is no page at this address. It may have moved when the site was rebuilt.</p>
<p><a href="{base}">Go to the home page of {name}</a></p>
</article></main>
</body>
</html>
""".encode()
