"""Benchmark: a cell that prints 100,000 lines, in the page and in JupyterLite's REPL of the same site.

Builds tests/projects/reader, serves it on 127.0.0.1 and drives headless Chromium (every other host
unresolvable). Measures from pressing Run to the cell being done (mystlite) or to the last line shown
(JupyterLite), and the longest main-thread task meanwhile (how frozen the page was).

    .venv/bin/python bench/long_output.py [--lines 100000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, Served  # noqa: E402
from first_output import ARGS  # noqa: E402

from mystlite.log import Reporter  # noqa: E402
from mystlite.site import build_site  # noqa: E402

LIMIT = 180  # seconds given to JupyterLite before it is reported as unfinished
LONG_TASKS = """window.__longest = 0; new PerformanceObserver((list) => { for (const e of list.getEntries())
  window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: "longtask", buffered: true });"""


def in_page(browser, served, code: str) -> tuple[float, float]:
    page = browser.new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(served.url(""))
    page.wait_for_function("document.querySelector('.compute-status').textContent === 'Ready'", timeout=120_000)
    editor = page.locator(".cell[data-cell-index='5'] .cell-input pre code")
    editor.evaluate("(el, code) => { el.textContent = code; }", code)
    page.evaluate("window.__longest = 0")
    start = time.perf_counter()
    page.locator(".cell[data-cell-index='5'] .run-cell").click()
    page.wait_for_function("!document.querySelector(\".cell[data-cell-index='5']\").classList.contains('running')",
                           timeout=600_000)
    seconds = time.perf_counter() - start
    longest = page.evaluate("window.__longest")
    page.close()
    return seconds, longest


def in_jupyterlite(browser, served, code: str, last: str) -> tuple[float, float]:
    page = browser.new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(served.url("lite/repl/index.html?kernel=python&toolbar=1"))
    page.wait_for_selector(".jp-CodeConsole-input .cm-content", timeout=120_000)
    page.click(".jp-CodeConsole-input .cm-content")
    page.keyboard.type("print('warm')")
    page.keyboard.press("Shift+Enter")
    page.locator(".jp-OutputArea-output", has_text="warm").first.wait_for(timeout=120_000)
    page.click(".jp-CodeConsole-input .cm-content")
    page.keyboard.type(code)
    page.evaluate("window.__longest = 0")
    start = time.perf_counter()
    page.keyboard.press("Shift+Enter")
    try:
        page.wait_for_function(f"[...document.querySelectorAll('.jp-OutputArea-output')].some(o => "
                               f"o.textContent.includes('{last}'))", timeout=LIMIT * 1000, polling=1000)
        seconds = time.perf_counter() - start
    except Exception:  # JupyterLite did not finish within the limit: reported as such
        seconds = None
    longest = page.evaluate("window.__longest")
    page.close()
    return seconds, longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    code = f"for i in range({args.lines}):\n    print('line', i)"
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "reader"
        shutil.copytree(REPO / "tests/projects/reader", project)
        site = build_site(project, Reporter(quiet=True))
        served = Served(site.output, "/")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            ours = in_page(browser, served, code)
            lite = in_jupyterlite(browser, served, code, f"line {args.lines - 1}")
            browser.close()
        served.close()
    print(f"{args.lines:,} printed lines{'':<8}{'mystlite':>10}{'JupyterLite':>13}{'ratio':>8}")
    if lite[0] is None:
        print(f"{'run to done':<28}{ours[0]:>9.2f}s{'> ' + str(LIMIT) + 's':>13}{'< ' + format(ours[0] / LIMIT, '.3f'):>8}")
    else:
        print(f"{'run to done':<28}{ours[0]:>9.2f}s{lite[0]:>12.2f}s{ours[0] / lite[0]:>8.2f}")
    print(f"{'longest main-thread task':<28}{ours[1] / 1000:>9.2f}s{lite[1] / 1000:>12.2f}s")


if __name__ == "__main__":
    main()
