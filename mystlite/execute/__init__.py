"""Build-time execution (`mystlite build --execute`): every compute page's code cells run in pyodide under node,
with the site's own pyodide, lock, wheels and drive, through the in-page runtime's kernel.py. The outputs are the
ones a reader gets, and they replace the stored outputs in the built pages only, never in the sources.

mystmd's conventions: frontmatter `execute: {skip: true}` (or the older `skip_execution: true`) skips a page, the cell tags
`skip-execution` and `raises-exception` are honoured, and any other cell that raises is a problem naming the page,
the cell and the exception. A cell that runs longer than the timeout is stopped and reported the same way.
Each page's run is cached by a digest of its code, the lock, the wheels, the drive and the runner itself.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import proc
from ..files import file_digest, read_json, tree_digest, write_text
from ..log import Reporter
from ..node import find_node
from ..runtime import STATIC as RUNTIME_DIR

SCRIPT = Path(__file__).with_name("run.mjs")
KERNEL = RUNTIME_DIR / "kernel.py"
START_SECONDS = 120  # loading pyodide and the drive, before the first cell's own timeout starts


@dataclass
class PageRun:
    """One page's execution: outputs per code cell in page order (None: not run, the stored ones stay)."""

    outputs: list[list[dict] | None]
    problems: list[str] = field(default_factory=list)  # "page: cell N raised ValueError: …"
    finished: bool = True  # False when stopped (timeout) or crashed: such a run is not cached


@dataclass
class Executed:
    pages: dict[str, PageRun] = field(default_factory=dict)  # page path -> its run
    ran: int = 0  # pages executed (not taken from the cache)
    exercise_problems: list[tuple[str, str]] = field(default_factory=list)  # (where, what): see exercises.py

    def outputs(self) -> dict[str, list[list[dict] | None]]:
        return {path: run.outputs for path, run in self.pages.items()}

    @property
    def problems(self) -> list[str]:
        return [problem for run in self.pages.values() for problem in run.problems]


def skipped_page(page) -> bool:
    """mystmd's frontmatter `execute: {skip: true}`, and the older `skip_execution: true`."""
    front = page.frontmatter
    execute = front.get("execute")
    return (isinstance(execute, dict) and execute.get("skip") is True) or front.get("skip_execution") is True


def execute_pages(project, pyodide_dir: Path, drive: Path, notebooks: dict[str, str], checks: dict[str, set[int]],
                  work: Path, reporter: Reporter, timeout: float) -> Executed:
    """Run every compute page (in parallel, up to the core count) with the staged lite bundle's pyodide
    folder and drive; pages whose inputs are unchanged come from the cache without running. `checks`: each
    page's exercise check cells, which the reader's runner and `check --execute` run, not this."""
    from ..pyodide.imports import page_cells

    generated = set(notebooks.values())
    environment = _environment_digest(pyodide_dir, drive, generated, timeout)
    executed = Executed()
    jobs = []
    for page in project.compute_pages:
        if skipped_page(page):
            continue
        cells = page_cells(page)
        hidden = checks.get(page.path, set())
        notebook = notebooks.get(page.path, page.path)
        job = {"page": page.path, "cwd": "/drive/" + "/".join(notebook.split("/")[:-1]),
               "cells": [{"code": cell.code.lstrip("\n"), "skip": "skip-execution" in cell.tags or index in hidden}
                         for index, cell in enumerate(cells)]}
        jobs.append((page.path, cells, job))
    runs = run_jobs(jobs, pyodide_dir, drive, environment, work / "execute", reporter, timeout, "page")
    executed.pages.update({name: run for name, (run, _fresh) in runs.items()})
    executed.ran = sum(fresh for _run, fresh in runs.values())
    from .exercises import verify_exercises

    executed.exercise_problems = verify_exercises(project, pyodide_dir, drive, notebooks, environment,
                                                  work / "execute", reporter, timeout)
    return executed


def run_jobs(jobs: list[tuple[str, list, dict]], pyodide_dir: Path, drive: Path, environment: str, cache: Path,
             reporter: Reporter, timeout: float, noun: str) -> dict[str, tuple[PageRun, bool]]:
    """{name: (run, whether it ran now)} for jobs of (name, its cells, the job for run.mjs); a job whose key
    (its code and the environment) is in the cache does not run again."""
    results: dict[str, tuple[PageRun, bool]] = {}
    todo = []
    for name, cells, job in jobs:
        key = hashlib.sha256(json.dumps([job, environment], sort_keys=True).encode()).hexdigest()
        saved = read_json(cache / f"{key}.json")
        if isinstance(saved, dict) and isinstance(saved.get("outputs"), list):
            results[name] = (PageRun(saved["outputs"], saved.get("problems", [])), False)
            continue
        todo.append((name, cells, job, key))
    if not todo:
        return results
    workers = max(1, min(len(todo), os.cpu_count() or 1))
    queues = [todo[i::workers] for i in range(workers)]  # one node process per queue, a fresh interpreter per job
    with reporter.step(f"executing {len(todo)} {noun}{'s' if len(todo) != 1 else ''} in pyodide"):
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            done = pool.map(lambda queue: _run_queue(queue, pyodide_dir, drive, timeout), queues)
            for queue, runs in zip(queues, done):
                for (name, _cells, _job, key), run in zip(queue, runs):
                    results[name] = (run, True)
                    if run.finished:
                        write_text(cache / f"{key}.json",
                                   json.dumps({"outputs": run.outputs, "problems": run.problems}))
    return results


def write_outputs(drive: Path, notebooks: dict[str, str], executed: Executed, reporter: Reporter,
                  hidden: dict[str, set[int]] | None = None) -> None:
    """The executed outputs, written into the staged drive's notebooks (so "Open in JupyterLite" and the
    downloaded notebook show them too). The sources are never touched: these are the build's copies.
    `hidden`: page -> code cells left out of its notebook (exercises' checks)."""
    for page, run in sorted(executed.pages.items()):
        left_out = (hidden or {}).get(page, set())
        outputs = [o for index, o in enumerate(run.outputs) if index not in left_out]
        path = drive / notebooks.get(page, page)
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        code = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
        if len(code) != len(outputs):
            reporter.warn(f"{page}: its notebook has {len(code)} code cells and {len(outputs)} ran; "
                          "the notebook keeps its stored outputs")
            continue
        for cell, shown in zip(code, outputs):
            if shown is not None:
                cell["outputs"] = shown
                counts = [o.get("execution_count") for o in shown if o.get("execution_count")]
                cell["execution_count"] = counts[0] if counts else None
        write_text(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def _environment_digest(pyodide_dir: Path, drive: Path, generated: set[str], timeout: float) -> str:
    """Everything but the page's own code that its outputs depend on. The notebooks made from pages are left
    out: editing one page must not re-run the others."""
    digest = hashlib.sha256()
    for folder, skip in ((pyodide_dir, set()), (drive, generated)):
        for name, value in sorted(tree_digest(folder).items()):
            if name not in skip:
                digest.update(f"{folder.name}/{name}\0{value}\n".encode())
    for path in (KERNEL, SCRIPT):
        digest.update(file_digest(path).encode())
    digest.update(str(timeout).encode())
    return digest.hexdigest()


class _Node:
    """One node process that runs pages one after the other (see run.mjs)."""

    def __init__(self, pyodide_dir: Path, drive: Path):
        self.child = proc.popen([find_node(), str(SCRIPT), str(pyodide_dir), str(KERNEL), str(drive)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()  # read by a thread: a deadline can then cut a wait short
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.child.stdout:
            self.lines.put(line)
        self.lines.put("")  # the process ended

    def send(self, job: dict) -> None:
        self.child.stdin.write(json.dumps(job) + "\n")
        self.child.stdin.flush()

    def message(self, deadline: float) -> dict | None:
        """The next message, or None at the deadline or when the process has ended."""
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if not line:
            self.lines.put("")  # stays ended for later calls
            return None
        return json.loads(line)

    def failure(self) -> str:
        self.stop()
        return (self.child.stderr.read().strip().splitlines() or ["it stopped with no message"])[-1]

    def stop(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
        self.child.wait()


def _run_queue(queue: list, pyodide_dir: Path, drive: Path, timeout: float) -> list[PageRun]:
    runs, node = [], None
    try:
        for _page, cells, job, _key in queue:
            node = node or _Node(pyodide_dir, drive)
            run, alive = _run_page(node, job, cells, timeout)
            runs.append(run)
            if not alive:  # stopped after a timeout, or crashed: the next page gets a new process
                node = None
    finally:
        if node is not None:
            node.child.stdin.close()
            node.stop()
    return runs


def _run_page(node: _Node, job: dict, cells, timeout: float) -> tuple[PageRun, bool]:
    """The page's run, and whether the node process can go on with the next page."""
    run = PageRun([None] * len(job["cells"]))
    try:
        node.send(job)
    except OSError as err:
        run.problems.append(f"{job['page']}: the page could not run in pyodide: {err}")
        run.finished = False
        node.stop()
        return run, False
    current, deadline = None, time.monotonic() + START_SECONDS + timeout
    while True:
        message = node.message(deadline)
        if message is None:
            run.finished = False
            if time.monotonic() < deadline:  # the process ended
                run.problems.append(f"{job['page']}: the page could not run in pyodide: {node.failure()}")
            elif current is None:
                run.problems.append(f"{job['page']}: pyodide did not start within {START_SECONDS} s")
                node.stop()
            else:
                run.outputs[current] = [{"output_type": "error", "ename": "TimeoutError", "evalue": "",
                                         "traceback": [f"The cell ran longer than {timeout:g} s and was "
                                                       "stopped (mystlite.execute_timeout)."]}]
                run.problems.append(f"{where(job, cells, current)} timed out after {timeout:g} s "
                                    "(mystlite.execute_timeout)")
                node.stop()
            return run, False
        if message.get("done"):
            return run, True
        if "start" in message:
            current = message["start"]
            deadline = time.monotonic() + timeout
        elif "cell" in message and not message.get("skipped"):
            index = message["cell"]
            run.outputs[index] = message["outputs"]
            error = next((o for o in message["outputs"] if o.get("output_type") == "error"), None)
            if error and "raises-exception" not in cells[index].tags:
                run.problems.append(f"{where(job, cells, index)} raised {error['ename']}: {error['evalue']}")


def where(job: dict, cells, index: int) -> str:
    cell = cells[index]
    return cell.where() if cell.cell is not None else f"{job['page']}: cell {index + 1} (line {cell.first_line})"
