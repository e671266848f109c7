"""Benchmark: what widgets cost a site and a reader.

Builds tests/projects/widgets twice: as it is (its code imports ipywidgets, so widgets ship) and with
`mystlite.widgets: false` (the baseline: no widget packages, no managers). Prints the bytes each ships and what
the widget support adds, then, in headless Chromium (every other host unresolvable), the time from page load
to the first output of a `print` cell and to the first widget (the slider), median of N fresh visits.

    .venv/bin/python bench/widgets.py [--visits 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, PROJECTS, Served  # noqa: E402
from first_output import ARGS  # noqa: E402

from mystlite.log import Reporter  # noqa: E402
from mystlite.site import build_site  # noqa: E402


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def part(site: Path, *globs: str) -> int:
    return sum(p.stat().st_size for pattern in globs for p in site.glob(pattern) if p.is_file())


def visit(browser, served: Served, code: str | None, selector: str) -> float:
    context = browser.new_context()
    page = context.new_page()
    start = time.perf_counter()
    page.goto(served.url(""))
    if code is not None:
        page.locator(".cell .cell-input pre code").first.evaluate("(el, code) => { el.textContent = code; }", code)
    page.locator(".run-cell").first.click()
    page.wait_for_selector(selector, timeout=180_000)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        with_widgets = Path(tmp) / "with" / "widgets"
        without = Path(tmp) / "without" / "widgets"
        for root in (with_widgets, without):
            shutil.copytree(PROJECTS / "widgets", root)
        (without / "myst.yml").write_text((without / "myst.yml").read_text() + "mystlite:\n  widgets: false\n")
        sites = {name: build_site(root, Reporter(quiet=True)).output
                 for name, root in (("with widgets", with_widgets), ("without", without))}
        mb = 1024 * 1024
        for name, site in sites.items():
            print(f"{name:13s} site {size(site) / mb:6.2f} MB; lock wheels "
                  f"{part(site, 'lite/static/pyodide/ipywidgets*', 'lite/static/pyodide/jupyterlab_widgets*', 'lite/static/pyodide/anywidget*', 'lite/static/pyodide/psygnal*', 'lite/static/pyodide/widgetsnbextension*') / mb:.2f} MB; "
                  f"JupyterLite managers {part(site, 'lite/extensions/@jupyter-widgets/**/*', 'lite/extensions/anywidget/**/*') / mb:.2f} MB; "
                  f"page manager {part(site, '_static/runtime/lib/widgets/*') / mb:.2f} MB")
        added = size(sites["with widgets"]) - size(sites["without"])
        print(f"widgets add {added / mb:.2f} MB on disk ({size(sites['with widgets']) / size(sites['without']):.2f}×)")
        served = Served(sites["with widgets"], "/")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                text = [visit(browser, served, "print('hello')", ".cell .output-stdout") for _ in range(args.visits)]
                widget = [visit(browser, served, None, ".widget-slider") for _ in range(args.visits)]
                browser.close()
        finally:
            served.close()
    print(f"page load → first output (print):  median {statistics.median(text):.2f} s "
          f"(min {min(text):.2f}, max {max(text):.2f})")
    print(f"page load → first widget (slider): median {statistics.median(widget):.2f} s "
          f"(min {min(widget):.2f}, max {max(widget):.2f}); "
          f"{statistics.median(widget) / statistics.median(text):.2f}× the first output")


if __name__ == "__main__":
    main()
