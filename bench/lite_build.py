"""Benchmark: mystlite build of sample_site against a plain `jupyter lite build` of the same contents.

Prints, for each figure, mystlite's value, the plain baseline's, their ratio and the target:
cold build (download cache warm), no-change rebuild, rebuild after editing one notebook (mystlite's redoes
the pages with mystmd too; its target is issue 25's: JupyterLite's files other than the contents' are kept,
which the bench checks by inode), and output size split into pyodide, apps, wheels, contents (and pages,
which the plain build has none of).

    .venv/bin/python bench/lite_build.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MB = 1024 * 1024


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def size(paths) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


CONTENTS = ("files/", "api/contents/")  # what JupyterLite makes of the contents: all a notebook edit may touch


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def split_lite(lite: Path) -> dict[str, int]:
    wheels = [*lite.glob("static/pyodide/*.whl"), *lite.glob("pypi/*.whl"),
              *lite.glob("extensions/*/*/static/pypi/*.whl")]
    pyodide = [p for p in (lite / "static" / "pyodide").glob("*") if p.suffix != ".whl"] \
        if (lite / "static" / "pyodide").is_dir() else []
    contents = [lite / "files", lite / "api" / "contents"]
    total = size([lite])
    parts = {"pyodide": size(pyodide), "wheels": size(wheels), "contents": size(contents)}
    parts["apps"] = total - sum(parts.values())
    parts["total"] = total
    return parts


def edit(notebook: Path, n: int) -> None:
    data = json.loads(notebook.read_text())
    data["cells"][0]["source"] = f"Edited {n}\n" + "".join(data["cells"][0]["source"])
    notebook.write_text(json.dumps(data, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per warm figure (median is shown)")
    args = parser.parse_args()
    cache = Path(os.environ.get("MYSTLITE_CACHE_DIR") or REPO / ".cache" / "mystlite")
    env = {**os.environ, "MYSTLITE_CACHE_DIR": str(cache)}
    mystlite = [str(BIN / "mystlite"), "build", "-q"]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(REPO / "sample_site", tmp / "sample_site", ignore=shutil.ignore_patterns("_build"))
        shutil.copytree(REPO / "wheels", tmp / "wheels", ignore=shutil.ignore_patterns("src"))
        site = tmp / "sample_site"
        run(mystlite, site, env)  # warms the download cache only; the timed cold build starts from nothing
        shutil.rmtree(site / "_build")

        # the plain baseline: the same notebooks, data and wheel, `jupyter lite build` defaults
        plain = tmp / "plain"
        (plain / "contents" / "notebooks").mkdir(parents=True)
        shutil.copy(site / "notebooks" / "explore.ipynb", plain / "contents" / "notebooks")
        subprocess.run([str(BIN / "jupytext"), "--to", "ipynb", "-o", str(plain / "contents/notebooks/stats.ipynb"),
                        str(site / "notebooks" / "stats.md")], check=True, capture_output=True)
        shutil.copytree(site / "data", plain / "contents" / "data")
        jupyter_lite = [str(BIN / "jupyter"), "lite", "build", "--contents", "contents", "--output-dir", "out",
                        "--piplite-wheels", str(tmp / "wheels" / "coursekit-0.1.0-py3-none-any.whl")]

        figures = {}
        figures["cold build"] = (run(mystlite, site, env), run(jupyter_lite, plain), 1.0)
        figures["no-change rebuild"] = (
            statistics.median(run(mystlite, site, env) for _ in range(args.repeat)),
            statistics.median(run(jupyter_lite, plain) for _ in range(args.repeat)), 0.25)
        ours_edit, plain_edit, rewritten = [], [], set()
        lite = site / "_build" / "html" / "lite"
        for n in range(args.repeat):
            before = inodes(lite)
            edit(site / "notebooks" / "explore.ipynb", n)
            ours_edit.append(run(mystlite, site, env))
            after = inodes(lite)
            rewritten |= {rel for rel in before if after.get(rel) != before[rel]}
            edit(plain / "contents" / "notebooks" / "explore.ipynb", n)
            plain_edit.append(run(jupyter_lite, plain))
        # (ours re-renders the pages with mystmd too, which the plain build has none of)
        figures["one notebook edited"] = (statistics.median(ours_edit), statistics.median(plain_edit), None)
        beyond = sorted(rel for rel in rewritten if not rel.startswith(CONTENTS) and rel != "jupyter-lite.json")
        lite_files = len(inodes(lite))

        out = site / "_build" / "html"
        ours = split_lite(out / "lite")
        ours["pages"] = size([out]) - ours["total"]
        ours["total"] += ours["pages"]
        theirs = split_lite(plain / "out")
        theirs["pages"] = 0

    print(f"{'figure':<22}{'mystlite':>12}{'plain':>12}{'ratio':>9}{'target':>10}")
    for name, (a, b, target) in figures.items():
        verdict = f"{'≤ ' + str(target) + '×':>10}  {'ok' if a / b <= target else 'MISSED'}" if target else f"{'-':>10}"
        print(f"{name:<22}{a:>11.2f}s{b:>11.2f}s{a / b:>9.2f}{verdict}")
    print(f"a notebook edit rewrote {len(rewritten)} of JupyterLite's {lite_files} files (the rest kept, hard-linked: "
          f"same inode); outside its contents and jupyter-lite.json: {len(beyond)}{' ' + str(beyond[:5]) if beyond else ''}"
          f"  target (issue 25: only what the edit touches) 0: {'ok' if not beyond else 'MISSED'}")
    print()
    print(f"{'output size (MB)':<22}{'mystlite':>12}{'plain':>12}{'ratio':>9}")
    for part in ("pyodide", "wheels", "apps", "contents", "pages", "total"):
        a, b = ours[part] / MB, theirs[part] / MB
        ratio = f"{a / b:.2f}" if b else "-"
        print(f"{part:<22}{a:>12.2f}{b:>12.2f}{ratio:>9}")
    print(f"\noffline site on disk: {ours['total'] / MB:.1f} MB (no target: issue 25 retired the disk one; what "
          "a reader transfers is measured by bench/serve_transfer.py)")
    print("(the plain build self-hosts no pyodide: its kernel loads pyodide from a CDN, so it does not work offline)")


if __name__ == "__main__":
    main()
