"""Exercises that check themselves, in offline Chromium, on the sample's practice page: a wrong answer gets ✗
with the check's message, a right one ✓; the check's text is in no served file; attempts survive a reload;
Reset exercise brings the starting code back; the solution waits for two attempts unless the reader asks."""

from __future__ import annotations

import json

import pytest

from test_runtime_browser import TIMEOUT, set_code

pytestmark = [pytest.mark.browser, pytest.mark.build]

CHECK_TEXT = "sort the values first"  # part of the check's assertion message, never served as text
WRONG = "def median(values):\n    return values[len(values) // 2]\n"
RIGHT = ("def median(values):\n    s = sorted(values)\n    m = len(s) // 2\n"
         "    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2\n")


def verdict(page) -> str:
    feedback = page.locator(".exercise .exercise-feedback")
    feedback.locator(".exercise-pass, .exercise-fail").wait_for(timeout=TIMEOUT)
    return feedback.inner_text().strip()


def run_exercise(page, code: str | None) -> str:
    cell = page.locator(".exercise .cell").first
    if code is not None:
        set_code(page, int(cell.get_attribute("data-cell-index")), code)
    page.locator(".exercise .exercise-feedback").evaluate("e => e.replaceChildren()")
    cell.locator(".run-cell").click()
    return verdict(page)


def test_an_exercise_checks_the_readers_answer(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    bodies: list[bytes] = []

    def keep(response) -> None:
        try:
            bodies.append(response.body())
        except Exception:  # a redirect, or a response cut short: no body to search
            pass

    page.on("response", keep)
    page.goto(served.url("practice/"))
    exercise = page.locator(".exercise[data-check]")
    assert exercise.count() == 1
    assert page.locator(".exercise .cell").count() == 1  # the check cell is not on the page
    solution = page.locator(".solution")
    assert solution.evaluate("e => e.tagName") == "DETAILS" and not solution.evaluate("e => e.open")
    lock = page.locator(".solution-lock")
    assert "opens after 2 more attempts" in lock.inner_text()

    # the starting code: the check runs after the reader's cell, and says what is wrong
    assert run_exercise(page, None) == "✗ median([3, 1, 2]) should be 2: sort the values first"
    assert run_exercise(page, WRONG) == "✗ median([3, 1, 2]) should be 2: sort the values first"
    assert exercise.locator(".exercise-attempts").inner_text() == "Attempts: 2"
    assert lock.is_hidden()  # two attempts: the solution may open now
    # an error in the reader's own code is their traceback, not a verdict
    cell = exercise.locator(".cell").first
    set_code(page, int(cell.get_attribute("data-cell-index")), "median(")
    page.locator(".exercise .exercise-feedback").evaluate("e => e.replaceChildren(document.createTextNode('x'))")
    cell.locator(".run-cell").click()
    cell.locator(".output-error").wait_for(timeout=TIMEOUT)
    page.wait_for_function("document.querySelector('.exercise-feedback').textContent === ''", timeout=TIMEOUT)
    assert run_exercise(page, RIGHT) == "✓ Correct"
    assert exercise.locator(".exercise-attempts").inner_text() == "Attempts: 3 · solved"
    page.wait_for_load_state("networkidle")
    served_text = b"".join(bodies)
    assert b"_checks/" in served_text  # the runner loaded the checks file
    assert CHECK_TEXT.encode() not in served_text and b"assert median" not in served_text
    lite = json.loads((built_sample.output / "lite" / "files" / "notebooks" / "practice.ipynb").read_text())
    code = ["".join(cell["source"]) for cell in lite["cells"] if cell["cell_type"] == "code"]
    assert len(code) == 3 and code[1].startswith("def median(values):\n    ...")  # data, exercise, solution
    assert not any(CHECK_TEXT in text or "assert" in text for text in code)

    # after a reload: the attempts and the reader's code are still there; Reset exercise restores the start
    page.reload()
    exercise.locator(".exercise-attempts").filter(has_text="Attempts: 3 · solved").wait_for(timeout=TIMEOUT)
    assert "sorted(values)" in exercise.locator(".cell-input").inner_text()
    exercise.locator(".reset-exercise").click()
    assert "..." in exercise.locator(".cell-input").inner_text()
    assert "sorted(values)" not in exercise.locator(".cell-input").inner_text()
    assert exercise.locator(".exercise-feedback").inner_text() == ""
    browser.assert_offline()


def test_the_solution_waits_unless_the_reader_asks(built_sample, serve, offline_page, tmp_path):
    served = serve(built_sample.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("practice/"))
    solution = page.locator(".solution")
    solution.locator("summary").click()
    assert not solution.evaluate("e => e.open")  # locked: no attempt yet
    page.get_by_role("button", name="Show anyway").click()
    assert solution.evaluate("e => e.open")
    assert "ordered = sorted(values)" in solution.inner_text()
    page.screenshot(path=str(tmp_path / "practice.png"), full_page=True)  # for a look by eye
    browser.assert_offline()


def test_run_all_judges_the_starting_code_not_the_solution(built_sample, serve, offline_page):
    """Run all runs the exercise's cells and then its check, in page order, and never the folded solution's
    cells; a solution the reader ran by hand is not what the check judges either."""
    served = serve(built_sample.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("practice/"))
    page.locator(".compute-bar .run-all").click()
    assert verdict(page) == "✗ median([3, 1, 2]) should be 2: sort the values first"
    page.wait_for_function("!document.querySelector('.cell.running')", timeout=TIMEOUT)
    solution_cell = page.locator(".solution .cell")
    assert solution_cell.count() == 1
    assert solution_cell.locator(".cell-count").inner_text().strip() == ""  # Run all left it alone
    assert solution_cell.locator(".cell-outputs").inner_text().strip() == ""

    # the reader opens the solution and runs it, then runs the untouched exercise: still not solved
    page.get_by_role("button", name="Show anyway").click()
    solution_cell.locator(".run-cell").click()
    solution_cell.locator(".cell-count").filter(has_text="[").wait_for(timeout=TIMEOUT)
    page.wait_for_function("!document.querySelector('.cell.running')", timeout=TIMEOUT)
    # an answer that defines nothing is judged without the solution's median (Run all's run of the starting
    # code bound it first, so a fresh Python: Restart)
    page.locator(".compute-bar .restart").click()
    page.locator(".compute-status").filter(has_text="Ready").wait_for(timeout=TIMEOUT)
    solution_cell.locator(".run-cell").click()
    solution_cell.locator(".cell-count").filter(has_text="[1]").wait_for(timeout=TIMEOUT)
    assert run_exercise(page, "# not yet\n") == "✗ NameError: name 'median' is not defined"
    assert "solved" not in page.locator(".exercise .exercise-attempts").inner_text()
    assert run_exercise(page, RIGHT) == "✓ Correct"
    browser.assert_offline()
