"""myst-spec nodes (mystmd's page JSON) → HTML. One small function per node type.

An unknown node renders as its children, and its type is reported, so a page never goes blank.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from .math import math_html
from .outputs import render_output

_FORMATTER = HtmlFormatter(nowrap=True)
ADMONITION_TITLES = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "attention": "Attention",
                     "caution": "Caution", "warning": "Warning", "danger": "Danger", "error": "Error",
                     "seealso": "See also", "admonition": "Note"}


@dataclass
class RenderContext:
    url: Callable[[str], str]  # an internal page URL ("/explore#x") → a relative site URL
    asset: Callable[[str], str]  # a mystmd public path ("/abc.png") → a relative site URL
    unknown: set[str] = field(default_factory=set)
    footnote_defs: list[tuple[str, str, str]] = field(default_factory=list)  # (id, label, html)
    footnote_refs: set[str] = field(default_factory=set)
    cells: int = 0
    compute: bool = False  # the page runs its cells in the browser: its controls are written at build time
    runnable: int = 0  # executable cells so far
    executed: list | None = None  # build-time outputs per executable cell (None in a slot: keep the stored ones)
    executed_cells: int = 0  # executable cells so far, counted against `executed`
    tab_sets: int = 0
    citations: dict[str, dict] = field(default_factory=dict)  # the page's references.cite.data
    references: dict[str, str] = field(default_factory=dict)  # project.references: key -> documentation URL
    citation_order: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    bibliography_shown: bool = False
    demos: dict[str, dict] = field(default_factory=dict)  # {myst} demo source -> its mdast, made by mystmd
    mermaid: bool = False  # the page has a diagram: load the self-hosted mermaid
    katex: bool = False  # the site ships KaTeX's stylesheet and fonts: use mystmd's KaTeX markup
    anywidget: bool = False  # the page has an {anywidget}: load the script that renders them
    read_asset: Callable[[str], str | None] = lambda path: None  # the text of a mystmd public file
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # (depth, id, text) for the outline
    code_index: int = 0  # executable cells so far, hidden checks included: the page_cells order
    exercise: dict | None = None  # the exercise being rendered: {"check": index of its check cell}
    checks: dict[int, str] = field(default_factory=dict)  # check cell index -> its code (never in the HTML)
    checked_exercises: set[str] = field(default_factory=set)  # ids of exercises with a check: solutions fold


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def children(node: dict, ctx: RenderContext) -> str:
    return "".join(render(child, ctx) for child in node.get("children") or [])


def text_of(node: dict) -> str:
    if "value" in node and not node.get("children"):
        return str(node["value"])
    return "".join(text_of(c) for c in node.get("children") or [])


def attrs(node: dict, *classes: str) -> str:
    names = [c for c in classes if c]
    extra = node.get("class")
    if extra:
        names.extend(str(extra).split())
    out = f' class="{esc(" ".join(names))}"' if names else ""
    ident = node.get("html_id") or node.get("identifier") if node.get("type") not in ("link", "crossReference") else None
    if ident and node.get("type") not in ("footnoteReference", "footnoteDefinition"):
        out += f' id="{esc(ident)}"'
    if isinstance(node.get("style"), dict) and node.get("type") not in ("image", "tableCell"):  # they add theirs
        out += style_attr(node["style"])
    return out


def style_attr(style: dict, *rules: str) -> str:
    """CSS a node carries as an object (plugins and raw HTML make such spans, divs and cells; myst-theme hands it
    to React), with React's names (fontFamily, WebkitBackgroundClip, msTransform) or CSS's own, after `rules`."""
    def css_name(name: str) -> str:
        if name.startswith("--") or "-" in name:
            return name
        name = re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)
        return "-" + name if name.startswith("ms-") else name

    rules = (*rules, *(f"{css_name(str(name))}: {value}" for name, value in style.items()
                       if isinstance(value, (str, int, float)) and not isinstance(value, bool)))
    return f' style="{esc("; ".join(rules))}"' if rules else ""


def highlight_code(code: str, lang: str | None) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(code, lexer, _FORMATTER)


# ---- node renderers --------------------------------------------------------------------------------------


def r_text(node, ctx):
    return esc(node.get("value", ""))


def r_heading(node, ctx):
    depth = min(max(int(node.get("depth", 2)), 1), 6)
    ident = node.get("html_id") or node.get("identifier")
    if ident and depth <= 3:
        ctx.headings.append((depth, str(ident), text_of(node)))
    anchor = f'<a class="anchor" href="#{esc(ident)}" aria-label="Link to this section">#</a>' if ident else ""
    return f"<h{depth}{attrs(node)}>{children(node, ctx)}{anchor}</h{depth}>"


def r_link(node, ctx):
    url = node.get("url", "")
    href = ctx.url(url) if node.get("internal") or url.startswith("/") else url
    if url.startswith("xref:"):  # a cross-reference mystmd could not resolve (its inventory never fetched)
        key = re.split(r"[#/]", url[5:], maxsplit=1)[0]
        href = ctx.references.get(key, href)
    external = "" if node.get("internal") or href.startswith(("#", ".")) else ' rel="noopener"'
    return f'<a href="{esc(href)}"{external}>{children(node, ctx) or esc(url)}</a>'


def r_cross_reference(node, ctx):
    url = node.get("url")
    target = node.get("html_id") or node.get("identifier") or ""
    if url and target and "#" not in url:  # a reference to a target on another page
        url = f"{url}#{target}"
    href = ctx.url(url) if url else f"#{target}"
    return f'<a class="xref" href="{esc(href)}">{children(node, ctx) or esc(node.get("label", ""))}</a>'


def r_code(node, ctx):
    code = node.get("value", "")
    lang = node.get("lang")
    caption = ""
    if node.get("filename"):
        caption = f'<div class="code-filename">{esc(node["filename"])}</div>'
    body = f'<pre class="highlight" data-lang="{esc(lang or "")}"><code>{highlight_code(code, lang)}</code></pre>'
    return f'<div{attrs(node, "code-block")}>{caption}{body}</div>'


def r_block(node, ctx):
    if node.get("visibility") == "remove":
        return ""
    if node.get("visibility") == "hide":
        return _fold(r_block({**node, "visibility": "show"}, ctx), node, "Show")
    if node.get("kind") == "notebook-code":
        return r_cell(node, ctx)
    if node.get("kind") == "notebook-content":
        return f'<div class="notebook-content">{children(node, ctx)}</div>'
    return f"<div{attrs(node, 'block')}>{children(node, ctx)}</div>" if node.get("class") else children(node, ctx)


def r_cell(node, ctx):
    """A notebook code cell: its code and stored outputs (the in-page runtime finds it by class)."""
    index = ctx.cells
    ctx.cells += 1
    code = next((c for c in node.get("children", []) if c.get("type") == "code"), None)
    outputs = next((c for c in node.get("children", []) if c.get("type") == "outputs"), None)
    rest = [c for c in node.get("children", []) if c is not code and c is not outputs]
    executable = bool(code and code.get("executable"))
    if executable:
        ctx.code_index += 1
        tags = (node.get("data") or {}).get("tags") or []
        if ctx.exercise is not None and "check" in tags and "check" not in ctx.exercise:
            # an exercise's check: never shown; the runner loads it from a file of its own
            ctx.exercise["check"] = ctx.code_index - 1
            ctx.checks[ctx.code_index - 1] = code.get("value", "")
            if ctx.executed is not None:
                ctx.executed_cells += 1
            ctx.cells += 1
            return ""
    source = _fold(r_code(code, ctx), code, "Show code") if code else ""
    rendered = render(outputs, ctx) if outputs else '<div class="cell-outputs"></div>'
    if executable and ctx.executed is not None:
        fresh = ctx.executed[ctx.executed_cells] if ctx.executed_cells < len(ctx.executed) else None
        ctx.executed_cells += 1
        if fresh is not None:  # what the cell printed when the site was built, in pyodide
            rendered = ('<div class="cell-outputs">'
                        + "".join(render_output(o, ctx.asset, ctx.read_asset) for o in fresh) + "</div>")
    if outputs and outputs.get("visibility") == "hide":
        rendered = rendered.replace('<div class="cell-outputs">', '<details class="cell-fold"><summary>Show output'
                                    '</summary><div class="cell-outputs">', 1) + "</details>"
    elif outputs and outputs.get("visibility") == "remove":
        rendered = '<div class="cell-outputs" hidden></div>'
    tail = "".join(render(c, ctx) for c in rest)
    flag = ' data-executable="true"' if executable else ""
    if executable and ctx.compute:  # the runtime's controls are in the page from the start: nothing shifts
        ctx.runnable += 1
        source = (f'<div class="cell-toolbar"><button class="run-cell" type="button" title="Run this cell '
                  f'(Shift+Enter)" aria-label="Run cell {ctx.runnable}">▶ Run</button><span class="cell-count">'
                  f'</span></div>') + source
    hidden = " hidden" if code and code.get("visibility") == "remove" else ""  # still run by "Run all"
    return (f'<div class="cell" data-cell-index="{index}"{flag}><div class="cell-input"{hidden}>{source}</div>'
            f"{rendered}{tail}</div>")


def _fold(html: str, node: dict, label: str) -> str:
    """mystmd's `visibility: hide` (the hide-input/hide-output tags): folded, one click away."""
    if node.get("visibility") == "hide":
        return f'<details class="cell-fold"><summary>{label}</summary>{html}</details>'
    return html


def r_outputs(node, ctx):
    return f'<div class="cell-outputs">{children(node, ctx)}</div>'


def r_output(node, ctx):
    data = node.get("jupyter_data")
    return render_output(data, ctx.asset, ctx.read_asset) if data else children(node, ctx)


VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg", ".mov": "video/quicktime"}


def r_image(node, ctx):
    url = node.get("url", "")
    if url in ("", "/undefined") and str(node.get("urlSource", "")).startswith(("http://", "https://")):
        url = node["urlSource"]  # mystmd could not download it (offline): keep the author's link
    src = ctx.asset(url) if url.startswith("/") else url
    suffix = "." + url.rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
    if suffix in VIDEO_TYPES:
        return (f'<video{attrs(node, "video")} controls preload="metadata" title="{esc(node.get("alt", ""))}">'
                f'<source src="{esc(src)}" type="{VIDEO_TYPES[suffix]}"><a href="{esc(src)}">'
                f'{esc(node.get("urlSource") or url)}</a></video>')  # mystmd's name of its copy is per folder
    size = "".join(f' {k}="{esc(node[k])}"' for k in ("width", "height") if node.get(k))
    style = f' style="width: {esc(node["width"])}"' if node.get("width") and "%" in str(node["width"]) else ""
    return f'<img{attrs(node, "image")} src="{esc(src)}" alt="{esc(node.get("alt", ""))}"{size}{style} loading="lazy">'


def r_container(node, ctx):
    return f'<figure{attrs(node, node.get("kind", "figure"))}>{children(node, ctx)}</figure>'


def r_caption(node, ctx):
    return f"<figcaption>{children(node, ctx)}</figcaption>"


def r_caption_number(node, ctx):
    return f'<span class="caption-number">{children(node, ctx)}</span> '


def r_list(node, ctx):
    tag = "ol" if node.get("ordered") else "ul"
    start = f' start="{int(node["start"])}"' if node.get("ordered") and node.get("start") not in (None, 1) else ""
    return f"<{tag}{attrs(node)}{start}>{children(node, ctx)}</{tag}>"


def r_list_item(node, ctx):
    checkbox = ""
    if node.get("checked") is not None:
        checkbox = f'<input type="checkbox" disabled{" checked" if node["checked"] else ""}> '
    return f"<li>{checkbox}{children(node, ctx)}</li>"


def r_table(node, ctx):
    return f'<div class="table-wrap"><table{attrs(node)}>{children(node, ctx)}</table></div>'


def r_table_cell(node, ctx):
    tag = "th" if node.get("header") else "td"
    span = "".join(f' {k}="{int(node[k])}"' for k in ("colspan", "rowspan") if node.get(k))
    style = style_attr(node.get("style") if isinstance(node.get("style"), dict) else {},
                       *([f"text-align: {node['align']}"] if node.get("align") else []))
    return f"<{tag}{span}{style}>{children(node, ctx)}</{tag}>"


def r_math(node, ctx):
    label = f'<span class="equation-number">({esc(node["enumerator"])})</span>' if node.get("enumerator") else ""
    body = math_html(node.get("value", ""), True, node.get("html"), ctx.katex)
    ident = node.get("html_id") or node.get("identifier")
    return f'<div class="equation"{f" id={chr(34)}{esc(ident)}{chr(34)}" if ident else ""}>{body}{label}</div>'


def r_inline_math(node, ctx):
    return math_html(node.get("value", ""), False, node.get("html"), ctx.katex)


def r_admonition(node, ctx):
    kind = node.get("kind", "note")
    kids = node.get("children") or []
    title_node = next((c for c in kids if c.get("type") == "admonitionTitle"), None)
    title = children(title_node, ctx) if title_node else esc(ADMONITION_TITLES.get(kind, kind.title()))
    body = "".join(render(c, ctx) for c in kids if c is not title_node)
    classes = str(node.get("class") or "").split()
    ident = node.get("html_id") or node.get("identifier")
    id_attr = f' id="{esc(ident)}"' if ident else ""
    if "dropdown" in classes or node.get("open") is False:
        return folded(f' class="admonition admonition-{esc(kind)} dropdown"{id_attr}', "admonition-title", title,
                      "admonition-body", body)
    return (f'<aside class="admonition admonition-{esc(kind)}" role="note"{id_attr}><p class="admonition-title">{title}</p>'
            f'<div class="admonition-body">{body}</div></aside>')


_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)


def folded(attributes: str, summary_class: str, title: str, body_class: str, body: str, open_: bool = False) -> str:
    """<details> whose summary holds no link (a control inside a control: keyboards and screen readers can't reach
    it); links in the title move to the top of the body, where they work."""
    links = [m.group(0) for m in _LINK.finditer(title)]
    title = _LINK.sub(r'<span class="summary-ref">\1</span>', title)
    if links:
        body = f'<p class="summary-links">{" · ".join(links)}</p>' + body
    summary = f'<summary class="{summary_class}">' if summary_class else "<summary>"
    body = f'<div class="{body_class}">{body}</div>' if body_class else body
    return f'<details{attributes}{" open" if open_ else ""}>{summary}{title}</summary>{body}</details>'


def r_details(node, ctx):
    kids = node.get("children") or []
    summary = next((c for c in kids if c.get("type") == "summary"), None)
    head = children(summary, ctx) if summary else "Details"
    body = "".join(render(c, ctx) for c in kids if c is not summary)
    return folded(attrs(node, "dropdown"), "", head, "", body, bool(node.get("open")))


def r_footnote_reference(node, ctx):
    ident = esc(node.get("identifier", ""))
    if ident in ctx.footnote_refs:  # a second reference to the same note: the back link goes to the first
        label = esc(node.get("enumerator") or node.get("label") or ident)
        return f'<sup class="footnote-ref"><a href="#fn-{ident}">{label}</a></sup>'
    ctx.footnote_refs.add(ident)
    label = esc(node.get("enumerator") or node.get("label") or ident)
    return f'<sup class="footnote-ref" id="fnref-{ident}"><a href="#fn-{ident}">{label}</a></sup>'


def r_footnote_definition(node, ctx):
    ident = esc(node.get("identifier", ""))
    label = esc(node.get("enumerator") or node.get("label") or ident)
    ctx.footnote_defs.append((ident, label, children(node, ctx)))
    return ""


def footnotes_list(ctx) -> list[str]:
    """The page's footnotes; only those referenced on the page link back (an included file may bring more)."""
    items = []
    for ident, label, body in ctx.footnote_defs:
        back = (f' <a class="footnote-back" href="#fnref-{ident}" aria-label="Back to the text">↩</a>'
                if ident in ctx.footnote_refs else "")
        items.append(f'<li id="fn-{ident}" value="{label}">{body}{back}</li>')
    return items


def r_tab_set(node, ctx):
    tabs = [c for c in node.get("children") or [] if c.get("type") == "tabItem"]
    ctx.tab_sets += 1
    group = f"tabs-{ctx.tab_sets}"
    heads, panels = [], []
    for i, tab in enumerate(tabs):
        selected = tab.get("selected") or (i == 0 and not any(t.get("selected") for t in tabs))
        heads.append(f'<button class="tab-label" role="tab" aria-selected="{str(bool(selected)).lower()}" '
                     f'data-tab="{group}-{i}">{esc(tab.get("title", f"Tab {i + 1}"))}</button>')
        panels.append(f'<div class="tab-panel" role="tabpanel" id="{group}-{i}"{"" if selected else " hidden"}>'
                      f"{children(tab, ctx)}</div>")
    return f'<div class="tab-set"><div class="tab-labels" role="tablist">{"".join(heads)}</div>{"".join(panels)}</div>'


def r_card(node, ctx):
    url = node.get("url")
    inner = children(node, ctx)
    if url:
        href = ctx.url(url) if url.startswith("/") else url
        return f'<a{attrs(node, "card card-link")} href="{esc(href)}">{inner}</a>'
    return f"<div{attrs(node, 'card')}>{inner}</div>"


def r_grid(node, ctx):
    columns = node.get("columns") or [1]
    count = columns[-1] if isinstance(columns, list) and columns else 1
    return f'<div{attrs(node, "grid")} style="--grid-columns: {int(count)}">{children(node, ctx)}</div>'


def r_html(node, ctx):
    return str(node.get("value", ""))


def r_abbreviation(node, ctx):
    return f'<abbr title="{esc(node.get("title", ""))}">{children(node, ctx)}</abbr>'


def r_target(node, ctx):
    return f'<span id="{esc(node.get("html_id") or node.get("label", ""))}"></span>'


def r_skip(node, ctx):
    return ""


def tag(name: str, *classes: str) -> Callable:
    def render_tag(node, ctx):
        return f"<{name}{attrs(node, *classes)}>{children(node, ctx)}</{name}>"

    return render_tag


def r_inline_code(node, ctx):
    return f"<code>{esc(node.get('value', ''))}</code>"


def r_break(node, ctx):
    return "<br>"


def r_thematic_break(node, ctx):
    return "<hr>"


def r_iframe(node, ctx):
    return f'<iframe src="{esc(node.get("src", ""))}" loading="lazy" title="embedded content"></iframe>'


def r_myst_demo(node, ctx):
    """MyST source next to what it renders to (mystmd parsed the demo as a page of its own)."""
    source = str(node.get("value", ""))
    rendered = ctx.demos.get(source)
    page_url = ctx.url  # the demo was parsed as a page of its own: its internal links stay on this page
    ctx.url = lambda target: "#" + target.partition("#")[2] if target.lstrip("/").startswith("demo-") else page_url(target)
    try:
        result = render(rendered, ctx) if rendered else '<p class="myst-demo-missing">(not rendered)</p>'
    finally:
        ctx.url = page_url
    return (f'<div class="myst-demo"><div class="myst-demo-source"><pre class="highlight"><code>{esc(source)}'
            f'</code></pre></div><div class="myst-demo-result">{result}</div></div>')


def r_mermaid(node, ctx):
    ctx.mermaid = True
    return f'<pre class="mermaid">{esc(node.get("value", ""))}</pre>'


def r_anywidget(node, ctx):
    """An `{anywidget}`: its module is loaded by the page (from the site when mystmd could copy it)."""
    import json

    ctx.anywidget = True
    esm = str(node.get("esm") or "")
    css = str(node.get("css") or "")
    esm_url = ctx.asset(esm) if esm.startswith("/") else esm
    css_attr = f' data-css="{esc(ctx.asset(css) if css.startswith("/") else css)}"' if css else ""
    model = esc(json.dumps(node.get("model") or {}))
    return (f'<div class="anywidget" data-esm="{esc(esm_url)}"{css_attr} data-model="{model}">'
            f'<p class="anywidget-loading">Loading the widget…</p></div>')


def r_myst_directive(node, ctx):
    """A directive mystmd does not know: never silently lost, shown as its source (and warned about)."""
    name = str(node.get("name", "?"))  # mystmd itself warns with file:line
    head = f"```{{{name}}}" + (f" {node['args']}" if node.get("args") else "")
    source = "\n".join([head, *(f":{k}: {v}" for k, v in (node.get("options") or {}).items()),
                        str(node.get("value") or ""), "```"])
    return (f'<div class="unknown-directive" role="note"><p class="unknown-directive-title">Unknown directive '
            f'<code>{esc(name)}</code></p><pre><code>{esc(source)}</code></pre></div>')


def r_myst_role(node, ctx):
    return f'<code class="unknown-role">{{{esc(node.get("name", "?"))}}}`{esc(node.get("value", ""))}`</code>'


def r_inline_expression(node, ctx):
    """`{eval}` and inline expressions: the stored result when the page was executed, else the expression."""
    result = node.get("result") or {}
    data = result.get("data") or {}
    if "text/html" in data:
        return f'<span class="expression">{data["text/html"]}</span>'
    if "text/plain" in data:
        return f'<span class="expression">{esc(data["text/plain"])}</span>'
    return f'<code class="expression">{esc(node.get("value", ""))}</code>'


def _scholarly(name: str) -> Callable:
    from . import scholarly

    function = getattr(scholarly, name)
    return lambda node, ctx: function(node, ctx, esc, render)


RENDERERS: dict[str, Callable] = {
    "root": children, "text": r_text, "paragraph": tag("p"), "heading": r_heading, "strong": tag("strong"),
    "emphasis": tag("em"), "underline": tag("u"), "delete": tag("del"), "subscript": tag("sub"),
    "superscript": tag("sup"), "smallcaps": tag("span", "smallcaps"), "inlineCode": r_inline_code,
    "link": r_link, "crossReference": r_cross_reference, "list": r_list, "listItem": r_list_item,
    "blockquote": tag("blockquote"), "code": r_code, "block": r_block, "outputs": r_outputs,
    "output": r_output, "image": r_image, "container": r_container, "caption": r_caption,
    "captionNumber": r_caption_number, "legend": tag("div", "legend"), "table": r_table, "tableRow": tag("tr"),
    "tableCell": r_table_cell, "math": r_math, "inlineMath": r_inline_math, "admonition": r_admonition,
    "admonitionTitle": tag("p", "admonition-title"), "details": r_details, "summary": tag("span"),
    "footnoteReference": r_footnote_reference, "footnoteDefinition": r_footnote_definition,
    "definitionList": tag("dl"), "definitionTerm": tag("dt"), "definitionDescription": tag("dd"),
    "tabSet": r_tab_set, "tabItem": tag("div", "tab-panel"), "card": r_card, "cardTitle": tag("div", "card-title"),
    "header": tag("div", "card-header"), "footer": tag("div", "card-footer"), "grid": r_grid,
    "html": r_html, "abbreviation": r_abbreviation, "mystTarget": r_target, "comment": r_skip,
    "mystComment": r_skip, "break": r_break, "thematicBreak": r_thematic_break, "div": tag("div"),
    "span": tag("span"), "aside": tag("aside", "margin"), "keyboard": tag("kbd"),
    "embed": children, "include": children, "mystDirective": r_myst_directive,
    "mystRole": r_myst_role, "iframe": r_iframe, "glossary": tag("div", "glossary"), "si": r_text,
    "footnotes": r_skip, "raw": r_skip, "myst": r_myst_demo, "mermaid": r_mermaid,
    "inlineExpression": r_inline_expression, "anywidget": r_anywidget, "grid-item": tag("div", "grid-item"),
    "cite": _scholarly("r_cite"), "citeGroup": _scholarly("r_cite_group"), "bibliography": _scholarly("r_bibliography"),
    "proof": _scholarly("r_proof"), "exercise": _scholarly("r_exercise"), "solution": _scholarly("r_solution"),
}


# nodes whose identifier names something else (the target), not themselves
REFERRING = frozenset({"link", "crossReference", "cite", "footnoteReference", "footnoteDefinition", "captionNumber"})


def render(node: dict | None, ctx: RenderContext) -> str:
    if not node:
        return ""
    kind = node.get("type", "")
    renderer = RENDERERS.get(kind)
    if renderer is None:
        ctx.unknown.add(str(kind))
        out = children(node, ctx)
    else:
        out = renderer(node, ctx)
    ident = node.get("html_id") or (node.get("identifier") if node.get("label") else None)
    if ident and kind not in REFERRING and f'id="{esc(ident)}"' not in out:
        out = f'<span id="{esc(ident)}"></span>{out}'  # every label is a link target, whatever the node
    return out
