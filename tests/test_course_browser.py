"""The course project in headless Chromium, offline: diagrams are drawn by the site's own mermaid, math uses
the site's KaTeX fonts, and the offline search finds a theorem."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]


def test_diagram_math_and_search_work_offline(course, serve, offline_page):
    site, _ = course
    served = serve(site.output, "/course/")
    page = offline_page()
    page.page.goto(served.url(""))
    page.page.wait_for_selector("pre.mermaid svg", timeout=15000)  # mermaid replaced the source with a drawing
    assert "Vectors" in page.page.locator("pre.mermaid svg").text_content()
    page.page.goto(served.url("lectures/vectors/"))
    page.page.wait_for_load_state("networkidle")
    fonts = [r for r in page.requests if r.endswith(".woff2")]
    assert fonts and all("/course/_static/katex/fonts/" in f for f in fonts)
    width = page.page.evaluate("document.querySelector('.katex .mathbb, .katex .amsrm')?.getBoundingClientRect().width")
    assert width and width > 5  # the blackboard R is drawn with KaTeX's AMS font
    page.page.keyboard.press("/")
    page.page.keyboard.type("Neumann series")
    page.page.wait_for_function("document.querySelector('.search-results a')?.textContent.startsWith('Vectors')")
    link = page.page.locator(".search-results a").first
    assert link.inner_text().startswith("Vectors")
    link.click()
    page.page.wait_for_load_state()
    assert page.page.url.startswith(served.url("lectures/vectors/"))
    page.assert_offline()
    assert page.console_errors == []


def test_anywidget_loads_its_module_from_the_site(course, serve, offline_page):
    site, _ = course
    served = serve(site.output)
    page = offline_page()
    page.page.goto(served.url("glossary/"))
    button = page.page.wait_for_selector(".anywidget .counter-button", timeout=10000)
    assert button.inner_text() == "count is 1"
    button.click()
    assert button.inner_text() == "count is 2"
    page.assert_offline()
    assert page.console_errors == []
