"""Stored Jupyter outputs (mystmd's `output.jupyter_data`) → HTML, in the look the runtime reuses."""

from __future__ import annotations

import html
import json
from typing import Callable

from ansi2html import Ansi2HTMLConverter

from .charts import BOKEH_EXEC, BOKEH_LOAD, CHART_MIMES, altair_chart, chart_html

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_ANSI = Ansi2HTMLConverter(inline=True, dark_bg=False, line_wrap=False)
# Richest first, as Jupyter front ends choose.
MIME_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/latex",
              "text/markdown", "text/plain")


def ansi_to_html(text: str) -> str:
    """Terminal colours (tracebacks, coloured logs) as inline-styled spans; everything else escaped."""
    return _ANSI.convert(text, full=False) if "\x1b[" in text else html.escape(text)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def render_output(data: dict, asset_url: Callable[[str], str], read_asset: Callable[[str], str | None] = lambda p: None) -> str:
    """One output. asset_url maps mystmd's '/<hash>.ext' paths (big outputs kept as files) to site URLs;
    read_asset gives such a file's text (a large text/html output is shown inline, as Jupyter shows it)."""
    kind = data.get("output_type")
    if kind == "stream":
        name = data.get("name", "stdout")
        body = f'<pre class="output-stream output-{html.escape(name)}">{ansi_to_html(_text(data.get("text")))}</pre>'
        if data.get("path"):  # mystmd cut a long stream and kept the whole text as a file
            body += (f'<a class="output-more" href="{html.escape(asset_url(data["path"]))}">'
                     "Output truncated: show the full text</a>")
        return f'<div class="output" data-output-type="stream">{body}</div>'
    if kind == "error":
        traceback = _text(data.get("traceback")) or f"{data.get('ename', 'Error')}: {data.get('evalue', '')}"
        return f'<div class="output" data-output-type="error"><pre class="output-error">{ansi_to_html(traceback)}</pre></div>'
    bundle = data.get("data") or {}
    kind_attr = html.escape(kind or "display_data")
    fallback = next((mime for mime in MIME_ORDER if mime in bundle), None)
    # an HTML output's text is read once (mystmd may keep it as a file): shown, or drawn as an Altair chart
    html_text = _html_text(bundle[fallback], read_asset) if fallback == "text/html" else None
    if html_text is not None:
        body = _html_block(html_text)
    else:
        body = render_mime(fallback, bundle[fallback], asset_url, read_asset) if fallback else ""
    view = _json_text(bundle[WIDGET_VIEW], read_asset) if WIDGET_VIEW in bundle else None
    if view:  # a stored widget: drawn from the page's widget state (widget-state.js), its text until then
        try:
            model = str(json.loads(view).get("model_id") or "")
        except (ValueError, AttributeError):
            model = ""
        if model:
            return (f'<div class="output" data-output-type="{kind_attr}" data-mime="{WIDGET_VIEW}">'
                    f'<div class="output-widget" data-model-id="{html.escape(model)}">{body}</div></div>')
    if BOKEH_LOAD in bundle:  # bokeh's loader fetches BokehJS from a CDN: the site's own copy loads instead
        return f'<div class="output" data-output-type="{kind_attr}" data-mime="{BOKEH_LOAD}" hidden></div>'
    chart = next((mime for mime in bundle if mime in CHART_MIMES), None)
    if chart == BOKEH_EXEC:  # the script that draws the figure into the div of the output before it
        script = _text(_mime_content(bundle.get("application/javascript")))
        return (f'<div class="output" data-output-type="{kind_attr}" data-mime="{chart}">'
                f"{chart_html(chart, json.dumps(script), body)}</div>") if script else ""
    if chart:  # drawn by its library in the browser; the next-best representation shows until then
        spec = _json_text(bundle[chart], read_asset)
        if spec is not None:
            return (f'<div class="output" data-output-type="{kind_attr}" data-mime="{html.escape(chart)}">'
                    f"{chart_html(chart, spec, body)}</div>")
    altair = altair_chart(html_text) if html_text is not None else None
    if altair:  # its own script would load vega from a CDN: the site's vega draws the spec; its text until then
        mime, spec = altair
        plain = render_mime("text/plain", bundle["text/plain"], asset_url, read_asset) if "text/plain" in bundle else ""
        return (f'<div class="output" data-output-type="{kind_attr}" data-mime="{html.escape(mime)}">'
                f"{chart_html(mime, spec, plain)}</div>")
    if fallback:
        return f'<div class="output" data-output-type="{kind_attr}" data-mime="{fallback}">{body}</div>'
    return ""


def _html_text(item, read_asset: Callable[[str], str | None]) -> str:
    content = item.get("content") if isinstance(item, dict) else item
    if not content and isinstance(item, dict) and item.get("path"):
        content = read_asset(item["path"])  # mystmd kept a large HTML output as a file of its own
    return _text(content)


def _html_block(text: str) -> str:
    return f'<div class="output-html">{text}</div>'


def _mime_content(item):
    return item.get("content") if isinstance(item, dict) and "content_type" in item else item


def _json_text(item, read_asset: Callable[[str], str | None]) -> str | None:
    """A JSON output's text: mystmd keeps it as a string ({"content": …} or a file), nbformat as the value."""
    if isinstance(item, dict) and "content_type" in item:
        content = item.get("content")
        if not content and item.get("path"):
            content = read_asset(item["path"])
        return content if isinstance(content, str) else (json.dumps(content) if content is not None else None)
    return item if isinstance(item, str) else json.dumps(item)


def render_mime(mime: str, item: dict, asset_url: Callable[[str], str],
                read_asset: Callable[[str], str | None] = lambda p: None) -> str:
    content = item.get("content") if isinstance(item, dict) else item
    path = item.get("path") if isinstance(item, dict) else None
    if mime == "text/html":
        return _html_block(_html_text(item, read_asset))
    if mime.startswith("image/"):
        if path:
            src = asset_url(path)
        elif mime == "image/svg+xml":
            return f'<div class="output-svg">{_text(content)}</div>'
        else:
            src = f"data:{mime};base64,{_text(content).strip()}"
        return f'<img class="output-image" src="{html.escape(src)}" alt="output image">'
    if mime == "text/latex":
        from .math import math_html

        return math_html(_text(content).strip().strip("$"), display=True)
    if mime == "text/markdown":
        from markdown_it import MarkdownIt

        return f'<div class="output-markdown">{MarkdownIt("commonmark").enable("table").render(_text(content))}</div>'
    text = _text(content)
    if path and not text:
        return f'<a class="output-more" href="{html.escape(asset_url(path))}">Show the output</a>'
    return f'<pre class="output-text">{ansi_to_html(text)}</pre>'
