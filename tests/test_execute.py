"""`mystlite build --execute`: compute pages run in pyodide under node at build time, with the site's own lock and
drive; the outputs are the ones the in-page runner gives, mystmd's skip/raises conventions hold, a runaway cell
times out, and a rebuild executes only what changed."""

from __future__ import annotations

import json

import pytest

from mystlite.cli import main
from mystlite.files import tree_digest

pytestmark = [pytest.mark.build]

TIMEOUT = 120_000

PROJECT = {
    "myst.yml": """
        version: 1
        project:
          title: Executed
          jupyter:
            lite: true
          toc:
            - file: index.md
            - file: second.md
            - file: skipped.md
        mystlite:
          contents: [data]
          execute_timeout: 12  # IPython's import alone takes 3-5 s on a loaded 2-core machine
        """,
    "data/numbers.txt": "3 4 5\n",
    "index.md": """
        ---
        title: Executed
        kernelspec:
          name: python3
          display_name: Python 3
        ---

        ```{code-cell} python
        values = [int(v) for v in open("data/numbers.txt").read().split()]
        print("sum", sum(values))
        ```

        ```{code-cell} python
        from IPython.display import HTML
        HTML("<b class='made'>built</b>")
        ```

        ```{code-cell} python
        :tags: [raises-exception]
        1 / 0
        ```

        ```{code-cell} python
        :tags: [skip-execution]
        print("never at build time")
        ```
        """,
    "second.md": """
        ---
        title: Second
        kernelspec:
          name: python3
          display_name: Python 3
        ---

        ```{code-cell} python
        print("second page")
        ```
        """,
    "skipped.md": """
        ---
        title: Skipped
        execute:
          skip: true
        kernelspec:
          name: python3
          display_name: Python 3
        ---

        ```{code-cell} python
        print("skipped page")
        ```
        """,
}


def outputs_text(html: str) -> list[str]:
    import re

    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<div class="cell-outputs">(.*?)</div>\s*</div>', html,
                                                          re.S)]


@pytest.fixture
def executed_project(make_project, download_cache):
    from mystlite.log import Reporter
    from mystlite.site import build_site

    root = make_project(PROJECT)
    sources = tree_digest(root)
    site = build_site(root, Reporter(quiet=True), cache_dir=download_cache, execute=True)
    assert {k: v for k, v in tree_digest(root).items() if not k.startswith("_build/")} == sources  # sources untouched
    return root, site


def test_cells_run_at_build_time_with_mystmds_conventions(executed_project):
    root, site = executed_project
    assert site.pages_executed == 2  # index and second; skipped.md has execute.skip
    page = (site.output / "index.html").read_text()
    shown = outputs_text(page)
    assert shown[0].strip() == "sum 12"  # the drive is there, as in the browser
    assert "<b class='made'>built</b>" in page or '<b class="made">built</b>' in page
    assert "ZeroDivisionError: division by zero" in shown[2]
    assert shown[3] == ""  # skip-execution: not run
    assert "second page" in (site.output / "second" / "index.html").read_text()
    assert outputs_text((site.output / "skipped" / "index.html").read_text()) == [""]  # the page was not run
    # the lite notebook (Open in JupyterLite, Save my notebook) carries the same outputs
    notebook = json.loads((site.output / "lite" / "files" / "index.ipynb").read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code[0]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "sum 12\n"}]
    assert code[2]["outputs"][0]["ename"] == "ZeroDivisionError"


def test_a_rebuild_executes_only_the_changed_page(executed_project, download_cache):
    from mystlite.log import Reporter
    from mystlite.site import build_site

    root, _ = executed_project
    again = build_site(root, Reporter(quiet=True), cache_dir=download_cache, execute=True)
    assert again.pages_executed == 0
    second = root / "second.md"
    second.write_text(second.read_text().replace('print("second page")', 'print("second, edited")'))
    edited = build_site(root, Reporter(quiet=True), cache_dir=download_cache, execute=True)
    assert edited.pages_executed == 1
    assert "second, edited" in (edited.output / "second" / "index.html").read_text()


def test_a_failing_cell_is_named_and_fatal_with_strict(make_project, download_cache, capsys):
    files = dict(PROJECT)
    files["second.md"] = files["second.md"].replace('print("second page")', 'print("before")\n        int("x")')
    root = make_project(files)
    good = root / "_build" / "html"
    code = main(["build", str(root), "--execute", "--cache-dir", str(download_cache)])
    err = capsys.readouterr().err
    assert code == 0 and "second.md: cell 1 (line 9) raised ValueError: invalid literal for int()" in err
    assert good.is_dir()
    before = tree_digest(good)
    code = main(["build", str(root), "--execute", "--strict", "--cache-dir", str(download_cache)])
    err = capsys.readouterr().err
    assert code == 1 and "failed at build time (--strict)" in err and "second.md: cell 1" in err
    assert "Traceback" not in err
    assert tree_digest(good) == before  # the earlier good output is untouched


def test_a_runaway_cell_times_out(make_project, download_cache, capsys):
    files = dict(PROJECT)
    files["second.md"] = files["second.md"].replace('print("second page")', 'while True:\n            pass')
    root = make_project(files)
    code = main(["build", str(root), "--execute", "--cache-dir", str(download_cache)])
    err = capsys.readouterr().err
    assert code == 0 and "second.md: cell 1 (line 9) timed out after 12 s (mystlite.execute_timeout)" in err
    assert "longer than 12 s" in (root / "_build" / "html" / "second" / "index.html").read_text()


@pytest.mark.browser
def test_build_outputs_equal_what_the_reader_gets(executed_project, serve, offline_page):
    root, site = executed_project
    served = serve(site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url(""))
    cells = page.locator('.cell[data-executable="true"] .cell-outputs')
    built = [cells.nth(i).inner_text() for i in range(3)]
    for index in range(3):
        page.locator(f'.cell[data-executable="true"] .run-cell').nth(index).click()
        page.wait_for_function(
            f"/^\\[\\d+\\]$/.test(document.querySelectorAll('.cell[data-executable=\"true\"] .cell-count')"
            f"[{index}].textContent)", timeout=TIMEOUT)
    live = [cells.nth(i).inner_text() for i in range(3)]
    assert built == live  # text, a display and an error, exactly as the reader's own run shows them
    browser.assert_offline()
