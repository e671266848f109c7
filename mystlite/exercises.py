"""Exercises that check themselves: where they are in a compute page, read from its source.

An exercise is MyST's gated form, `{exercise-start}` … `{exercise-end}`, so that it can hold code cells. A code
cell tagged `check` inside it is the check: never shown, never in the lite notebooks, run by the in-page runner
after the reader runs the exercise's cells (see runtime/static/exercises.js). A gated `{solution-start} LABEL`
… `{solution-end}` holds the solution's code. Cells are named by their index among the page's code cells, the
order that `pyodide.imports.page_cells`, the rendered page and the lite notebook share.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from dataclasses import dataclass, field

from .project import MD_NOTEBOOK, NOTEBOOK

CHECK_TAG = "check"
GATE = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*\{(?P<name>exercise-start|exercise-end|solution-start|"
                  r"solution-end)\}(?P<arg>[^\n]*)\n(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)", re.MULTILINE)
LABEL = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.MULTILINE)


@dataclass
class Exercise:
    page: str  # the page's path, relative to the project
    number: int  # 1-based, among the page's gated exercises
    label: str | None
    where: str  # "page.md:12" or "page.ipynb: cell 4": where it starts
    cells: list[int] = field(default_factory=list)  # its code cells (page_cells indices), the check excluded
    check: int | None = None  # the check cell's index
    solution: list[int] = field(default_factory=list)  # the code cells of its solution

    @property
    def name(self) -> str:
        return self.label or f"exercise {self.number}"


@dataclass
class PageExercises:
    exercises: list[Exercise] = field(default_factory=list)
    setup: list[int] = field(default_factory=list)  # code cells outside every exercise and solution

    @property
    def checks(self) -> set[int]:
        return {e.check for e in self.exercises if e.check is not None}

    def summary(self) -> str:
        checked = sum(e.check is not None for e in self.exercises)
        solved = sum(bool(e.solution) for e in self.exercises)
        count = len(self.exercises)
        return f"{count} exercise{'s' if count != 1 else ''}, {checked} with checks, {solved} with solutions"


def page_exercises(page, cells=None) -> PageExercises:
    """The gated exercises of a compute page and the code cells in each; `cells` are its page_cells."""
    from .pyodide.imports import CODE_CELL, page_cells

    cells = page_cells(page) if cells is None else cells
    events: list[tuple[str, str, str]] = []  # ("code", index, "") | (gate name, argument, where)
    if page.kind == NOTEBOOK:
        try:
            raw = json.loads(page.source.read_text(encoding="utf-8-sig")).get("cells") or []
        except (OSError, ValueError, AttributeError):
            raw = []
        code_index = 0
        for number, cell in enumerate(raw, 1):
            if not isinstance(cell, dict):
                continue
            if cell.get("cell_type") == "code":
                events.append(("code", str(code_index), ""))
                code_index += 1
            elif cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                text = "".join(source) if isinstance(source, list) else str(source)
                events += [(m.group("name"), _argument(m), f"{page.path}: cell {number}")
                           for m in GATE.finditer(text + "\n")]
    elif page.kind == MD_NOTEBOOK:
        text = page.source.read_text(encoding="utf-8-sig", errors="replace")
        found = [(m.start(), "code", "", "") for m in CODE_CELL.finditer(text)]
        found += [(m.start(), m.group("name"), _argument(m), f"{page.path}:{text.count(chr(10), 0, m.start()) + 1}")
                  for m in GATE.finditer(text) if not _inside_code(text, m.start())]
        index = 0
        for _, kind, arg, where in sorted(found):
            if kind == "code":
                events.append(("code", str(index), ""))
                index += 1
            else:
                events.append((kind, arg, where))
    result = PageExercises()
    current: Exercise | None = None
    solving: Exercise | None = None
    labels: dict[str, Exercise] = {}
    for kind, arg, where in events:
        if kind == "exercise-start":
            current = Exercise(page.path, len(result.exercises) + 1, arg or None, where)
            result.exercises.append(current)
            if arg:
                labels[arg.lower()] = current
        elif kind == "exercise-end":
            current = None
        elif kind == "solution-start":
            solving = labels.get(arg.lower()) if arg else None
            solving = solving or _Sink()
        elif kind == "solution-end":
            solving = None
        elif kind == "code":
            index = int(arg)
            if current is not None:
                tags = cells[index].tags if index < len(cells) else ()
                if CHECK_TAG in tags and current.check is None:
                    current.check = index
                else:
                    current.cells.append(index)
            elif solving is not None:
                solving.solution.append(index)
            else:
                result.setup.append(index)
    return result


class _Sink:
    """A solution whose exercise is not on the page (or not gated): its cells belong to no exercise."""

    def __init__(self):
        self.solution: list[int] = []


def _argument(match: re.Match) -> str:
    """exercise-start's label (its :label: option) or solution-start's argument (the exercise's label)."""
    if match.group("name") == "exercise-start":
        label = LABEL.search(match.group("options") or "")
        return label.group(1) if label else ""
    return match.group("arg").strip()


def _inside_code(text: str, position: int) -> bool:
    """Whether a position is inside a code-cell (a gate written in code is not a gate)."""
    from .pyodide.imports import CODE_CELL

    return any(m.start() < position < m.end() for m in CODE_CELL.finditer(text, 0, position + 1))


def encode_check(code: str) -> str:
    """A check as the runner receives it: compressed and base64, so its text appears in no served file (this
    hides it from a glance, and is not a secret: the README says so)."""
    return base64.b64encode(zlib.compress(code.encode("utf-8"), 9)).decode("ascii")
