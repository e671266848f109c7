"""Exercises verified at build time (with --execute, so in `mystlite check --execute` too): for every exercise
with a check, its solution must pass the check, and its starting code must not (a check that passes on the
starting code tests nothing). Each runs in a fresh interpreter after the page's other cells that come before the
exercise (earlier solutions included, as if the reader had solved those), in pyodide under node.
"""

from __future__ import annotations

from pathlib import Path

from ..log import Reporter
from . import run_jobs, skipped_page


def verify_exercises(project, pyodide_dir: Path, drive: Path, notebooks: dict[str, str], environment: str,
                     cache: Path, reporter: Reporter, timeout: float) -> list[tuple[str, str]]:
    """[(where, problem)] for the project's checked exercises."""
    from ..exercises import page_exercises
    from ..pyodide.imports import page_cells

    jobs, runs_of = [], {}
    for page in project.compute_pages:
        if skipped_page(page):
            continue
        cells = page_cells(page)
        found = page_exercises(page, cells)
        notebook = notebooks.get(page.path, page.path)
        cwd = "/drive/" + "/".join(notebook.split("/")[:-1])
        solutions = {i for exercise in found.exercises for i in exercise.solution}
        for exercise in found.exercises:
            if exercise.check is None:
                continue
            start = min([*exercise.cells, exercise.check])
            before = sorted(i for i in [*found.setup, *solutions] if i < start)
            variants = [("starting", exercise.cells)] + ([("solution", exercise.solution)] if exercise.solution else [])
            for variant, body in variants:
                order = [*before, *body, exercise.check]
                name = f"{page.path}#{exercise.number}:{variant}"
                job = {"page": page.path, "cwd": cwd,
                       "cells": [{"code": cells[i].code.lstrip("\n"),
                                  "skip": "skip-execution" in cells[i].tags and i != exercise.check} for i in order]}
                jobs.append((name, [cells[i] for i in order], job))
                runs_of[name] = (exercise, variant)
    if not jobs:
        return []
    problems = []
    for name, (run, _fresh) in sorted(run_jobs(jobs, pyodide_dir, drive, environment, cache, reporter, timeout,
                                               "exercise check").items()):
        exercise, variant = runs_of[name]
        outputs = run.outputs[-1]  # the check's; None when it never ran
        error = next((o for o in outputs or [] if o.get("output_type") == "error"), None)
        where = f"{exercise.where}: exercise {exercise.name}"
        if outputs is None:
            why = run.problems[0] if run.problems else "the run stopped first"
            problems.append((where, f"its check could not run with the {variant} code: {why}"))
        elif variant == "solution" and error is not None:
            message = f"{error.get('ename')}: {error.get('evalue')}" if error.get("evalue") else error.get("ename")
            problems.append((where, f"the solution fails its own check: {message}"))
        elif variant == "starting" and error is None:
            problems.append((where, "the starting code already passes the check, so the check tests nothing"))
    return problems
