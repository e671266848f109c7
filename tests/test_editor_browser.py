"""The cell editor, as a reader types in it: CodeMirror loaded on the first focus, Python indentation, Tab and
Shift+Tab (completion and help from jedi), undo, brackets, Escape then Tab to leave, edits kept."""

from __future__ import annotations

import pytest

from test_runtime_browser import TIMEOUT, run_cell, set_code

pytestmark = [pytest.mark.browser, pytest.mark.build]


def text_of(page, index: int) -> str:
    return page.evaluate(f"document.querySelectorAll('.cell[data-executable=\"true\"]')[{index}].editor.text()")


@pytest.fixture
def stats(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    browser.page.goto(served.url("stats/"))
    browser.page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'",
                                   timeout=TIMEOUT)
    yield browser
    browser.assert_offline()
    assert browser.console_errors == []


def test_the_editor_loads_on_first_focus_and_edits_python(stats):
    page = stats.page
    assert not [u for u in stats.requests if "/_static/runtime/lib/" in u or u.endswith("/editor.js")]
    set_code(page, 1, "")
    assert [u for u in stats.requests if u.endswith("/_static/runtime/lib/codemirror-view.js")]
    assert page.locator(".cell[data-cell-index='1'] .cell-input pre").is_hidden()
    page.keyboard.type("def f(x):")
    page.keyboard.press("Enter")
    page.keyboard.type("return max(x")  # the closing bracket comes by itself
    assert text_of(page, 1) == "def f(x):\n    return max(x)"
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")  # at the start of a line: dedent
    page.keyboard.type("y = 1")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")  # after whitespace or at the start: indent
    assert text_of(page, 1) == "def f(x):\n    return max(x)\n    y = 1"
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    undone = text_of(page, 1)
    assert "y = 1" not in undone and undone.startswith("def f(x):\n    return max(x)")
    assert page.locator(".cell[data-cell-index='1'] .edited-mark").is_visible()


def test_tab_completes_and_shift_tab_shows_help_from_the_live_namespace(stats):
    page = stats.page
    run_cell(page, 0)  # imports coursekit: jedi sees the live module
    set_code(page, 1, "values = [3, 5]\ncoursekit.me")
    page.keyboard.press("Tab")
    option = page.locator(".cm-tooltip-autocomplete li")
    option.first.wait_for(timeout=TIMEOUT)
    assert option.all_inner_texts() == ["mean"]
    page.keyboard.press("Tab")  # accepts at once, even right after the list opened
    page.wait_for_function("document.querySelectorAll('.cell[data-executable=\"true\"]')[1].editor.text()"
                           ".endsWith('coursekit.mean')", timeout=TIMEOUT)
    page.locator(".cm-tooltip-autocomplete").wait_for(state="detached", timeout=TIMEOUT)
    page.keyboard.type("(values")
    page.keyboard.press("Shift+Tab")
    help_box = page.locator(".cell[data-cell-index='1'] .cell-help")
    page.wait_for_function("(() => { const t = document.querySelector(\".cell[data-cell-index='1'] .cell-help\")"
                           ".textContent; return t && t !== 'Looking it up…'; })()", timeout=TIMEOUT)
    assert help_box.inner_text().startswith("mean(values"), help_box.inner_text()
    page.keyboard.press("Escape")
    assert help_box.is_hidden()
    assert text_of(page, 1) == "values = [3, 5]\ncoursekit.mean(values)"
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("/^\\[\\d+\\]$/.test(document.querySelectorAll('.cell-count')[1].textContent)",
                           timeout=TIMEOUT)
    assert page.locator(".cell[data-cell-index='1'] .cell-outputs").inner_text().strip() == "4.0"


def test_escape_then_tab_leaves_the_editor_and_edits_survive_a_reload(stats):
    page = stats.page
    set_code(page, 1, "print('kept')")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.closest('.cm-editor')")  # the focus moved on
    page.reload()
    assert page.locator(".cell[data-cell-index='1'] .cell-input pre code").inner_text().strip() == "print('kept')"
    set_code(page, 1, "print('kept') # again")
    assert text_of(page, 1) == "print('kept') # again"
