"""Benchmark: page load → first output when a page runs on a Jupyter server, against the same page in pyodide and
against JupyterLab's own notebook on the same server; and the bytes the remote backend adds to a page.

A real jupyter_server with ipykernel on 127.0.0.1 (and JupyterLab, when installed: `pip install jupyterlab`).
The same one-cell page is built twice: with `project.jupyter.server` and with `lite: true`. Each visit is a
fresh browser profile (cold); times are the page's own clock from navigation start to the output.

    .venv/bin/python bench/remote_first_output.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, Served  # noqa: E402
from remote_parts import JupyterServer  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
CODE = 'print("first output " + str(6 * 7))'
TEXT = "first output 42"
PAGE = f"---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n```{{code-cell}} python\n{CODE}\n```\n"
SHOWN = """([selector, text]) => {
  for (const node of document.querySelectorAll(selector)) if (node.textContent.includes(text)) return performance.now();
  return false;
}"""


def build(folder: Path, jupyter_yaml: str):
    from mystlite.log import Reporter
    from mystlite.site import build_site

    folder.mkdir(parents=True)
    (folder / "myst.yml").write_text(f"version: 1\nproject:\n  title: Bench\n  jupyter:\n{jupyter_yaml}")
    (folder / "index.md").write_text(PAGE)
    return build_site(folder, Reporter(quiet=True))


def visit(pw, url: str, run, selector: str) -> tuple[float, dict[str, int]]:
    """Seconds to the output, and the bytes of each response by path (what the page transferred)."""
    with tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=ARGS)
        page = context.new_page()
        sizes: dict[str, int] = {}

        def record(response) -> None:
            try:
                sizes[response.url] = len(response.body())
            except Exception:  # a redirect or a stream: no body
                pass

        page.on("response", record)
        page.goto(url)
        run(page)
        found = page.wait_for_function(SHOWN, arg=[selector, TEXT], polling="raf", timeout=180_000)
        seconds = found.json_value() / 1000
        page.wait_for_timeout(500)
        context.close()
    return seconds, sizes


def run_first_cell(page) -> None:
    page.locator(".cell[data-cell-index='0'] .run-cell").click()


def run_in_jupyterlab(page) -> None:
    # the execution indicator says idle before a kernel exists: wait for the status bar's "<kernel> | Idle"
    page.wait_for_function("""() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
        .some((item) => /\\| Idle$/.test(item.textContent.trim()))""", timeout=120_000)
    page.locator(".jp-Notebook .jp-CodeCell .cm-content").first.click()
    page.keyboard.press("Shift+Enter")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    try:
        import jupyterlab  # noqa: F401
        has_lab = True
    except ImportError:
        has_lab = False
    server = JupyterServer()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            remote = build(Path(tmp) / "remote", f"    server:\n      url: {server.url}\n      token: {server.token}\n")
            lite = build(Path(tmp) / "lite", "    lite: true\n")
            notebook_dir = Path(tmp) / "lab"
            notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                   "source": CODE}], "metadata": {"kernelspec": {"name": "python3",
                                   "display_name": "Python 3", "language": "python"}}, "nbformat": 4,
                        "nbformat_minor": 5}
            served_remote = Served(remote.output, "/", server_token={"url": server.url, "token": server.token})
            served_lite = Served(lite.output, "/")
            results: dict[str, list[float]] = {"server": [], "pyodide": [], "JupyterLab": []}
            remote_bytes = lite_bytes = None
            with sync_playwright() as pw:
                for _ in range(args.repeat):
                    seconds, sizes = visit(pw, served_remote.url(), run_first_cell, ".cell-outputs")
                    results["server"].append(seconds)
                    remote_bytes = sizes
                    seconds, sizes = visit(pw, served_lite.url(), run_first_cell, ".cell-outputs")
                    results["pyodide"].append(seconds)
                    lite_bytes = sizes
                lab_note = ""
                if has_lab:
                    notebook_dir.mkdir()
                    (notebook_dir / "bench.ipynb").write_text(json.dumps(notebook))
                    lab_server = JupyterServer(token="bench", root_dir=str(notebook_dir))
                    try:
                        for _ in range(args.repeat):
                            seconds, _ = visit(pw, f"{lab_server.url}lab/tree/bench.ipynb?token=bench",
                                               run_in_jupyterlab, ".jp-OutputArea-output")
                            results["JupyterLab"].append(seconds)
                    finally:
                        lab_server.stop()
                else:
                    lab_note = " (JupyterLab is not installed: pip install jupyterlab)"
            served_remote.close()
            served_lite.close()
    finally:
        server.stop()

    med = statistics.median
    print(f"load average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'page load → first output (cold)':<34}{'median':>8}{'range':>14}{'vs server page':>16}")
    base = med(results["server"])
    for name in ("server", "pyodide", "JupyterLab"):
        values = results[name]
        if not values:
            print(f"{name:<34}{'—':>8}{lab_note}")
            continue
        label = {"server": "mystlite page, Jupyter server", "pyodide": "mystlite page, pyodide",
                 "JupyterLab": "JupyterLab notebook, same server"}[name]
        print(f"{label:<34}{med(values):>7.2f}s{min(values):>7.2f}–{max(values):.2f}s{med(values) / base:>15.2f}×")

    def total(sizes: dict[str, int], part: str = "") -> int:
        return sum(size for url, size in sizes.items() if part in url)

    remote_js = total(remote_bytes, "/remote.js")
    print(f"\nbytes to the first output: server page {total(remote_bytes) / 1e3:.0f} KB, of which remote.js "
          f"{remote_js / 1e3:.1f} KB (uncompressed); pyodide page {total(lite_bytes) / 1e6:.2f} MB, of which "
          f"remote.js {total(lite_bytes, '/remote.js')} B (goal: 0)")


if __name__ == "__main__":
    main()
