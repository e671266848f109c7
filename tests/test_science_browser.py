"""Compiled packages that a page imports, found at build time and bundled as PEP 783 wheels from PyPI, run
offline in Chromium: in the page and in JupyterLite, with nothing listed in myst.yml."""

from __future__ import annotations

import json

import pytest

from test_lite_browser import KERNEL_TIMEOUT, wait_for_notebook_kernel
from test_runtime_browser import run_cell

pytestmark = [pytest.mark.browser, pytest.mark.build]


def test_the_wasm_wheels_ship_and_are_locked(science):
    lock = json.loads((science.lite / "static/pyodide/pyodide-lock.json").read_text())["packages"]
    for name in ("msgpack", "pydantic-core"):
        assert lock[name]["file_name"].endswith("_wasm32.whl") and "://" not in lock[name]["file_name"]
        assert (science.lite / "static/pyodide" / lock[name]["file_name"]).is_file()
    assert science.offline


def test_compiled_packages_run_in_the_page(science, serve, offline_page):
    served = serve(science.output)
    browser = offline_page()
    browser.page.goto(served.url(""))
    assert run_cell(browser.page, 0) == "9 {'answer': 42}"
    # msgpack imports datetime, which the start-up snapshot holds: no stdlib archive is fetched for it
    assert [url for url in browser.requests if "python_stdlib" in url] == []
    assert run_cell(browser.page, 1) == "x=3 y=4"
    run_cell(browser.page, 2)
    math = browser.page.locator(".cell[data-cell-index='2'] .cell-outputs math")
    assert math.count() == 1 and "∫" in math.text_content()
    box = math.bounding_box()
    assert box["height"] > 20  # drawn as math by the browser, not shown as TeX source
    browser.assert_offline()
    wheels = [u for u in browser.requests if u.endswith(".whl")]
    assert any("msgpack-" in u for u in wheels) and any("pydantic_core-" in u for u in wheels)


def test_the_pages_packages_install_in_the_background_between_cells_not_during_them(science, serve, offline_page):
    """The packages a page imports install in the background, without a cell asking; but while a cell is queued
    or runs, only what that cell imports loads (installing a compiled package takes a core from the cell)."""
    served = serve(science.output)
    browser = offline_page()
    others = {"msgpack", "pydantic", "pydantic_core"}  # the page's packages that the sympy cell does not import

    def wheels() -> list[str]:  # the distribution names of the wheels requested so far, in order
        return [url.rsplit("/", 1)[-1].split("-")[0] for url in browser.requests if url.endswith(".whl")]

    browser.page.goto(served.url(""))
    run_cell(browser.page, 2)  # clicked before Python has started: queued
    assert browser.page.locator(".cell[data-cell-index='2'] .cell-outputs math").count() == 1
    requested = wheels()
    before_others = requested[:next((i for i, name in enumerate(requested) if name in others), len(requested))]
    assert {"sympy", "mpmath"} <= set(before_others), requested
    for _ in range(300):  # then the rest of the page's packages, with no cell asking
        if others <= set(wheels()):
            break
        browser.page.wait_for_timeout(100)
    assert others <= set(wheels()), wheels()
    browser.assert_offline()


def test_compiled_packages_run_in_jupyterlite(science, serve, offline_page):
    served = serve(science.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("lite/notebooks/index.html?path=index.ipynb"))
    wait_for_notebook_kernel(page)
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click("text=Run All Cells")
    page.wait_for_selector(".jp-OutputArea-output:has-text('x=3 y=4')", timeout=KERNEL_TIMEOUT)
    page.wait_for_selector(".jp-Notebook .jp-OutputArea-output >> nth=2", timeout=KERNEL_TIMEOUT)
    outputs = [o.strip() for o in page.locator(".jp-Notebook .jp-OutputArea-output").all_inner_texts()]
    assert outputs[:2] == ["9 {'answer': 42}", "x=3 y=4"]
    browser.assert_offline()


def test_a_package_that_cannot_be_downloaded_is_one_clear_line(science, serve, offline_page):
    """The network drops before the reader runs a cell whose package is not loaded yet: one sentence naming
    the packages this cell needs (not the page's others that failed with them), instead of pyodide's two lines
    per package, then Python's ImportError with no note that the site lacks the package."""
    served = serve(science.output)
    browser = offline_page()
    page = browser.page
    page.route("**/msgpack-*.whl", lambda route: route.abort("internetdisconnected"))
    page.route("**/pydantic_core-*.whl", lambda route: route.abort("internetdisconnected"))
    page.goto(served.url(""))
    output = run_cell(page, 0)
    first, *rest = output.splitlines()
    assert first == "Could not download msgpack (the network did not answer): this cell needs it.", output
    assert "The following error occurred" not in output and "Failed to fetch" not in output
    assert rest[-1] == "ModuleNotFoundError: No module named 'msgpack'"
    output = run_cell(page, 1)
    assert output.splitlines()[0] == "Could not download pydantic-core (the network did not answer): this cell " \
                                     "needs it.", output
    assert "not available on this site" not in output
    assert "∫" in run_cell(page, 2)  # sympy, whose wheel came: the rest of the page still runs
