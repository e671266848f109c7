"""Benchmark: how long an exercise's check takes after the reader presses Run, on the sample's practice page.

Builds sample_site, serves it on 127.0.0.1 and drives headless Chromium (every other host unresolvable). With
Python ready, it times N presses of Run on the exercise's cell: press → the cell is done (the baseline: the same
run with no check) and press → the verdict ("✓ Correct"). The difference is what the check adds.

    .venv/bin/python bench/exercise_check.py [--runs 10]
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

from conftest import CHROMIUM, Served, copy_sample  # noqa: E402
from first_output import ARGS  # noqa: E402

from mystlite.log import Reporter  # noqa: E402
from mystlite.site import build_site  # noqa: E402

ANSWER = ("def median(values):\n    s = sorted(values)\n    m = len(s) // 2\n"
          "    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_sample(Path(tmp))
        site = build_site(root, Reporter(quiet=True))
        served = Served(site.output, "/")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page()
                page.goto(served.url("practice/"))
                page.wait_for_function("document.querySelector('.compute-status').textContent === 'Ready'",
                                       timeout=120_000)
                cell = page.locator(".exercise .cell").first
                cell.locator(".cell-input pre code").evaluate("(el, code) => { el.textContent = code; }", ANSWER)
                to_done, to_verdict = [], []
                for _ in range(args.runs + 1):  # the first run also fetches the checks file: reported apart
                    page.evaluate("document.querySelector('.exercise-feedback').replaceChildren()")
                    page.evaluate("window.__done = null; document.querySelector('.exercise .cell').addEventListener("
                                  "'mystlite:ran', () => { window.__done = performance.now(); }, { once: true })")
                    start = page.evaluate("performance.now()")
                    cell.locator(".run-cell").click()
                    page.wait_for_function("document.querySelector('.exercise-feedback').textContent"
                                           ".includes('Correct')", timeout=60_000)
                    end = page.evaluate("performance.now()")
                    done = page.evaluate("window.__done")
                    to_done.append((done - start) / 1000)
                    to_verdict.append((end - start) / 1000)
                    time.sleep(0.2)
                browser.close()
        finally:
            served.close()
            shutil.rmtree(root / "_build", ignore_errors=True)
    first, rest = to_verdict[0], to_verdict[1:]
    median_done, median_verdict = statistics.median(to_done[1:]), statistics.median(rest)
    print(f"press Run → cell done (no check):  median {median_done * 1000:.0f} ms")
    print(f"press Run → verdict (✓ Correct):   median {median_verdict * 1000:.0f} ms "
          f"(min {min(rest) * 1000:.0f}, max {max(rest) * 1000:.0f}); first run, fetching the checks file: "
          f"{first * 1000:.0f} ms")
    print(f"the check adds {(median_verdict - median_done) * 1000:.0f} ms; ratio verdict / cell: "
          f"{median_verdict / median_done:.2f}×")


if __name__ == "__main__":
    main()
