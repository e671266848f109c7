"""Benchmark: build-time execution (`mystlite build --execute`), cold and cached, against mystmd's own
`myst build --execute` on CPython with ipykernel (the usual way), for sample_site and a generated project of
50 notebook pages.

    .venv/bin/python bench/execute.py [--pages 50] [--no-mystmd]

mystlite's execution cost is the build with --execute minus the same build without it (both clean). Cached is a
second build of the unchanged project with --execute. For mystmd, a scratch virtualenv gets ipykernel and
jupyter_server from your package index (pip), and `myst build --execute --html` runs there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mystlite.log import Reporter  # noqa: E402
from mystlite.site import build_site  # noqa: E402


def generated_project(root: Path, pages: int) -> Path:
    root.mkdir(parents=True)
    toc = "\n".join(f"    - file: page{i:02d}.md" for i in range(pages))
    (root / "myst.yml").write_text(f"version: 1\nproject:\n  title: Generated\n  jupyter:\n    lite: true\n"
                                   f"  toc:\n{toc}\n")
    for i in range(pages):
        (root / f"page{i:02d}.md").write_text(textwrap.dedent(f"""\
            ---
            title: Page {i}
            kernelspec:
              name: python3
              display_name: Python 3
            ---

            ```{{code-cell}} python
            numbers = list(range({100 + i}))
            total = sum(n * n for n in numbers)
            print("page {i}", total)
            ```

            ```{{code-cell}} python
            import statistics
            statistics.mean(numbers)
            ```

            ```{{code-cell}} python
            {{"page": {i}, "squares": [n * n for n in range(5)]}}
            ```
            """))
    return root


def copy_sample(tmp: Path) -> Path:
    shutil.copytree(REPO / "sample_site", tmp / "sample_site", ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(REPO / "wheels", tmp / "wheels", ignore=shutil.ignore_patterns("src"))
    return tmp / "sample_site"


def timed_build(project: Path, execute: bool) -> tuple[float, int]:
    start = time.perf_counter()
    site = build_site(project, Reporter(quiet=True), execute=execute)
    return time.perf_counter() - start, site.pages_executed


def mystlite_figures(make) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        plain, _ = timed_build(make(Path(tmp) / "a"), execute=False)
    with tempfile.TemporaryDirectory() as tmp:
        project = make(Path(tmp) / "b")
        cold, ran = timed_build(project, execute=True)
        cached, ran_again = timed_build(project, execute=True)
    return {"plain": plain, "cold": cold, "execution": cold - plain, "cached": cached, "ran": ran,
            "ran_again": ran_again}


def mystmd_execute(make, scratch: Path) -> float | None:
    env_dir = scratch / "kernel-env"
    if not env_dir.exists():
        venv.create(env_dir, with_pip=True)
        pip = subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", "ipykernel", "jupyter_server"],
                             capture_output=True, text=True)
        if pip.returncode != 0:
            print(f"mystmd baseline skipped: pip could not install ipykernel/jupyter_server: {pip.stderr[-300:]}")
            return None
    myst = shutil.which("myst", path=str(Path(sys.executable).parent)) or shutil.which("myst")
    if myst is None:
        print("mystmd baseline skipped: no `myst` command")
        return None
    import yaml

    from mystlite.pages.mystmd import TEMPLATE_DIR

    with tempfile.TemporaryDirectory() as tmp:
        project = make(Path(tmp) / "m")
        config = yaml.safe_load((project / "myst.yml").read_text())
        config.setdefault("site", {})["template"] = str(TEMPLATE_DIR)  # mystmd's own themes need the network
        (project / "myst.yml").write_text(yaml.safe_dump(config))
        env = {**os.environ, "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}"}
        if os.geteuid() == 0:  # jupyter server refuses root unless told (CI containers run as root)
            config_dir = scratch / "jupyter-config"
            config_dir.mkdir(exist_ok=True)
            (config_dir / "jupyter_server_config.py").write_text("c.ServerApp.allow_root = True\n")
            env["JUPYTER_CONFIG_DIR"] = str(config_dir)
        start = time.perf_counter()
        result = subprocess.run([myst, "build", "--execute", "--html"], cwd=project, env=env,
                                capture_output=True, text=True)
        took = time.perf_counter() - start
        plain_start = time.perf_counter()
        shutil.rmtree(project / "_build", ignore_errors=True)
        subprocess.run([myst, "build", "--html"], cwd=project, env=env, capture_output=True, text=True)
        plain = time.perf_counter() - plain_start
    log = result.stdout + result.stderr
    if result.returncode != 0 or "Jupyter server did not start" in log or "Could not load Jupyter" in log:
        print(f"mystmd baseline failed: {log[-300:]}")
        return None
    return took - plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--no-mystmd", action="store_true", help="skip the mystmd + ipykernel baseline")
    args = parser.parse_args()
    projects = {"sample_site": lambda dest: copy_sample(dest),
                f"{args.pages} generated pages": lambda dest: generated_project(dest, args.pages)}
    with tempfile.TemporaryDirectory() as scratch:
        for name, make in projects.items():
            ours = mystlite_figures(make)
            theirs = None if args.no_mystmd else mystmd_execute(make, Path(scratch))
            print(f"\n{name}")
            print(f"  mystlite build, no execution       {ours['plain']:7.2f} s")
            print(f"  mystlite build --execute, cold     {ours['cold']:7.2f} s  "
                  f"(execution {ours['execution']:.2f} s, {ours['ran']} pages run)")
            print(f"  mystlite build --execute, cached   {ours['cached']:7.2f} s  ({ours['ran_again']} pages run)")
            if theirs is not None:
                print(f"  mystmd --execute on CPython        execution {theirs:.2f} s; "
                      f"ratio mystlite/mystmd {ours['execution'] / theirs:.2f}")


if __name__ == "__main__":
    main()
