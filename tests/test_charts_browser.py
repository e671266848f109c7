"""Interactive chart outputs in offline Chromium: plotly and vega-lite, stored in a notebook or made by the
reader's code, drawn with the site's own copies of the libraries; a site or page without charts loads none."""

from __future__ import annotations

import pytest

from test_runtime_browser import TIMEOUT, run_cell

pytestmark = [pytest.mark.browser, pytest.mark.build]

PLOTLY = ".output-chart[data-library=plotly] .main-svg"
VEGA = ".output-chart[data-library=vega] .vega-embed"


def test_stored_charts_are_drawn_from_the_sites_own_libraries(charts_site, serve, offline_page):
    served = serve(charts_site.output, "/sub/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url(""))
    page.wait_for_selector(PLOTLY, timeout=TIMEOUT)
    page.wait_for_selector(VEGA, timeout=TIMEOUT)
    assert page.locator(".output-chart .output-text").first.is_hidden()  # the text fallback gave way
    loaded = [u for u in browser.requests if "/_static/charts/" in u]
    assert any(u.endswith("/sub/_static/charts/plotly/plotly.min.js") for u in loaded)
    assert any(u.endswith("/sub/_static/charts/vega/vega-embed.min.js") for u in loaded)
    browser.assert_offline()


def test_charts_made_by_the_readers_code_are_drawn(charts_site, serve, offline_page):
    served = serve(charts_site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("live/"))
    assert not any("/_static/charts/" in u for u in browser.requests)  # nothing before a chart shows
    run_cell(page, 0)
    page.wait_for_selector(PLOTLY, timeout=TIMEOUT)
    run_cell(page, 1)
    page.wait_for_selector(VEGA, timeout=TIMEOUT)
    browser.assert_offline()


def test_pages_and_sites_without_charts_load_no_library(charts_site, built_sample, serve, offline_page):
    served = serve(charts_site.output)
    browser = offline_page()
    browser.page.goto(served.url("plain/"))
    browser.page.wait_for_load_state("networkidle")
    assert not any("charts" in u for u in browser.requests)
    assert not (built_sample.output / "_static" / "charts").exists()  # the sample has no chart: none shipped
    assert (charts_site.output / "_static" / "charts" / "plotly" / "plotly.min.js").is_file()


def test_jupyterlite_draws_the_stored_charts_too(charts_site, serve, offline_page):
    """JupyterLite draws vega-lite itself; plotly needs plotly's extension, which the site ships because a
    notebook stores a plotly figure."""
    assert (charts_site.lite / "extensions" / "jupyterlab-plotly" / "package.json").is_file()
    served = serve(charts_site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("lite/notebooks/index.html?path=stored.ipynb"))
    page.wait_for_selector(".jp-Notebook .js-plotly-plot", state="attached", timeout=TIMEOUT)
    page.wait_for_selector(".jp-Notebook .main-svg", state="attached", timeout=TIMEOUT)  # drawn by plotly.js
    page.wait_for_selector(".jp-Notebook .vega-embed", state="attached", timeout=TIMEOUT)
    browser.assert_offline()


def test_a_stored_bokeh_figure_is_drawn_by_the_sites_bokehjs(charts_site, serve, offline_page):
    """bokeh's stored notebook output: its loader (which would fetch BokehJS from a CDN) is not run; the
    figure's script runs after the site's own BokehJS has loaded."""
    html = (charts_site.output / "bokeh" / "index.html").read_text()
    assert "cdn.bokeh.org" not in html  # the stored loader names it; the page never carries it
    served = serve(charts_site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("bokeh/"))
    page.wait_for_selector("[data-root-id] .bk-Figure, [data-root-id] canvas", state="attached", timeout=TIMEOUT)
    assert any(u.endswith("/_static/charts/bokeh/bokeh.min.js") for u in browser.requests)
    browser.assert_offline()


def test_a_stored_altair_chart_is_drawn_by_the_sites_vega(charts_site, serve, offline_page):
    """An Altair chart kept as Altair's HTML (its script would load vega from a CDN, and offline shows only
    "Error loading script"): the page carries its spec, not the script, and the site's own vega draws it.
    mystmd keeps so large an output as a file of its own: the site ships vega for it all the same."""
    html = (charts_site.output / "altair" / "index.html").read_text()
    assert "cdn.example.invalid" not in html and "vegaEmbed(outputDiv" not in html
    assert 'data-mime="application/vnd.vegalite.v5+json"' in html
    served = serve(charts_site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("altair/"))
    page.wait_for_selector(f"{VEGA} svg, {VEGA} canvas", timeout=TIMEOUT)
    assert "Error loading script" not in page.inner_text("main")
    assert any(u.endswith("/_static/charts/vega/vega-embed.min.js") for u in browser.requests)
    browser.assert_offline()
