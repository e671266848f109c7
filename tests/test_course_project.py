"""A course shaped like real MyST projects (tests/projects/course): it builds unchanged, every node renders
as MyST's own theme shows it, and every link resolves with `folders: true`, at / and under a subpath."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import COURSE
from linkcheck import crawl
from mystlite.log import Reporter
from mystlite.site import build_site

pytestmark = pytest.mark.build


def page(course, path: str) -> str:
    return (course[0].output / path / "index.html").read_text()


def test_folders_give_nested_urls_and_relative_links(course):
    site, _ = course
    assert (site.output / "lectures" / "vectors" / "index.html").is_file()
    vectors = page(course, "lectures/vectors")
    assert 'href="../../_static/mystlite.css"' in vectors
    assert '<a href="../../lectures/matrices/">Matrices</a>' in vectors
    index = page(course, "")
    assert 'href="lectures/matrices/"' in index
    assert 'href="lectures/">the lectures</a>' in index  # a folder's index.md is the folder's own page
    assert "The lectures:" in page(course, "lectures")
    assert 'href="lectures/vectors/#thm-neumann"' in index


def test_book_theme_is_replaced_by_ours_with_one_info_line(course):
    _, reporter = course
    assert not [w for w in reporter.warnings if "site.template" in w]
    assert 'class="cell' in page(course, "lectures/matrices")  # our template: run buttons on compute pages


def test_citations_and_references(course):
    index = page(course, "")
    assert re.search(r'<a class="cite" href="#cite-strang2016">Strang \(2016\)</a>', index)
    assert ('(<a class="cite" href="#cite-halmos1958">Halmos, 1958</a>; '
            '<a class="cite" href="#cite-axler2015">Axler, 2015</a>)') in index
    references = index[index.index('<section class="references"'):index.index("</section>")]
    assert references.count("<li id=") == 3 and "<i>Linear Algebra Done Right</i>" in references
    footnotes = index[index.index('<section class="footnotes">'):]
    assert '<li id="fn-where" value="1"><p>Mostly.</p> <a class="footnote-back" href="#fnref-where"' in footnotes
    assert index.count('id="cite-axler2015"') == 1
    matrices = page(course, "lectures/matrices")  # a page without {bibliography} gets its cited references
    assert 'id="cite-axler2015"' in matrices and 'id="cite-strang2016"' not in matrices


def test_proofs_exercises_and_solutions(course):
    vectors = page(course, "lectures/vectors")
    assert re.search(r'id="thm-neumann"><p class="scholarly-title"><strong>Theorem 1</strong> \(Neumann series\)',
                     vectors)
    assert "<strong>Definition 1</strong> (Vector space)" in vectors
    assert "<strong>Lemma 1</strong>" in vectors and "<strong>Proof</strong>" in vectors
    assert re.search(r'id="ex-norm"><p class="scholarly-title"><strong>Exercise 1</strong>', vectors)
    solution = vectors[vectors.index('<details class="scholarly solution'):]
    assert solution.startswith('<details class="scholarly solution dropdown"')  # :class: dropdown folds it
    # the summary names the exercise without a link (a link inside a summary is a control inside a control);
    # the link opens the solution's body
    assert '<summary class="scholarly-title"><strong>Solution to <span class="summary-ref">Exercise\u00a01</span>' \
           '</strong></summary><div class="scholarly-body"><p class="summary-links"><a class="xref" ' \
           'href="#ex-norm">Exercise\u00a01</a></p>' in solution
    assert 'href="#thm-neumann">Theorem\u00a01</a>' in vectors and 'href="#eq-det">(1)</a>' in vectors


def test_math_uses_self_hosted_katex(course):
    site, _ = course
    vectors = page(course, "lectures/vectors")
    assert 'href="../../_static/katex/katex.min.css"' in vectors
    assert 'class="katex"' in vectors and "mathbb" in vectors
    css = (site.output / "_static/katex/katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css))
    assert fonts and all(f.endswith(".woff2") for f in fonts)
    assert all((site.output / "_static/katex" / f).is_file() for f in fonts)
    assert "katex.min.css" not in page(course, "glossary")  # only pages with math load it


def test_demo_diagram_video_tabs_and_chrome(course):
    site, _ = course
    index = page(course, "")
    demo = index[index.index('<div class="myst-demo">'):]
    assert "A *demo* of MyST source" in demo.split('<div class="myst-demo-result">')[0]
    assert '<aside class="admonition admonition-note"' in demo and "<em>demo</em>" in demo
    assert '<pre class="mermaid">graph LR' in index and "_static/mermaid/mermaid.min.js" in index
    assert (site.output / "_static/mermaid/mermaid.min.js").stat().st_size > 1_000_000
    assert "mermaid.min.js" not in page(course, "glossary")
    assert re.search(r'<video class="video" controls preload="metadata"[^>]*><source src="build/clip-[0-9a-f]+\.mp4" '
                     r'type="video/mp4">', index)
    assert index.count('role="tab"') == 8
    assert re.search(r'<img class="logo logo-light" src="build/logo-[0-9a-f]+\.svg"', index)
    assert re.search(r'<link rel="icon" href="build/logo-[0-9a-f]+\.svg">', index)
    assert re.search(r'<link rel="stylesheet" href="build/custom-[0-9a-f]+\.css">', index)
    assert '<footer class="site-footer"><p>© Example University. Built with mystlite.</p></footer>' in index
    assert '<a href="lectures/vectors/">Lectures</a>' in index  # site.nav
    assert '<a class="button action" href="https://example.org/source" rel="noopener">Source</a>' in index
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in index and "Example University</li>" in index
    assert re.search(r'<a class="button download" href="build/references-[0-9a-f]+\.bib" download>'
                     r'The bibliography</a>', index)
    matrices = page(course, "lectures/matrices")
    assert 'href="../../lite/files/lectures/matrices.ipynb" download>Download notebook</a>' in matrices


def test_glossary_terms_link(course):
    index = page(course, "")
    assert 'href="glossary/#term-vector-space"' in index
    assert 'id="term-vector-space"' in page(course, "glossary")


@pytest.mark.parametrize("base_url", ["/", "/course/"])
def test_every_link_of_the_course_resolves(tmp_path, download_cache, serve, base_url):
    root = tmp_path / "course"
    shutil.copytree(COURSE, root)
    site = build_site(root, Reporter(quiet=True), cache_dir=download_cache, base_url=base_url)
    served = serve(site.output, base_url)
    pages, broken = crawl(served.url())
    assert broken == []
    assert len(pages) == 5


# node types that render to nothing on purpose: comments, raw cells for other formats, and notes gathered
# at the end of the page (a bibliography needs the page's references: test_citations_and_references)
SILENT = {"comment", "mystComment", "raw", "footnotes", "footnoteDefinition", "bibliography"}


def test_every_node_type_mystmd_emits_renders_something(course):
    import json

    from mystlite.pages.nodes import RENDERERS, RenderContext, render

    site, reporter = course
    assert not [w for w in reporter.warnings if "unknown MyST node" in w]
    content = site.project.root / "_build/.mystlite/pages-src/_build/site/content"
    seen: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            seen.setdefault(node.get("type"), node)
            for child in node.get("children") or []:
                walk(child)

    for page_json in content.glob("*.json"):
        walk(json.loads(page_json.read_text())["mdast"])
    assert len(seen) > 25
    empty = []
    for kind, node in sorted(seen.items()):
        assert kind in RENDERERS, f"{kind} has no renderer"
        ctx = RenderContext(url=lambda u: u, asset=lambda p: p)
        if kind not in SILENT and not render(node, ctx).strip():
            empty.append(kind)
    assert empty == []
