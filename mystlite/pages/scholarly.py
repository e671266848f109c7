"""Scholarly nodes: citations and the references list, proofs and theorems, exercises and solutions.

mystmd resolves them (numbers, labels, formatted references in the page's `references.cite`); this module
only gives them the markup readers know from MyST's own theme: "Theorem 1 (Neumann series)" in a box with a
link target, "(Doe & Roe, 2020; Smith, 2019)" linking to a References section at the end of the page.
"""

from __future__ import annotations

import re

from .nodes import folded as details_block

# prf:* kinds as mystmd writes them in proof.kind, and the heading each gets
PROOF_TITLES = {
    "proof": "Proof", "axiom": "Axiom", "lemma": "Lemma", "definition": "Definition", "criterion": "Criterion",
    "remark": "Remark", "conjecture": "Conjecture", "corollary": "Corollary", "algorithm": "Algorithm",
    "example": "Example", "property": "Property", "observation": "Observation", "proposition": "Proposition",
    "assumption": "Assumption", "theorem": "Theorem", "notation": "Notation",
}
_YEAR = re.compile(r"\((\d{4}[a-z]?|n\.d\.)\)")
_AUTHORS = re.compile(r"^(.*?)\s*\(\d{4}")


def short_reference(html_text: str) -> tuple[str, str]:
    """(authors, year) for an in-text citation, from mystmd's formatted reference (APA-like)."""
    import html as html_module

    text = re.sub(r"<[^>]+>", "", html_text or "")
    text = html_module.unescape(text)
    year = _YEAR.search(text)
    authors_part = _AUTHORS.match(text)
    names = []
    if authors_part:
        for person in re.split(r",\s*&\s*|\s*&\s*|(?<=\.),\s+", authors_part.group(1)):
            family = person.split(",")[0].strip()
            if family and family not in ("et al.", "…"):
                names.append(family)
    if len(names) > 2:
        shown = f"{names[0]} et al."
    elif len(names) == 2:
        shown = f"{names[0]} & {names[1]}"
    else:
        shown = names[0] if names else ""
    return shown, (year.group(1) if year else "")


def r_cite_group(node, ctx, esc, render):
    kind = node.get("kind", "parenthetical")
    parts = [render(child, ctx) for child in node.get("children") or []]
    joined = "; ".join(p for p in parts if p)
    return f'<span class="cite-group">{"(" + joined + ")" if kind == "parenthetical" else joined}</span>'


def r_cite(node, ctx, esc, render):
    label = node.get("label") or node.get("identifier") or ""
    data = ctx.citations.get(label)
    if data is None:
        return f'<span class="cite cite-missing">{esc(label)}</span>'
    ctx.cited.append(label)
    authors, year = short_reference(data.get("html", ""))
    if node.get("children"):
        text = "".join(render(c, ctx) for c in node["children"])
    elif node.get("kind") == "narrative":
        text = esc(f"{authors} ({year})" if authors else label)
    else:
        text = esc(f"{authors}, {year}" if authors else label)
        if node.get("prefix"):
            text = esc(node["prefix"]) + " " + text
        if node.get("suffix"):
            text += ", " + esc(node["suffix"])
    return f'<a class="cite" href="#cite-{esc(label)}">{text}</a>'


def references_section(ctx, esc, everything: bool = False) -> str:
    """The page's References: every cited entry (or, for {bibliography}, every entry mystmd gave)."""
    order = ctx.citation_order if everything else [l for l in ctx.citation_order if l in set(ctx.cited)]
    if not order:
        return ""
    items = "".join(f'<li id="cite-{esc(label)}">{ctx.citations[label].get("html", esc(label))}</li>'
                    for label in order if label in ctx.citations)
    return f'<section class="references" aria-labelledby="references-title"><h2 id="references-title">References</h2><ol>{items}</ol></section>'


def r_bibliography(node, ctx, esc, render):
    ctx.bibliography_shown = True
    return references_section(ctx, esc, everything=True)


def _title_parts(node, ctx, render):
    kids = node.get("children") or []
    title_node = next((c for c in kids if c.get("type") == "admonitionTitle"), None)
    title = "".join(render(c, ctx) for c in title_node.get("children") or []) if title_node else ""
    body = "".join(render(c, ctx) for c in kids if c is not title_node)
    return title, body


def _box(kind_class: str, node, heading: str, body: str, esc, folded: bool = False, data: str = "") -> str:
    ident = node.get("html_id") or node.get("identifier")
    id_attr = f' id="{esc(ident)}"' if ident else ""
    id_attr += data
    extra = [c for c in str(node.get("class") or "").split() if c != "dropdown"]
    classes = " ".join(["scholarly", kind_class, *extra])
    if folded:
        return details_block(f' class="{esc(classes)} dropdown"{id_attr}', "scholarly-title", heading, "scholarly-body", body)
    return (f'<div class="{esc(classes)}"{id_attr}><p class="scholarly-title">{heading}</p>'
            f'<div class="scholarly-body">{body}</div></div>')


def _heading(name: str, node, title: str, esc) -> str:
    number = f" {esc(node['enumerator'])}" if node.get("enumerated", True) and node.get("enumerator") else ""
    text = f"<strong>{esc(name)}{number}</strong>"
    return f"{text} ({title})" if title else text


def r_proof(node, ctx, esc, render):
    kind = str(node.get("kind") or "proof")
    title, body = _title_parts(node, ctx, render)
    if kind == "proof":  # a proof is not numbered; it ends with a tombstone
        heading = f"<strong>Proof</strong>{' (' + title + ')' if title else ''}"
        return _box("proof", node, heading, body + '<p class="qed" aria-label="end of proof">∎</p>', esc)
    name = PROOF_TITLES.get(kind, kind.replace("-", " ").title())
    folded = "dropdown" in str(node.get("class") or "").split()
    return _box(f"proof proof-{esc(kind)}", node, _heading(name, node, title, esc), body, esc, folded)


def r_exercise(node, ctx, esc, render):
    """An exercise; one with a hidden `check` cell gets the runner's feedback area and Reset, written at build
    time so that nothing moves when Python arrives."""
    outer, ctx.exercise = ctx.exercise, {}
    try:
        title, body = _title_parts(node, ctx, render)
        check = ctx.exercise.get("check")
    finally:
        ctx.exercise = outer
    folded = "dropdown" in str(node.get("class") or "").split()
    data = ""
    if check is not None:
        data = f' data-check="{check}"'
        ctx.checked_exercises.add(node.get("html_id") or node.get("identifier") or "")
        if ctx.compute:
            name = esc(node.get("enumerator") or "")
            body += (f'<div class="exercise-bar"><button class="reset-exercise" type="button" '
                     f'aria-label="Reset exercise {name} to its starting code">Reset exercise</button>'
                     f'<span class="exercise-attempts"></span></div>'
                     f'<div class="exercise-feedback" role="status" aria-live="polite"></div>')
    return _box("exercise", node, _heading("Exercise", node, title, esc), body, esc, folded, data)


def r_solution(node, ctx, esc, render):
    """"Solution to Exercise 3", linking to the exercise; `:class: dropdown` folds it."""
    title, body = _title_parts(node, ctx, render)  # mystmd's title already reads "Solution to Exercise 3"
    heading = f"<strong>{title}</strong>" if title else "<strong>Solution</strong>"
    target = _solved_exercise(node)
    # a checked exercise's solution stays folded: the reader tries first
    folded = "dropdown" in str(node.get("class") or "").split() or target in ctx.checked_exercises
    return _box("solution", node, heading, body, esc, folded,
                f' data-exercise="{esc(target)}"' if target else "")


def _solved_exercise(node) -> str | None:
    """The html id of the exercise a solution is for: its title's cross-reference."""
    stack = list(node.get("children") or [])
    while stack:
        child = stack.pop(0)
        if child.get("type") == "crossReference" and child.get("kind") == "exercise":
            return child.get("html_id") or child.get("identifier")
        if child.get("type") == "admonitionTitle":
            stack[:0] = child.get("children") or []
    return None
