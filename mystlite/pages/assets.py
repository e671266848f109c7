"""Browser libraries that pages need only sometimes, self-hosted from npm and never loaded from a CDN:
KaTeX's stylesheet and fonts (math drawn exactly as mystmd's KaTeX laid it out), and mermaid (diagrams).
The versions are pinned: KaTeX's to the one mystmd renders with, so its markup and stylesheet match.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import MystliteError
from ..log import Reporter
from ..npm import fetch_package_files

KATEX_VERSION = "0.15.6"  # the KaTeX inside mystmd 1.11
MERMAID_VERSION = "11.17.2"
HINT = "without network access, copy a filled download cache to $MYSTLITE_CACHE_DIR"
# only woff2 is published: every browser that runs the site reads it, so the css names no other format
_OTHER_FONT_FORMATS = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def katex_files(cache: Path, reporter: Reporter, script: bool = False) -> dict[str, Path | bytes] | None:
    """{site path: file} for KaTeX's stylesheet and fonts (and with `script`, KaTeX itself, which the in-page
    runtime uses for LaTeX outputs), or None (with a warning) when npm cannot get them."""
    def select(member: str) -> str | None:
        if member in ("package/dist/katex.min.css", "package/dist/katex.min.js"):
            return member.rsplit("/", 1)[1]
        if member.startswith("package/dist/fonts/") and member.endswith(".woff2"):
            return "fonts/" + member.rsplit("/", 1)[1]
        return None

    try:
        folder = fetch_package_files("katex", KATEX_VERSION, cache / "npm" / "katex" / KATEX_VERSION, reporter,
                                     select, ["katex.min.css", "katex.min.js"], HINT)
    except MystliteError as err:
        reporter.warn(f"math falls back to plain MathML (KaTeX's fonts could not be fetched: {err.message})")
        return None
    css = _OTHER_FONT_FORMATS.sub("", (folder / "katex.min.css").read_text())
    files: dict[str, Path | bytes] = {"_static/katex/katex.min.css": css.encode()}
    for font in sorted((folder / "fonts").glob("*.woff2")):
        files[f"_static/katex/fonts/{font.name}"] = font
    if script:
        files["_static/katex/katex.min.js"] = folder / "katex.min.js"
    return files


def mermaid_files(cache: Path, reporter: Reporter) -> dict[str, Path | bytes] | None:
    """{site path: file} for mermaid's browser build, or None (with a warning) when npm cannot get it."""
    def select(member: str) -> str | None:
        return "mermaid.min.js" if member == "package/dist/mermaid.min.js" else None

    try:
        folder = fetch_package_files("mermaid", MERMAID_VERSION, cache / "npm" / "mermaid" / MERMAID_VERSION,
                                     reporter, select, ["mermaid.min.js"], HINT)
    except MystliteError as err:
        reporter.warn(f"diagrams are shown as their source (mermaid could not be fetched: {err.message})")
        return None
    return {"_static/mermaid/mermaid.min.js": folder / "mermaid.min.js"}
