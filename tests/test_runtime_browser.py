"""In-page compute in headless Chromium, offline: run buttons on compute pages, on the site's own pyodide."""

from __future__ import annotations

import pytest

from test_lite_browser import console_kernel_or_reload

pytestmark = [pytest.mark.browser, pytest.mark.build]

TIMEOUT = 90_000  # ms


def wait_idle(page) -> None:
    page.wait_for_function("document.querySelectorAll('.cell.running').length === 0", timeout=TIMEOUT)


def run_cell(page, index: int) -> str:
    cell = page.locator(f".cell[data-cell-index='{index}']")
    cell.locator(".run-cell").click()
    page.wait_for_function(
        f"(() => {{ const c = document.querySelector(\".cell[data-cell-index='{index}']\");"
        " return /^\\[\\d+\\]$/.test(c.querySelector('.cell-count').textContent); })()",
        timeout=TIMEOUT)
    return cell.locator(".cell-outputs").inner_text().strip()


def set_code(page, index: int, code: str) -> None:
    """Replace a cell's code as a reader would: focus it (the real editor loads), select all, paste."""
    cell = page.locator(f".cell[data-cell-index='{index}']")
    if cell.locator(".cm-editor").count() == 0:
        cell.locator(".cell-input pre code").click()
    else:
        cell.locator(".cm-content").click()
    cell.locator(".cm-editor.cm-focused").wait_for(timeout=TIMEOUT)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)  # as pasted: the editor's auto-indent must not change it


@pytest.fixture
def stats_page(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    browser.page.goto(served.url("stats/"))
    yield browser
    browser.assert_offline()
    lite = [u for u in browser.requests if "/lite/" in u]
    assert any(u.endswith("/lite/static/pyodide/pyodide.asm.wasm") for u in lite)  # the site's own pyodide


def test_cells_share_state_import_the_wheel_and_read_data(stats_page):
    page = stats_page.page
    assert page.locator(".run-cell").count() == 4
    assert run_cell(page, 0) == "Hello, reader, from coursekit 0.1.0!"  # a custom wheel, no %pip
    assert run_cell(page, 1) == "4.5"  # `coursekit` from the first cell: one interpreter per page
    assert run_cell(page, 2) == "{'count': 8, 'mean': 15.312, 'std': 8.252}"  # ../data/temperatures.csv
    assert page.locator(".compute-status").inner_text() == "Ready"


def test_error_shows_a_readable_traceback(stats_page):
    page = stats_page.page
    run_cell(page, 0)
    output = run_cell(page, 3)
    assert "Traceback (most recent call last)" in output
    assert 'File "<cell 2>", line 1' in output and "coursekit.mean([])" in output
    assert output.rstrip().endswith("ValueError: mean() of an empty sequence")
    assert "kernel.py" not in output  # the runner's own frames are hidden


def test_run_all_runs_in_order_and_streams(stats_page):
    page = stats_page.page
    set_code(page, 1, "import sys\nprint('to stderr', file=sys.stderr)\nprint(coursekit.mean([1, 2]))")
    page.locator(".run-all").click()
    page.wait_for_function("/^\\[\\d+\\]$/.test(document.querySelectorAll('.cell-count')[3].textContent)",
                           timeout=TIMEOUT)
    wait_idle(page)
    counts = page.locator(".cell-count").all_inner_texts()
    assert counts == ["[1]", "[2]", "[3]", "[4]"]
    assert page.locator(".cell[data-cell-index='1'] .output-stderr").inner_text() == "to stderr\n"
    assert page.locator(".cell[data-cell-index='1'] .output-stdout").inner_text() == "1.5\n"


def test_rich_outputs_html_png_and_display(stats_page):
    page = stats_page.page
    set_code(page, 1, "import base64\n"
                      "class Table:\n    def _repr_html_(self):\n        return '<table><tr><td>rich</td></tr></table>'\n"
                      "class Dot:\n    def _repr_png_(self):\n        return base64.b64decode("
                      "'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')\n"
                      "display(Dot())\nTable()")
    run_cell(page, 1)
    assert page.locator(".cell[data-cell-index='1'] .output-html td").inner_text() == "rich"
    image = page.locator(".cell[data-cell-index='1'] img.output-image")
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 1


def test_restart_clears_state(stats_page):
    page = stats_page.page
    run_cell(page, 0)
    page.locator(".restart").click()
    output = run_cell(page, 1)
    assert "NameError: name 'coursekit' is not defined" in output


def test_stored_notebook_runs_with_rich_outputs(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("explore/"))
    page.locator(".run-all").click()
    page.wait_for_function("[...document.querySelectorAll('.cell-count')].every(c => /^\\[\\d+\\]$/.test(c.textContent))",
                           timeout=TIMEOUT)
    outputs = page.locator(".cell-outputs")
    assert outputs.nth(0).inner_text().strip() == "8 rows, columns: ['city', 'month', 'celsius']"
    assert outputs.nth(1).inner_text().strip() == "15.3125"
    assert page.locator(".cell[data-cell-index='2'] .output-html td").first.inner_text() == "Lisbon"
    image = page.locator(".cell[data-cell-index='3'] img.output-image")  # IPython.display.Image, from the drive
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 240
    browser.assert_offline()


def test_pages_without_compute_have_no_controls_and_load_no_pyodide(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/")
    browser = offline_page()
    page = browser.page
    for path in ("about/", ""):
        page.goto(served.url(path))
        page.wait_for_load_state("networkidle")
        assert page.locator(".run-cell, .run-all, .compute-bar").count() == 0
    assert not any("/lite/" in u or "/_static/runtime/" in u for u in browser.requests)
    browser.assert_offline()


def test_a_package_missing_offline_is_named(stats_page):
    page = stats_page.page
    set_code(page, 1, "import pandas")
    output = run_cell(page, 1)
    assert "ModuleNotFoundError: No module named 'pandas'" in output
    assert "pandas is not available on this site" in output


@pytest.mark.parametrize("isolation", ["headers", "service worker", "none"])
def test_stop_ends_a_cell_that_never_finishes(built_sample, serve, offline_page, isolation):
    """Cross-origin isolation comes from mystlite serve's COOP/COEP headers, or, on a host that sends none
    (GitHub Pages), from the site's service worker. With it, Stop raises KeyboardInterrupt and keeps the page's
    state; without it (service workers refused), Stop restarts Python."""
    served = serve(built_sample.output, "/course/", isolate=isolation == "headers")
    browser = offline_page(service_workers="block" if isolation == "none" else "allow")
    page = browser.page
    page.goto(served.url("stats/"))
    isolated = isolation != "none"
    page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'", timeout=TIMEOUT)
    assert page.evaluate("self.crossOriginIsolated") == isolated
    assert run_cell(page, 0) == "Hello, reader, from coursekit 0.1.0!"
    set_code(page, 1, "while True:\n    pass")
    page.locator(".cell[data-cell-index='1'] .run-cell").click()
    page.locator(".stop").wait_for(state="visible")
    page.wait_for_function("document.querySelector('.compute-status')?.textContent.startsWith('Running cell 2')",
                           timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.locator(".stop").click()
    outputs = page.locator(".cell[data-cell-index='1'] .cell-outputs")
    outputs.get_by_text("KeyboardInterrupt" if isolated else "Interrupted: Python was restarted").wait_for(
        timeout=TIMEOUT)
    set_code(page, 1, "print(coursekit.mean([2, 4]))")
    after = run_cell(page, 1)
    if isolated:
        assert after == "3.0"  # the state survived the Stop
    else:
        assert "NameError: name 'coursekit' is not defined" in after  # a fresh Python
    assert page.locator(".stop").is_hidden()
    browser.assert_offline()


# Notes each Worker the page makes, and how far the page had loaded then ("loading": from the head's script,
# before the runtime, a deferred module, could run).
WORKERS_MADE = """(() => {
  window.__workersMade = [];
  const Original = window.Worker;
  window.Worker = function (...args) {
    window.__workersMade.push([String(args[0]), document.readyState]);
    return new Original(...args);
  };
  window.Worker.prototype = Original.prototype;
})()"""


def test_python_starts_from_the_head_and_the_runtime_takes_the_worker_over(built_sample, serve, offline_page):
    """A lite page's head starts the Python worker and its downloads while the rest of the page loads: one
    worker, told what to download in its URL's fragment, each of pyodide's files fetched once, the cells run in
    it, and a restart makes a new one, which gets the wasm the head compiled rather than fetching it again."""
    from urllib.parse import parse_qs, urlsplit

    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    page.add_init_script(WORKERS_MADE)
    page.goto(served.url("stats/"))
    assert "Hello, reader, from coursekit" in run_cell(page, 0)
    worker = served.url("_static/runtime/worker.js")
    [(head_worker, when)] = page.evaluate("window.__workersMade")
    assert when == "loading" and urlsplit(head_worker)._replace(fragment="").geturl() == worker
    early = parse_qs(urlsplit(head_worker).fragment, keep_blank_values=True)
    assert early["pyodide"] == [served.url("lite/static/pyodide/pyodide.mjs")] and "wasm-from-page" in early
    assert early["snapshot"][0].startswith(served.url("_mystlite/python-"))
    fetched = lambda name: sum(urlsplit(url).path.endswith(name) for url in browser.requests)  # noqa: E731
    for name in ("/pyodide.mjs", "/pyodide.asm.mjs", "/pyodide.asm.wasm", ".snapshot.gz", "/worker.js",
                 "/pyodide-lock.json"):  # the lock too: pyodide's own request for it got the worker's early one
        assert fetched(name) == 1, (name, browser.requests)
    page.locator(".restart").click()
    wait_idle(page)
    page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'", timeout=TIMEOUT)
    assert "Hello, reader, from coursekit" in run_cell(page, 0)
    assert page.evaluate("window.__workersMade") == [[head_worker, "loading"], [worker, "complete"]]
    assert fetched("/pyodide.asm.wasm") == 1  # the restarted worker was handed the compiled wasm
    browser.assert_offline()


def test_a_worker_that_fails_before_the_runtime_loads_is_reported(built_sample, serve, offline_page, tmp_path):
    """The head's worker fails before the runtime could listen (here: worker.js does not parse): the runtime
    notices, starts its own, and the status line says why Python cannot run, rather than loading for ever."""
    import os
    import shutil

    site = tmp_path / "site"
    shutil.copytree(built_sample.output, site, copy_function=os.link)
    worker = site / "_static" / "runtime" / "worker.js"
    worker.unlink()  # a new file, not the shared build's
    worker.write_text("this is not JavaScript (\n")
    served = serve(site, "/")
    browser = offline_page()
    page = browser.page
    page.add_init_script(WORKERS_MADE)
    page.goto(served.url("stats/"))
    page.wait_for_function("document.querySelector('.compute-status').dataset.kind === 'error'", timeout=TIMEOUT)
    assert page.locator(".compute-status").inner_text().startswith("The Python worker failed")
    url = served.url("_static/runtime/worker.js")
    made = page.evaluate("window.__workersMade")
    # the runtime's own second worker, made once the page was parsed, unless the error came only after the
    # runtime had taken the first one over
    assert made[0][0].split("#")[0] == url and made[0][1] == "loading" and len(made) <= 2, made
    assert all(where == url and state != "loading" for where, state in made[1:]), made


def test_the_service_worker_isolates_only_pages_that_run_code(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/course/", isolate=False)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    page.wait_for_function("self.crossOriginIsolated", timeout=TIMEOUT)
    page.goto(served.url(""))  # the home page runs no code: it may embed other sites' frames, so no isolation
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert page.evaluate("self.crossOriginIsolated") is False
    page.goto(served.url("lite/repl/index.html?kernel=python"))  # JupyterLite keeps its own service worker
    page.wait_for_selector(".jp-CodeConsole-input .cm-content", timeout=TIMEOUT)
    console_kernel_or_reload(browser)
    page.click(".jp-CodeConsole-input .cm-content")
    page.keyboard.type("print(6 * 7)")
    page.keyboard.press("Shift+Enter")
    page.locator(".jp-CodeConsole-content .jp-OutputArea-output:has-text('42')").first.wait_for(timeout=TIMEOUT)
    browser.assert_offline()


def test_input_and_getpass_ask_the_reader(stats_page):
    page = stats_page.page
    set_code(page, 1, "import getpass\nname = input('Your name? ')\nsecret = getpass.getpass()\n"
                      "print(f'Hi {name}, {len(secret)} characters')")
    page.locator(".cell[data-cell-index='1'] .run-cell").click()
    field = page.locator(".cell[data-cell-index='1'] .output-input input")
    field.wait_for(timeout=TIMEOUT)
    assert page.locator(".compute-status").inner_text() == "Cell 2 is waiting for input"
    assert page.evaluate("document.activeElement.type") == "text"  # the field has the focus
    page.keyboard.type("Ada")
    page.keyboard.press("Enter")
    password = page.locator(".cell[data-cell-index='1'] .output-input input[type=password]")
    password.wait_for(timeout=TIMEOUT)
    page.keyboard.type("s3cret")
    page.keyboard.press("Enter")
    wait_idle(page)
    output = page.locator(".cell[data-cell-index='1'] .cell-outputs").inner_text()
    assert output.strip().split("\n") == ["Your name? Ada", "Password: ", "Hi Ada, 6 characters"]
    assert "s3cret" not in page.content()
    # Stop while Python waits for an answer: KeyboardInterrupt in that cell, and the state is kept
    set_code(page, 1, "answer = input('Never answered: ')")
    page.locator(".cell[data-cell-index='1'] .run-cell").click()
    field.wait_for(timeout=TIMEOUT)
    page.locator(".stop").click()
    page.locator(".cell[data-cell-index='1'] .cell-outputs").get_by_text("KeyboardInterrupt").wait_for(timeout=TIMEOUT)
    set_code(page, 1, "print(name)")
    assert run_cell(page, 1) == "Ada"


def test_data_files_are_fetched_only_when_code_opens_them(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    page.wait_for_function("document.querySelector('.compute-status')?.textContent === 'Ready'", timeout=TIMEOUT)
    assert not [u for u in browser.requests if u.endswith("temperatures.csv")]  # not before Ready
    run_cell(page, 0)
    assert run_cell(page, 2) == "{'count': 8, 'mean': 15.312, 'std': 8.252}"
    assert [u for u in browser.requests if u.endswith("/lite/files/data/temperatures.csv")]
    assert not [u for u in browser.requests if u.endswith("temperatures.png")]  # never read: never fetched
    browser.assert_offline()


def test_ipython_display_objects_render(stats_page):
    page = stats_page.page
    set_code(page, 1, "from IPython.display import display, HTML\ndisplay(HTML('<b class=\"shown\">bold</b>'))\n"
                      "HTML('<i class=\"last\">last</i>')")
    run_cell(page, 1)
    assert page.locator(".cell[data-cell-index='1'] .output-html b.shown").inner_text() == "bold"
    assert page.locator(".cell[data-cell-index='1'] .output-html i.last").inner_text() == "last"
    assert "IPython.core.display.HTML object" not in page.locator(".cell[data-cell-index='1']").inner_text()


def test_display_updates_clear_output_scripts_and_json(stats_page):
    page = stats_page.page
    set_code(page, 1, "from IPython.display import display, HTML, JSON, clear_output, update_display\n"
                      "handle = display(HTML('<p class=\"n\">0</p>'), display_id=True)\n"
                      "for i in range(1, 4):\n    handle.update(HTML(f'<p class=\"n\">{i}</p>'))\n"
                      "display(HTML('<div id=\"target\"></div><script>document.getElementById(\"target\")"
                      ".textContent = \"script ran\"</script>'))\n"
                      "display(JSON({'a': [1, 2]}))\n"
                      "print('gone')\nclear_output(wait=True)\nprint('kept')")
    output = run_cell(page, 1)
    assert output == "kept"  # clear_output(wait=True): the old output went when the new one came
    set_code(page, 1, "from IPython.display import display, HTML, JSON\n"
                      "handle = display(HTML('<p class=\"n\">0</p>'), display_id=True)\n"
                      "for i in range(1, 4):\n    handle.update(HTML(f'<p class=\"n\">{i}</p>'))\n"
                      "display(HTML('<div id=\"target\"></div><script>document.getElementById(\"target\")"
                      ".textContent = \"script ran\"</script>'))\n"
                      "display(JSON({'a': [1, 2]}))")
    run_cell(page, 1)
    cell = page.locator(".cell[data-cell-index='1']")
    assert cell.locator("p.n").all_inner_texts() == ["3"]  # updated in place, one output
    assert cell.locator("#target").inner_text() == "script ran"
    assert '"a": [' in cell.locator(".output-json").inner_text()


def test_markdown_and_latex_outputs_are_typeset_offline(stats_page):
    page = stats_page.page
    set_code(page, 1, "from IPython.display import display, Markdown, Math, Latex\n"
                      "display(Markdown('**bold** and a list:\\n\\n- one\\n- $x_1^2$'))\n"
                      "display(Math(r'\\frac{a}{b}'))\n"
                      "Latex(r'$$\\sum_i i$$')")
    run_cell(page, 1)
    cell = page.locator(".cell[data-cell-index='1']")
    assert cell.locator(".output-markdown strong").inner_text() == "bold"
    assert cell.locator(".output-markdown li").count() == 2
    cell.locator(".output-markdown li .katex").wait_for(timeout=TIMEOUT)  # math inside Markdown
    cell.locator(".output-latex .katex-display").nth(1).wait_for(timeout=TIMEOUT)
    assert cell.locator(".output-latex .katex .mfrac").count() == 1
    assert "$" not in cell.locator(".cell-outputs").inner_text()  # no raw source left
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")  # KaTeX's own fonts, from the site


def test_ipython_notations_that_notebooks_carry_run(stats_page):
    """Real notebooks carry `%%time`, `name?`, `!mkdir`, `%pip install` and `%matplotlib inline`: each runs (or
    says plainly that a shell command cannot), instead of a SyntaxError."""
    page = stats_page.page
    set_code(page, 1, "%%time\nx = 6 * 7\nx")
    shown = run_cell(page, 1)
    assert "42" in shown and "Wall time:" in shown
    set_code(page, 1, "len?")
    assert "Return the number of items" in run_cell(page, 1)
    set_code(page, 1, "%matplotlib inline\n!mkdir -p out/a\n!ls -la\nimport os\nprint(os.path.isdir('out/a'))")
    shown = run_cell(page, 1)
    assert "True" in shown and "!ls -la: shell commands do not run in the browser" in shown
    assert "SyntaxError" not in shown
    set_code(page, 1, "%time sum(range(4))")
    shown = run_cell(page, 1)
    assert "Wall time:" in shown and "6" in shown
