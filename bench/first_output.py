"""Benchmark: page load → first in-page output, against the JupyterLite notebook app of the same site.

Builds a site, serves it on 127.0.0.1 and drives headless Chromium (every other host unresolvable).
mystlite: open the page, press Run on its first cell, wait for the output.
JupyterLite: open the same notebook in lite/notebooks, run the same first cell, wait for the output.
Times are the page's own clock from navigation start to the output's appearance (ranges and the load
average are printed too). Cold means a fresh browser profile (empty cache); warm is a second visit in the same profile, which is kept
on disk (a persistent context) as a returning reader's is.

    .venv/bin/python bench/first_output.py [--repeat N] [--site sample|science|hidden]

`sample`: sample_site's stats page (a custom pure wheel). `science`: tests/projects/science, whose first cell
imports msgpack, a compiled PEP 783 wheel found from the imports. `hidden`: tests/projects/reader, whose first
cell is folded (hide-input): its Run button still runs the cell's own code.
"""

from __future__ import annotations

import argparse
import os
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, Served  # noqa: E402

from mystlite.log import Reporter  # noqa: E402
from mystlite.site import build_site  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
# site -> (project folder, page URL, notebook in the lite drive, text of the first cell's output)
SITES = {
    "sample": ("sample_site", "stats/", "notebooks/stats.ipynb", "Hello, reader, from coursekit"),
    "science": ("tests/projects/science", "", "index.ipynb", "{'answer': 42}"),
    "hidden": ("tests/projects/reader", "", "index.ipynb", "folded ran"),
}
SITE = SITES["sample"]


# The moment the output appears, on the page's own clock (milliseconds since navigation started): the figure
# then excludes the driver's round trips, which would add the same ~0.3 s to both sides.
SHOWN = """(([selector, text]) => {
  new MutationObserver((_, observer) => {
    for (const node of document.querySelectorAll(selector)) {
      if (node.textContent.includes(text)) { window.__mystliteShown = performance.now(); observer.disconnect(); return; }
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
})"""


def shown(page, selector: str) -> float:
    page.add_init_script(f"{SHOWN}({json.dumps([selector, SITE[3]])})")
    return selector


def seconds_to_output(page) -> float:
    page.wait_for_function("window.__mystliteShown !== undefined", timeout=120_000)
    return page.evaluate("window.__mystliteShown") / 1000


def mystlite_first_output(page, served) -> float:
    shown(page, ".cell[data-cell-index='0'] .cell-outputs")
    page.goto(served.url(SITE[1]))
    page.locator(".cell[data-cell-index='0'] .run-cell").click()
    return seconds_to_output(page)


def jupyterlite_first_output(page, served) -> float:
    shown(page, ".jp-OutputArea-output")
    page.goto(served.url(f"lite/notebooks/index.html?path={SITE[2]}"))
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    page.locator(".jp-CodeCell .cm-content").first.click()
    page.keyboard.press("Shift+Enter")
    return seconds_to_output(page)


def measure(pw, served, visit, repeat: int) -> tuple[list[float], list[float]]:
    """Cold: a fresh browser profile. Warm: a second visit in that profile, kept on disk as a returning
    reader's is (V8 caches compiled wasm only in a persistent profile, never in a throwaway context)."""
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as profile:
            context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                            args=ARGS)
            cold.append(visit(context.new_page(), served))
            warm.append(visit(context.new_page(), served))
            context.close()
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--site", choices=sorted(SITES), default="sample")
    parser.add_argument("--static-host", action="store_true",
                        help="serve without COOP/COEP headers, as GitHub Pages does (the site's service worker "
                             "isolates the page, at the cost of one reload on the first visit)")
    args = parser.parse_args()
    global SITE
    SITE = SITES[args.site]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(REPO / SITE[0], project, ignore=shutil.ignore_patterns("_build"))
        shutil.copytree(REPO / "wheels", Path(tmp) / "wheels", ignore=shutil.ignore_patterns("src"))
        site = build_site(project, Reporter(quiet=True))
        served = Served(site.output, "/", isolate=not args.static_host)
        with sync_playwright() as pw:
            ours_cold, ours_warm = measure(pw, served, mystlite_first_output, args.repeat)
            lite_cold, lite_warm = measure(pw, served, jupyterlite_first_output, args.repeat)
        served.close()

    med = statistics.median
    print(f"load average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"site: {args.site}" + (" (static host: no headers)" if args.static_host else ""))
    print(f"{'page load → first output':<28}{'mystlite':>10}{'JupyterLite':>13}{'ratio':>8}{'target':>16}")
    ratio = med(ours_cold) / med(lite_cold)
    print(f"{'cold (empty cache)':<28}{med(ours_cold):>9.2f}s{med(lite_cold):>12.2f}s{ratio:>8.2f}"
          f"{'≤ 0.12×':>16}  {'ok' if ratio <= 0.12 else 'MISSED'}")
    print(f"{'warm (second visit)':<28}{med(ours_warm):>9.2f}s{med(lite_warm):>12.2f}s"
          f"{med(ours_warm) / med(lite_warm):>8.2f}{'≤ 0.6 s':>16}  {'ok' if med(ours_warm) <= 0.6 else 'MISSED'}")
    print(f"\nruns: mystlite cold {[round(x, 2) for x in ours_cold]}, warm {[round(x, 2) for x in ours_warm]}; "
          f"JupyterLite cold {[round(x, 2) for x in lite_cold]}, warm {[round(x, 2) for x in lite_warm]}")


if __name__ == "__main__":
    main()
