"""Interactive chart outputs (plotly, vega-lite), drawn by their own JavaScript libraries, self-hosted from npm.

A site ships a library only when it needs it: a stored output has its MIME type, or a compute page's code
imports a package that makes such outputs (a reader's run may show one). A page loads the library only when it
shows such an output. Without the library (npm could not fetch it) an output falls back to its other
representations (a PNG, or its text), as Jupyter front ends do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import MystliteError
from ..log import Reporter
from ..npm import fetch_package_files

HINT = "without network access, copy a filled download cache to $MYSTLITE_CACHE_DIR"
STATIC = "_static/charts"  # published here, relative to the site root


BOKEH_EXEC, BOKEH_LOAD = "application/vnd.bokehjs_exec.v0+json", "application/vnd.bokehjs_load.v0+json"


@dataclass(frozen=True)
class ChartLibrary:
    name: str
    files: tuple[tuple[str, str, str], ...]  # (npm package, version, its file), loaded in this order
    mimes: tuple[str, ...]
    packages: tuple[str, ...]  # Python packages whose outputs need it


# vega-embed wants vega and vega-lite as globals: the three load in order. vega-lite 6 draws v5 specs too.
LIBRARIES = (
    ChartLibrary("plotly", (("plotly.js-dist-min", "4.1.2", "plotly.min.js"),),
                 ("application/vnd.plotly.v1+json",), ("plotly",)),
    ChartLibrary("vega", (("vega", "6.4.0", "build/vega.min.js"), ("vega-lite", "6.5.0", "build/vega-lite.min.js"),
                          ("vega-embed", "7.3.0", "build/vega-embed.min.js")),
                 ("application/vnd.vegalite.v6+json", "application/vnd.vegalite.v5+json",
                  "application/vnd.vegalite.v4+json", "application/vnd.vega.v6+json", "application/vnd.vega.v5+json"),
                 ("altair", "vega-datasets", "vl-convert-python")),
    # bokeh's notebook output is a script that calls BokehJS; its "load" output would fetch BokehJS from a CDN
    # and is never run: the site's own copy loads instead
    ChartLibrary("bokeh", tuple(("@bokeh/bokehjs", "3.9.2", f"build/js/{name}.min.js")
                                for name in ("bokeh", "bokeh-widgets", "bokeh-tables", "bokeh-gl")),
                 (BOKEH_EXEC, BOKEH_LOAD), ("bokeh", "panel", "holoviews")),
)
CHART_MIMES = {mime: library.name for library in LIBRARIES for mime in library.mimes}
_MIME_IN_JSON = re.compile(rb'"(application/vnd\.(?:plotly|vegalite|vega|bokehjs_exec|bokehjs_load)\.v\d+\+json)"')


# Altair's notebook HTML (its "html" renderer, and what notebooks made with it keep): a div, then a script that
# loads vega from a CDN and calls `(function(spec, embedOpt){…})(SPEC, EMBED_OPTIONS);`. Offline that script
# only says "Error loading script": the spec is drawn with the site's own vega instead.
_ALTAIR_DIV = re.compile(r'<div id="altair-viz-[0-9a-f]+"></div>\s*<script type="text/javascript">')
_ALTAIR_CALL = "})("
_SCHEMA_MAJOR = re.compile(r"/schema/(vega-lite|vega)/v(\d+)")


def altair_chart(text: str) -> tuple[str, str] | None:
    """(MIME type, spec JSON) of an Altair HTML output, or None for any other HTML."""
    found = _ALTAIR_DIV.search(text)
    call = text.find(_ALTAIR_CALL, found.end()) if found and "vega-embed" in text else -1
    if call < 0:
        return None
    decoder = json.JSONDecoder()
    try:
        spec, end = decoder.raw_decode(text, call + len(_ALTAIR_CALL))
        rest = re.match(r"\s*,\s*", text[end:])
        options = decoder.raw_decode(text, end + rest.end())[0] if rest else {}
    except ValueError:
        return None
    if not isinstance(spec, dict) or not isinstance(options, dict):
        return None
    family = "vega" if options.get("mode") == "vega" else "vegalite"
    major = _SCHEMA_MAJOR.search(str(spec.get("$schema", "")))
    mime = f"application/vnd.{family}.v{major.group(2) if major else 5}+json"
    if mime not in CHART_MIMES:  # vega-lite 6 and vega 6 draw the specs of earlier majors
        mime = f"application/vnd.{family}.v5+json"
    return mime, json.dumps(spec)


def script_paths(name: str) -> list[str]:
    """The library's files, relative to the site root, in load order."""
    library = next(lib for lib in LIBRARIES if lib.name == name)
    return [f"{STATIC}/{name}/{Path(member).name}" for _package, _version, member in library.files]


def libraries_needed(contents: list[bytes], page_packages: dict[str, list[str]], executed: dict | None = None) -> set[str]:
    """The libraries a site needs: from the MIME types of its stored outputs (the pages' JSON `contents`) and
    build-time outputs, and from its compute pages' packages."""
    needed = set()
    for text in [*contents, json.dumps(executed or {}).encode()]:
        for mime in _MIME_IN_JSON.findall(text):
            if mime.decode() in CHART_MIMES:
                needed.add(CHART_MIMES[mime.decode()])
        if b"altair-viz-" in text and b"vega-embed" in text:  # an Altair HTML output (altair_chart)
            needed.add("vega")
    used = {name.lower() for names in page_packages.values() for name in names}
    needed.update(lib.name for lib in LIBRARIES if used & set(lib.packages))
    return needed


def chart_files(names: set[str], cache: Path, reporter: Reporter) -> dict[str, Path]:
    """{site path: file} for the libraries named; one that npm cannot get is left out, with a warning."""
    files: dict[str, Path] = {}
    for library in LIBRARIES:
        if library.name not in names:
            continue
        members: dict[tuple[str, str], list[str]] = {}  # (package, version) -> its files: one fetch each
        for package, version, member in library.files:
            members.setdefault((package, version), []).append(member)
        try:
            found: dict[str, Path] = {}
            for (package, version), wanted in members.items():
                names_in = {f"package/{member}": Path(member).name for member in wanted}
                folder = fetch_package_files(package, version, cache / "npm" / package / version, reporter,
                                             names_in.get, sorted(names_in.values()), HINT)
                found.update({member: folder / Path(member).name for member in wanted})
            for (_package, _version, member), path in zip(library.files, script_paths(library.name)):
                files[path] = found[member]
        except MystliteError as err:
            reporter.warn(f"{library.name} charts show their other outputs (a picture or text): {library.name} "
                          f"could not be fetched ({err.message})")
    return files


def chart_html(mime: str, spec_text: str, fallback: str) -> str:
    """A chart's placeholder: charts.js draws it with the library, and `fallback` (the output's next-best
    representation) shows until then. The JSON rides along in a script element, "</" escaped so that it
    cannot close it."""
    import html

    try:
        json.loads(spec_text)
    except ValueError:
        return fallback or f'<pre class="output-text">{html.escape(spec_text)}</pre>'
    safe = spec_text.replace("</", "<\\/")
    return (f'<div class="output-chart" data-library="{CHART_MIMES[mime]}" data-mime="{html.escape(mime)}">'
            f'<script type="application/json">{safe}</script>{fallback}</div>')
