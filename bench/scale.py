"""Benchmark: big books. Generated projects of N pages (70% Markdown, 30% small notebooks), against
`myst build --site` of the same project in the same run.

For each size it prints, with the ratio to stock mystmd and the target of issue 25 (mystlite runs mystmd with
the fix it carries, mystlite/pages/mystpatch.py; the baseline is stock `myst build --site`):
  cold build (download cache warm)            target ≤ 1.0×
  no-change rebuild                            target ≤ 0.05×
  one-page edit, `mystlite build`              target ≤ 0.8×
  one-page edit under `serve --watch`          target ≤ 0.3× (save → reload event, kept mystmd)
and the peak RSS of the build (mystlite's Python and its largest child, mystmd's node). Target < 2 GB.

Each figure is the median of --rounds rounds (default 3, 1 at 1,000 pages and more), ours and stock mystmd
alternating within a round. mystlite runs from bytecode, as an installed package does (this script compiles
the package first: an environment with PYTHONDONTWRITEBYTECODE would otherwise compile it on every run).

    .venv/bin/python bench/scale.py [--pages 10 100 1000] [--rounds N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
MB = 1024 * 1024


def generate(root: Path, pages: int) -> list[str]:
    """A project of `pages` pages; returns the page files in toc order."""
    root.mkdir(parents=True)
    files = []
    for i in range(pages):
        if i % 10 < 7:
            name = f"chapter-{i:04d}.md"
            refs = f"See [the previous page](chapter-{i - 1:04d}.md).\n\n" if i % 10 and i else ""
            (root / name).write_text(f"# Page {i}\n\n{refs}" + "\n\n".join(
                f"## Section {j}\n\nSome text about topic {i}.{j}, with $x_{j}^2$ and **emphasis**." for j in range(4))
                + "\n")
        else:
            name = f"notebook-{i:04d}.ipynb"
            cells = [{"cell_type": "markdown", "metadata": {}, "source": f"# Notebook {i}\n\nA small notebook."},
                     {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": f"x = {i}\nx * 2",
                      "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                   "data": {"text/plain": str(i * 2)}}]}]
            (root / name).write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3"}}}))
        files.append(name)
    toc = "\n".join(f"    - file: {name}" for name in files)
    (root / "myst.yml").write_text(f"version: 1\nproject:\n  title: Scale {pages}\n  jupyter:\n    lite: true\n"
                                   f"  toc:\n{toc}\n")
    return files


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Seconds, and the peak RSS (KB) of the largest process run so far (the command and its children)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "NO_UPDATE_NOTIFIER": "1", "npm_config_registry": "http://127.0.0.1:9/"})
    out, _ = child.communicate()
    elapsed = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out[-3000:]}")
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def myst(cwd: Path) -> float:
    import mystmd_py

    script = Path(mystmd_py.__file__).parent / "myst.cjs"
    shutil.rmtree(cwd / "_build", ignore_errors=True)
    return timed(["node", str(script), "build", "--site"], cwd)[0]


def edit(path: Path, n: int) -> None:
    text = path.read_text()
    if path.suffix == ".ipynb":
        data = json.loads(text)
        data["cells"][0]["source"] += f"\n\nEdit {n}."
        path.write_text(json.dumps(data))
    else:
        path.write_text(text + f"\nEdit {n}.\n")


def watch_edit(root: Path, page: Path, edits: int) -> float:
    """Median seconds from saving a page to the reload event of `serve --watch`."""
    child = subprocess.Popen([str(BIN / "mystlite"), "serve", str(root), "--watch", "--port", "0", "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = re.search(r"http://([\d.]+):(\d+)", child.stdout.readline())
        found: queue.Queue = queue.Queue()

        def events():
            conn = http.client.HTTPConnection(url.group(1), int(url.group(2)))
            conn.request("GET", "/__mystlite/events")
            response = conn.getresponse()
            while line := response.fp.readline():
                if line.startswith(b"event: "):
                    found.put(time.perf_counter())

        threading.Thread(target=events, daemon=True).start()
        time.sleep(5 + len(list(root.glob("*"))) / 15)  # the kept mystmd builds the project once, then watches
        took = []
        for n in range(edits):
            edit(page, 1000 + n)
            start = time.perf_counter()
            took.append(found.get(timeout=900) - start)
            time.sleep(1.0)
        return sorted(took)[len(took) // 2]
    finally:
        child.terminate()
        child.wait()


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--rounds", type=int, default=None, help="default: 3, and 1 at 1,000 pages or more")
    parser.add_argument("--watch-edits", type=int, default=5)
    args = parser.parse_args()
    import mystlite

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(mystlite.__file__).parent)], check=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for pages in args.pages:
        rounds = args.rounds or (3 if pages < 1000 else 1)
        with tempfile.TemporaryDirectory() as tmp:
            ours, theirs = Path(tmp) / "ours", Path(tmp) / "theirs"
            files = generate(ours, pages)
            shutil.copytree(ours, theirs)
            # mystmd needs a site template to build a site; ours is local (an official theme would be downloaded)
            from mystlite.pages.mystmd import TEMPLATE_DIR

            (theirs / "myst.yml").write_text((theirs / "myst.yml").read_text() + f"site:\n  template: {TEMPLATE_DIR}\n")
            middle = files[len(files) // 2]
            build = [str(BIN / "mystlite"), "build", str(ours), "-q"]
            took: dict[str, list[float]] = {name: [] for name in ("cold", "myst cold", "nochange", "one", "myst edit")}
            rss = 0
            for n in range(rounds):
                shutil.rmtree(ours / "_build", ignore_errors=True)  # the download cache stays warm
                cold, rss = timed(build, ours)
                took["cold"].append(cold)
                took["myst cold"].append(myst(theirs))
                time.sleep(2.5)  # files younger than two seconds are never taken as unchanged
                took["nochange"].append(timed(build, ours)[0])
                edit(ours / middle, n + 1)
                took["one"].append(timed(build, ours)[0])
                edit(theirs / middle, n + 1)
                took["myst edit"].append(myst(theirs))
            watch = watch_edit(ours, ours / middle, args.watch_edits)
            cold, myst_cold, nochange, one, myst_edit = (median(took[name]) for name in took)
            print(f"{pages} pages, median of {rounds} (load {os.getloadavg()[0]:.2f}):")
            for name, value, base, target in (("cold build", cold, myst_cold, 1.0),
                                              ("no-change rebuild", nochange, myst_cold, 0.05),
                                              ("one-page edit", one, myst_edit, 0.8),
                                              ("one-page edit, serve --watch", watch, myst_edit, 0.3)):
                ratio = value / base
                print(f"  {name:30s} {value:7.2f} s   myst build --site {base:7.2f} s   {ratio:5.2f}×  "
                      f"target ≤ {target}×: {'ok' if ratio <= target else 'MISSED'}")
            if rounds > 1:
                print("  each round: " + "; ".join(f"{name} " + " ".join(f"{v:.2f}" for v in values)
                                                   for name, values in took.items()))
            print(f"  peak RSS of a build process: {rss / 1024:.0f} MB (target < 2048 MB)")


if __name__ == "__main__":
    main()
