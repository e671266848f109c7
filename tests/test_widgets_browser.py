"""Jupyter widgets, offline: ipywidgets and its JupyterLite manager are chosen together and shipped only when
the site's code imports them; a slider's callback redraws an Output, and interact redraws its output."""

from __future__ import annotations

import json

import pytest

from test_lite_browser import wait_for_notebook_kernel, wait_or_run_again

pytestmark = [pytest.mark.browser, pytest.mark.build]

TIMEOUT = 90_000


def test_only_a_site_with_widgets_ships_them(widgets_site, built_sample):
    lock = json.loads((widgets_site.lite / "static" / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"]["ipywidgets"]["version"] == "8.1.9"
    assert lock["packages"]["jupyterlab-widgets"]["version"] == "3.0.17"  # the manager's pair
    manager = widgets_site.lite / "extensions" / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
    assert json.loads(manager.read_text())["version"] == "5.0.16"  # its npm version, in that wheel
    sample_lock = json.loads((built_sample.lite / "static" / "pyodide" / "pyodide-lock.json").read_text())
    assert "ipywidgets" not in sample_lock["packages"]
    assert not (built_sample.lite / "extensions" / "@jupyter-widgets").exists()


def test_a_slider_redraws_its_output_in_jupyterlite(widgets_site, serve, offline_page):
    served = serve(widgets_site.output, "/w/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("lite/notebooks/index.html?path=index.ipynb"))
    wait_for_notebook_kernel(page, TIMEOUT)

    def run_two_cells():
        page.locator(".jp-CodeCell .cm-content").first.click()
        page.keyboard.press("Shift+Enter")
        page.keyboard.press("Shift+Enter")

    run_two_cells()
    wait_or_run_again(browser, page.locator(".jp-OutputArea-output", has_text="square: 9"), run_two_cells)
    page.locator(".jp-OutputArea-output", has_text="times ten: 20").first.wait_for(timeout=TIMEOUT)
    sliders = page.locator(".widget-slider .noUi-handle")
    sliders.nth(0).focus()
    page.keyboard.press("ArrowRight")
    page.locator(".jp-OutputArea-output", has_text="square: 16").first.wait_for(timeout=TIMEOUT)
    sliders.nth(1).focus()
    page.keyboard.press("ArrowRight")
    page.locator(".jp-OutputArea-output", has_text="times ten: 30").first.wait_for(timeout=TIMEOUT)
    browser.assert_offline()


def test_widgets_work_on_the_page(widgets_site, serve, offline_page):
    """The in-page runner: a slider redraws its Output, interact redraws, a dropdown and a button reach Python,
    and jslink ties two sliders in the page; the manager comes from the site, not a CDN."""
    served = serve(widgets_site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url(""))
    page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'", timeout=TIMEOUT)
    page.locator(".run-all").click()
    page.locator(".cell .output", has_text="square: 9").wait_for(timeout=TIMEOUT)
    page.locator(".cell .output", has_text="times ten: 20").wait_for(timeout=TIMEOUT)
    page.locator(".widget-button").wait_for(timeout=TIMEOUT)
    handles = page.locator(".widget-slider .noUi-handle")
    handles.nth(0).focus()
    page.keyboard.press("ArrowRight")
    page.locator(".cell .output", has_text="square: 16").wait_for(timeout=TIMEOUT)
    assert page.locator(".cell .output", has_text="square: 9").count() == 0  # clear_output in the widget
    handles.nth(1).focus()
    page.keyboard.press("ArrowRight")
    page.locator(".cell .output", has_text="times ten: 30").wait_for(timeout=TIMEOUT)
    page.locator(".widget-dropdown select").select_option("green")
    page.locator(".widget-button").click()
    page.locator(".widget-label", has_text="clicks: 1 (green)").wait_for(timeout=TIMEOUT)
    handles.nth(2).focus()  # slider a; b follows in the page (jslink)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("[...document.querySelectorAll('.widget-readout')].slice(-2)"
                           ".every(r => r.textContent.trim() === '3')", timeout=TIMEOUT)
    assert any(u.endswith("/_static/runtime/lib/widgets/libembed-amd.js") for u in browser.requests)
    browser.assert_offline()


def test_a_stored_widget_works_before_python_starts(widgets_site, serve, offline_page):
    """A notebook saved with its widget state: the slider is drawn from that state, with no Python at all
    (pyodide never arrives here), and it still moves."""
    served = serve(widgets_site.output)
    browser = offline_page()
    page = browser.page
    page.route("**/pyodide.mjs", lambda route: None)  # Python never starts on this visit
    page.goto(served.url("stored/"))
    page.locator(".output-widget .widget-slider").wait_for(timeout=TIMEOUT)
    assert page.locator(".output-widget .widget-readout").inner_text().strip() == "7"
    assert "IntSlider(value=7" not in page.locator(".output-widget").inner_text()  # the text gave way
    page.locator(".output-widget .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.output-widget .widget-readout').textContent.trim() === '8'",
                           timeout=TIMEOUT)
    assert page.locator(".compute-status").inner_text() != "Ready"
    assert browser.off_host == []


def test_an_anywidget_counter_increments(widgets_site, serve, offline_page):
    """anywidget with its _esm, live on the page: clicks change the count, and Python sees it. Its front end
    comes from the site (from the anywidget wheel itself); JupyterLite gets its labextension too.
    The widget's Python callback is slow, so the manager still holds the second click back when Run is pressed:
    the run must wait for it (it saw 1 before, and CI's loaded machine hit that race)."""
    assert (widgets_site.lite / "extensions" / "anywidget" / "package.json").is_file()
    served = serve(widgets_site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("counter/"))
    page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'", timeout=TIMEOUT)
    page.locator(".run-cell").first.click()
    button = page.locator(".counter-button")
    button.wait_for(timeout=TIMEOUT)
    button.click()
    button.click()
    page.locator(".counter-button", has_text="count is 2").wait_for(timeout=TIMEOUT)
    page.locator(".run-cell").nth(1).click()
    page.locator(".cell .output", has_text="python sees 2").wait_for(timeout=TIMEOUT)
    assert any(u.endswith("/_static/runtime/lib/widgets/anywidget.js") for u in browser.requests)
    browser.assert_offline()
