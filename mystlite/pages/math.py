"""Math as MathML, made at build time: browsers render it natively, so nothing is loaded at run time."""

from __future__ import annotations

import html
import re

_MATHML = re.compile(r"<math\b.*?</math>", re.DOTALL)


def math_html(tex: str, display: bool, mystmd_html: str | None = None) -> str:
    """MathML for TeX. mystmd's KaTeX output already carries MathML; otherwise latex2mathml makes it."""
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
