"""Readers' habits in the in-page runner, offline in Chromium: folded cells, Run all and errors, a truthful
status line, progress lines with \\r, and long output."""

from __future__ import annotations

import pytest

from test_runtime_browser import TIMEOUT, run_cell, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.build]


@pytest.fixture
def reader(reader_site, serve, offline_page):
    served = serve(reader_site.output)
    browser = offline_page()
    browser.page.goto(served.url(""))
    yield browser.page
    browser.assert_offline()
    assert browser.console_errors == []


def test_a_folded_cell_runs_its_code(reader):
    assert reader.locator(".cell[data-cell-index='0'] details.cell-fold:not([open])").count() == 1
    assert run_cell(reader, 0) == "folded ran"
    assert run_cell(reader, 1) == "42"


def test_run_all_stops_at_the_first_error(reader):
    assert reader.locator(".run-cell").nth(2).get_attribute("aria-label") == "Run cell 3"
    reader.locator(".run-all").click()
    reader.wait_for_function("document.querySelector('.compute-status').dataset.kind === 'error'", timeout=TIMEOUT)
    wait_idle(reader)
    assert reader.locator(".compute-status").inner_text() == "Error in cell 3: Run all stopped; 3 cell(s) not run"
    counts = reader.locator(".cell-count").all_inner_texts()
    assert counts[:3] == ["[1]", "[2]", "[3]"] and counts[3:] == ["", "", ""]
    assert reader.locator(".cell.not-run").count() == 3
    assert "ValueError: stop here" in reader.locator(".cell[data-cell-index='2'] .cell-outputs").inner_text()
    assert reader.locator(".cell[data-cell-index='3'] .cell-outputs").inner_text().strip() == ""


def test_progress_lines_and_long_output(reader):
    assert run_cell(reader, 4) == "4 of 4"
    output = run_cell(reader, 5)
    lines = output.split("\n")
    assert lines[0] == "0" and "4999" in lines
    more = reader.locator(".cell[data-cell-index='5'] .output-more")
    assert more.inner_text() == "Show all 20000 lines (15000 hidden)"
    more.click()
    text = reader.locator(".cell[data-cell-index='5'] .output-stream").inner_text()
    assert text.split("\n")[-2] == "19999"


def test_a_rerun_replaces_the_output_in_place(reader):
    run_cell(reader, 0)
    assert run_cell(reader, 1) == "42"
    reader.locator(".cell[data-cell-index='1'] .run-cell").click()
    wait_idle(reader)
    assert reader.locator(".cell[data-cell-index='1'] .output").count() == 1
    assert reader.locator(".cell-outputs.stale").count() == 0
    assert reader.locator(".compute-status").inner_text() == "Ready"


def test_nothing_shifts_when_the_runtime_arrives(reader_site, serve, offline_page):
    served = serve(reader_site.output)
    browser = offline_page()
    page = browser.page
    page.add_init_script("""
        window.__shift = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
        }).observe({ type: "layout-shift", buffered: true });
    """)
    page.goto(served.url(""))
    page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'", timeout=TIMEOUT)
    assert page.evaluate("window.__shift") <= 0.01
    assert page.locator(".cell .run-cell").count() == 6


def test_edits_survive_a_reload_until_the_author_changes_the_cell(reader):
    from test_runtime_browser import set_code

    set_code(reader, 1, "print('my version', x)")
    reader.reload()
    code = reader.locator(".cell[data-cell-index='1'] .cell-input pre code")
    assert code.inner_text().strip() == "print('my version', x)"
    assert reader.locator(".cell[data-cell-index='1'] .edited-mark").is_visible()
    reader.locator(".cell[data-cell-index='1'] .reset-cell").click()
    assert code.inner_text().strip() == "print(x + 1)"
    assert reader.locator(".cell[data-cell-index='1'] .edited-mark").is_hidden()
    # an edit made against an older version of the author's cell is dropped
    set_code(reader, 1, "print('stale edit')")
    reader.evaluate("""() => { for (const key of Object.keys(localStorage)) {
        const value = JSON.parse(localStorage.getItem(key)); value.version = "older";
        localStorage.setItem(key, JSON.stringify(value)); } }""")
    reader.reload()
    assert code.inner_text().strip() == "print(x + 1)"


def test_download_the_notebook_with_the_readers_code_and_outputs(reader):
    import json

    from test_runtime_browser import set_code

    run_cell(reader, 0)
    set_code(reader, 1, "print('downloaded', x)")
    assert run_cell(reader, 1) == "downloaded 41"
    with reader.expect_download() as info:
        reader.locator(".download-notebook").click()
    notebook = json.loads(open(info.value.path()).read())
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert "".join(code_cells[1]["source"]) == "print('downloaded', x)"
    assert code_cells[1]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "downloaded 41\n"}]
    assert "".join(code_cells[0]["source"]).strip().endswith('print("folded ran")')
