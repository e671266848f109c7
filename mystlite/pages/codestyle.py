"""Code highlighting colours: pygments' styles, with every colour made readable on the theme's code background
(WCAG contrast ≥ 4.5:1, what axe-core checks), in light and in dark."""

from __future__ import annotations

import re

LIGHT_STYLE, LIGHT_BACKGROUND = "friendly", "#f6f8fa"  # the theme's --code-bg in light and in dark
DARK_STYLE, DARK_BACKGROUND = "github-dark", "#161b22"
MIN_CONTRAST = 4.5
_COLOR = re.compile(r"(?<![-\w])color: (#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def _channels(color: str) -> tuple[float, float, float]:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    return tuple(int(color[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_channels(a)), _luminance(_channels(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(color: str, background: str) -> str:
    """color, moved towards black (or white, on a dark background) just far enough to reach MIN_CONTRAST."""
    if contrast(color, background) >= MIN_CONTRAST:
        return color
    target = 0.0 if _luminance(_channels(background)) > 0.5 else 1.0
    rgb = _channels(color)
    for step in range(1, 21):
        mixed = tuple(c + (target - c) * step / 20 for c in rgb)
        candidate = "#" + "".join(f"{round(c * 255):02x}" for c in mixed)
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return "#000000" if target == 0.0 else "#ffffff"


# CodeMirror's highlighting classes (lezer's classHighlighter) and the pygments token whose colour each takes,
# so the live editor looks like the page's highlighted code
EDITOR_TOKENS = {
    "tok-keyword": "Keyword", "tok-string": "Literal.String", "tok-string2": "Literal.String.Escape",
    "tok-comment": "Comment.Single", "tok-number": "Literal.Number", "tok-bool": "Keyword.Constant",
    "tok-null": "Keyword.Constant", "tok-operator": "Operator", "tok-className": "Name.Class",
    "tok-variableName.tok-definition": "Name.Function", "tok-typeName": "Name.Builtin",
    "tok-namespace": "Name.Namespace", "tok-meta": "Name.Decorator", "tok-atom": "Name.Builtin.Pseudo",
    "tok-invalid": "Error",
}


def editor_css(style: str, scope: str, background: str) -> str:
    from pygments.styles import get_style_by_name
    from pygments.token import string_to_tokentype

    rules = []
    chosen = get_style_by_name(style)
    for css_class, token in EDITOR_TOKENS.items():
        found = chosen.style_for_token(string_to_tokentype(token))
        declarations = []
        if found.get("color"):
            declarations.append("color: " + readable("#" + found["color"], background))
        if found.get("bold"):
            declarations.append("font-weight: bold")
        if found.get("italic"):
            declarations.append("font-style: italic")
        if declarations:
            rules.append(f"{scope} .cm-editor .{css_class} {{ {'; '.join(declarations)} }}")
    return "\n".join(rules)


def pygments_css() -> bytes:
    from pygments.formatters import HtmlFormatter

    def styled(style: str, scope: str, background: str) -> str:
        css = HtmlFormatter(style=style).get_style_defs(scope)
        # pygments adds unscoped line-number rules: the dark style's would override the light theme's
        css = "\n".join(line for line in css.splitlines() if line.startswith(scope) or scope == ".highlight")
        return _COLOR.sub(lambda m: "color: " + readable(m.group(1), background), css)

    # the dark style's own background is replaced by the theme's code background (mystlite.css)
    return "\n".join([
        styled(LIGHT_STYLE, ".highlight", LIGHT_BACKGROUND),
        styled(DARK_STYLE, ":root[data-theme='dark'] .highlight", DARK_BACKGROUND),
        editor_css(LIGHT_STYLE, ":root", LIGHT_BACKGROUND),
        editor_css(DARK_STYLE, ":root[data-theme='dark']", DARK_BACKGROUND), ""]).encode()
