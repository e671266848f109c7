"""The node and output renderers, unit by unit (the integration tests build real mystmd JSON)."""

from __future__ import annotations

import base64
import json

from mystlite.pages.nodes import RenderContext, render
from mystlite.pages.outputs import render_output


def ctx() -> RenderContext:
    return RenderContext(url=lambda u: "../" + u.strip("/") + "/", asset=lambda p: "../build/" + p.lstrip("/"))


def text(value: str) -> dict:
    return {"type": "text", "value": value}


def test_unknown_node_renders_children_and_is_reported():
    c = ctx()
    html = render({"type": "root", "children": [{"type": "futureThing", "children": [text("still here")]}]}, c)
    assert "still here" in html
    assert c.unknown == {"futureThing"}


def test_text_is_escaped_and_links_are_mapped():
    c = ctx()
    html = render({"type": "paragraph", "children": [
        text("<b>&"), {"type": "link", "url": "/explore", "internal": True, "children": [text("x")]},
        {"type": "link", "url": "https://example.org", "children": [text("y")]}]}, c)
    assert "&lt;b&gt;&amp;" in html
    assert 'href="../explore/"' in html and 'href="https://example.org"' in html


def test_a_plugins_styled_span_keeps_its_style():
    """jupyter-book's docs colour parts of a link with a role whose span carries a style object."""
    html = render({"type": "paragraph", "children": [
        {"type": "span", "style": {"color": "#0ea5e9", "font-family": "mono", "fontWeight": 600, "bad": None},
         "children": [text("/figures")]},
        {"type": "div", "style": {"borderLeft": '1px solid "x"'}, "children": [text("boxed")]},
        {"type": "span", "style": "not an object", "children": [text("plain")]},
        {"type": "span", "style": {"WebkitBackgroundClip": "text", "msTransform": "none", "--accent": "red"},
         "children": [text("raw html")]}]}, ctx())
    assert '<span style="-webkit-background-clip: text; -ms-transform: none; --accent: red">raw html</span>' in html
    cell = render({"type": "tableCell", "header": True, "align": "right", "style": {"color": "red"},
                   "children": [text("n")]}, ctx())
    assert cell == '<th style="text-align: right; color: red">n</th>'
    assert '<span style="color: #0ea5e9; font-family: mono; font-weight: 600">/figures</span>' in html
    assert '<div style="border-left: 1px solid &quot;x&quot;">boxed</div>' in html
    assert "<span>plain</span>" in html


def test_dropdown_admonition_is_a_details_element():
    node = {"type": "admonition", "kind": "tip", "class": "dropdown",
            "children": [{"type": "admonitionTitle", "children": [text("More")]},
                         {"type": "paragraph", "children": [text("hidden")]}]}
    html = render(node, ctx())
    assert html.startswith('<details class="admonition admonition-tip dropdown">')
    assert "<summary" in html and "More" in html and "hidden" in html


def test_code_is_highlighted():
    html = render({"type": "code", "lang": "python", "value": "def f():\n    return 1"}, ctx())
    assert '<span class="k">def</span>' in html


def test_math_becomes_mathml_without_mystmd_html():
    html = render({"type": "math", "value": r"\frac{a}{b}", "enumerator": "1"}, ctx())
    assert '<math display="block"' in html and "<mfrac>" in html and "(1)" in html


def test_stream_error_and_rich_outputs():
    stream = render_output({"output_type": "stream", "name": "stderr", "text": "careful <x>\n"}, lambda p: p)
    assert 'class="output-stream output-stderr"' in stream and "careful &lt;x&gt;" in stream
    error = render_output({"output_type": "error", "ename": "ValueError", "evalue": "bad",
                           "traceback": "\x1b[0;31mValueError\x1b[0m: bad"}, lambda p: p)
    assert '<span style="color: #aa0000">ValueError</span>: bad' in error and "\x1b" not in error
    png = base64.b64encode(b"\x89PNG fake").decode()
    out = render_output({"output_type": "display_data", "data": {
        "image/png": {"content": png, "content_type": "image/png"},
        "text/plain": {"content": "<Figure>"}}}, lambda p: p)
    assert f'src="data:image/png;base64,{png}"' in out
    jpeg = render_output({"output_type": "display_data", "data": {
        "image/jpeg": {"path": "/abc.jpeg"}}}, lambda p: "../build" + p)
    assert 'src="../build/abc.jpeg"' in jpeg
    svg = render_output({"output_type": "display_data", "data": {
        "image/svg+xml": {"content": "<svg><circle r='1'/></svg>"}}}, lambda p: p)
    assert "<svg><circle" in svg
    table = render_output({"output_type": "execute_result", "data": {
        "text/html": {"content": "<table><tr><td>1</td></tr></table>"}, "text/plain": {"content": "T"}}}, lambda p: p)
    assert "<table><tr><td>1</td></tr></table>" in table


def test_truncated_stream_links_to_the_full_text():
    out = render_output({"output_type": "stream", "name": "stdout", "text": "first lines...",
                         "path": "/abc123.txt"}, lambda p: "../build" + p)
    assert 'href="../build/abc123.txt"' in out and "truncated" in out


def test_cell_visibility_tags():
    def cell(code_vis, out_vis="show"):
        return {"type": "block", "kind": "notebook-code", "children": [
            {"type": "code", "lang": "python", "executable": True, "value": "x = 1", "visibility": code_vis},
            {"type": "outputs", "visibility": out_vis, "children": []}]}

    hidden = render(cell("hide"), ctx())
    assert '<details class="cell-fold"><summary>Show code</summary>' in hidden and "x" in hidden
    removed = render(cell("remove"), ctx())
    assert '<div class="cell-input" hidden>' in removed  # not shown, but "Run all" still runs it
    assert '<summary>Show output</summary><div class="cell-outputs">' in render(cell("show", "hide"), ctx())
    assert render({"type": "block", "visibility": "remove", "children": [text("gone")]}, ctx()) == ""


def test_markdown_output():
    out = render_output({"output_type": "display_data", "data": {
        "text/markdown": {"content": "**bold** and a | table |\n|---|---|\n| 1 | 2 |"}}}, lambda p: p)
    assert "<strong>bold</strong>" in out


def test_a_large_html_output_kept_as_a_file_is_shown_inline():
    from mystlite.pages.outputs import render_output

    data = {"output_type": "display_data", "data": {"text/html": {"content_type": "text/html", "path": "/big.html"}}}
    html = render_output(data, lambda p: f"build{p}", lambda p: "<table><tr><td>big</td></tr></table>"
                         if p == "/big.html" else None)
    assert '<div class="output-html"><table><tr><td>big</td></tr></table></div>' in html


def test_every_code_colour_is_readable_in_both_themes():
    """WCAG AA (4.5:1) for each colour of the highlighted code and of the live editor, light and dark."""
    import re

    from mystlite.pages.codestyle import DARK_BACKGROUND, LIGHT_BACKGROUND, contrast, pygments_css

    rules = re.findall(r"^(.*?)\{([^}]*)\}", pygments_css().decode(), re.M)
    checked = 0
    for selector, body in rules:
        background = DARK_BACKGROUND if "dark" in selector else LIGHT_BACKGROUND
        for color in re.findall(r"(?<![-\w])color: (#[0-9a-fA-F]{3,6})\b", body):
            assert contrast(color, background) >= 4.5, (selector, color)
            checked += 1
    assert checked > 60  # both pygments styles and both editor palettes were checked


def test_only_a_page_that_runs_on_pyodide_alone_starts_python_from_its_head():
    """The head script that starts the worker early names the worker, pyodide and the snapshot relative to
    the page; a page whose reader may choose another backend, or that runs remotely, leaves it to the runtime."""
    import json

    from mystlite.pages.layout import PageView, early_start_script

    def script(data: dict, runtime: bool = True) -> str:
        view = PageView(slug="a/b", title="t", body="", frontmatter={}, rel_root="../../", runtime=runtime,
                        page_data=json.dumps(data))
        return early_start_script(view)

    lite = {"compute": True, "runtime": True, "backend": "lite", "backends": ["lite"],
            "pyodide": "lite/static/pyodide/pyodide.mjs",
            "snapshot": "_mystlite/python-0123.snapshot.gz"}
    head = script(lite)
    assert head.startswith("<script>") and "self.crossOriginIsolated" in head
    settings = json.loads(head.split("var START = ")[1].split(";\n")[0])
    assert settings == {"worker": "../../_static/runtime/worker.js", "pyodide": "../../lite/static/pyodide/pyodide.mjs",
                        "snapshot": "../../_mystlite/python-0123.snapshot.gz"}
    assert json.loads(script({**lite, "snapshot": None}).split("var START = ")[1].split(";\n")[0])["snapshot"] is None
    assert script({**lite, "backends": ["lite", "binder"]}) == ""
    assert script({**lite, "backend": "server", "backends": ["server"]}) == ""
    assert script(lite, runtime=False) == ""


def altair_html(spec: dict, options: str = '{"mode": "vega-lite"}') -> str:
    # the shape of Altair's HTML output: a div, then a script that would fetch vega from a CDN and draw
    return ('<div id="altair-viz-0a1b2c"></div>\n<script type="text/javascript">\n'
            '  (function(spec, embedOpt){\n    const paths = {"vega-embed": "https://cdn.example.invalid/vega-embed"};\n'
            f'  }})({json.dumps(spec)}, {options});\n</script>')


def test_an_altair_html_output_becomes_a_chart_for_the_sites_vega():
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v4.8.1.json", "mark": "bar", "note": "})( in text"}
    big = {"content_type": "text/html", "path": "/chart.html"}
    for html_item, read in ((altair_html(spec), lambda p: None), (big, lambda p: altair_html(spec))):
        out = render_output({"output_type": "execute_result", "data": {"text/html": html_item,
                                                                        "text/plain": "alt.Chart(...)"}},
                            lambda p: p, read)
        assert 'data-mime="application/vnd.vegalite.v4+json"' in out and "cdn.example.invalid" not in out
        stored = out.split('<script type="application/json">')[1].split("</script>")[0]
        assert json.loads(stored) == spec
        assert "alt.Chart(...)" in out  # the text shows until vega has drawn it
    vega = render_output({"output_type": "display_data", "data": {"text/html": altair_html(
        {"$schema": "https://vega.github.io/schema/vega/v5.json", "marks": []}, '{"mode": "vega"}')}}, lambda p: p)
    assert 'data-mime="application/vnd.vega.v5+json"' in vega
    plain = render_output({"output_type": "display_data", "data": {"text/html": "<div id=\"x\"><script>1</script>"
                                                                               "</div>"}}, lambda p: p)
    assert 'data-mime="text/html"' in plain  # other HTML is left as it is


def test_a_site_whose_only_chart_is_altair_html_ships_vega():
    from mystlite.pages.charts import libraries_needed

    kept_as_file = altair_html({"mark": "bar"}).encode()  # mystmd's public/<hash>.html of a large output
    assert libraries_needed([b'{"mdast": {}}', kept_as_file], {}) == {"vega"}
    assert libraries_needed([b'{"mdast": {}}', b"<div>no chart</div>"], {}) == set()
