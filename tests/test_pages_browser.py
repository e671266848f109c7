"""Every page of the sample in headless Chromium, offline: no console errors, math and outputs visible,
and "Open in JupyterLite" opens the page's notebook in the lite app."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]


def test_every_page_loads_cleanly_offline(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/")
    browser = offline_page()
    page = browser.page
    for path, title in [("", "Data in the Browser"), ("explore/", "Exploring a data set"),
                        ("stats/", "Statistics with coursekit"), ("about/", "About this course")]:
        page.goto(served.url(path))
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.inner_text() == title
        assert page.locator(".sidebar a").count() == 5
    assert browser.console_errors == []
    browser.assert_offline()
    # compute pages start the site's own pyodide; nothing else of the lite app is loaded
    lite = [u.split("/lite/", 1)[1] for u in browser.requests if "/lite/" in u]
    assert lite and all(u.startswith(("static/pyodide/", "files/")) for u in lite), lite


def test_math_and_outputs_are_visible(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/")
    page = offline_page().page
    page.goto(served.url(""))
    math = page.locator("math").last  # the mean formula, not the lone n
    box = math.bounding_box()
    assert box and box["width"] > 60 and box["height"] > 15
    page.goto(served.url("explore/"))
    image = page.locator(".output-image").first
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 240
    assert page.locator(".output-html table td").first.inner_text() == "Lisbon"
    assert "8 rows" in page.locator(".output-stream").first.inner_text()


def test_open_in_jupyterlite(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/docs/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    page.click("text=Open in JupyterLite")
    page.locator(".jp-Notebook .jp-Cell", has_text="coursekit.greet").wait_for(timeout=60_000)
    assert "notebooks/stats.ipynb" in page.url
    browser.assert_offline()


def test_dark_theme_toggle(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url(""))
    before = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click(".theme-toggle")
    after = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert before != after
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") in ("dark", "light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == after
    page.goto(served.url("no/such/page/"))  # the 404 page follows the reader's choice too
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == after
    # the choice is applied by a script inlined in the head, before the first paint: not a file to fetch
    assert not [u for u in browser.requests if u.endswith("theme.js")]
