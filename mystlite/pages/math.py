"""Math made at build time: KaTeX markup with the site's own KaTeX fonts, or MathML; nothing runs in the page."""

from __future__ import annotations

import html
import re

_MATHML = re.compile(r"<math\b.*?</math>", re.DOTALL)


def math_html(tex: str, display: bool, mystmd_html: str | None = None, katex: bool = False) -> str:
    """mystmd's KaTeX markup when the site ships KaTeX's stylesheet and fonts (`katex`), else MathML for
    TeX: mystmd's KaTeX output carries it, or latex2mathml makes it."""
    if katex and mystmd_html:
        return f'<div class="math-display">{mystmd_html}</div>' if display else mystmd_html
    mathml = None
    if mystmd_html:
        found = _MATHML.search(mystmd_html)
        mathml = found.group(0) if found else None
    if mathml is None:
        try:
            import latex2mathml.converter

            mathml = latex2mathml.converter.convert(tex)
        except Exception:  # unsupported TeX: show the source rather than nothing
            return f'<code class="math-source">{html.escape(tex)}</code>'
    if display:
        if 'display="block"' not in mathml.split(">", 1)[0]:
            mathml = mathml.replace("<math", '<math display="block"', 1)
        return f'<div class="math-display">{mathml}</div>'
    return f'<span class="math-inline">{mathml}</span>'
