"""Exercises with hidden checks, at build time: where they are (MyST Markdown and .ipynb), that the check is in
no page, JSON or notebook, the per-page summary line, and `check --execute` catching a solution that fails its
own check and a check that passes on the starting code."""

from __future__ import annotations

import json

import pytest

from mystlite.cli import main
from mystlite.config import load_config
from mystlite.exercises import page_exercises
from mystlite.project import load_project

MYST_YML = "version: 1\nproject:\n  title: Drill\n  jupyter:\n    lite: true\n"
KERNEL = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n"


def drill(solution: str = "    return a + b", starting: str = "    return 0",
          check: str = 'assert add(2, 3) == 5, "add(2, 3) should be 5"') -> str:
    return KERNEL + f"""# Drill

```{{code-cell}} python
base = 10
```

:::{{exercise-start}}
:label: ex-add
:::

Write `add`.

```{{code-cell}} python
def add(a, b):
{starting}
```

```{{code-cell}} python
:tags: [check]
{check}
```

:::{{exercise-end}}
:::

:::{{solution-start}} ex-add
:::

```{{code-cell}} python
def add(a, b):
{solution}
```

:::{{solution-end}}
:::

:::{{exercise-start}}
:::

An exercise with no check and no solution.

```{{code-cell}} python
x = 1
```

:::{{exercise-end}}
:::
"""


def notebook(cells: list[tuple[str, str, list[str]]]) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "metadata": {"tags": tags}, "source": source,
                                  **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                                 for kind, source, tags in cells],
                       "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                       "nbformat": 4, "nbformat_minor": 5})


def test_exercises_are_found_in_markdown_and_notebooks(make_project):
    root = make_project({
        "myst.yml": MYST_YML, "drill.md": drill(),
        "nb.ipynb": notebook([
            ("code", "import math", []),
            ("markdown", ":::{exercise-start}\n:label: ex-root\n:::\n\nFind the root.", []),
            ("code", "root = 0", []),
            ("code", "assert root == math.sqrt(2)", ["check"]),
            ("markdown", ":::{exercise-end}\n:::", []),
            ("markdown", ":::{solution-start} ex-root\n:::", []),
            ("code", "root = math.sqrt(2)", []),
            ("markdown", ":::{solution-end}\n:::", []),
            ("code", "assert True", ["check"]),  # outside an exercise: an ordinary cell
        ]),
    })
    pages = {page.path: page for page in load_project(load_config(root)).compute_pages}
    found = page_exercises(pages["drill.md"])
    first, second = found.exercises
    assert (first.label, first.cells, first.check, first.solution, first.where) == ("ex-add", [1], 2, [3], "drill.md:12")
    assert (second.label, second.cells, second.check, second.solution) == (None, [4], None, [])
    assert found.setup == [0] and found.checks == {2}
    assert found.summary() == "2 exercises, 1 with checks, 1 with solutions"
    found = page_exercises(pages["nb.ipynb"])
    (only,) = found.exercises
    assert (only.label, only.cells, only.check, only.solution) == ("ex-root", [1], 2, [3])
    assert found.setup == [0, 4] and only.where == "nb.ipynb: cell 2"


@pytest.mark.build
def test_the_check_is_in_no_page_or_notebook_and_the_build_says_what_it_found(make_project, download_cache, capsys):
    root = make_project({"myst.yml": MYST_YML, "drill.md": drill(check='assert add(2, 3) == 5, "SECRET-CHECK"')})
    assert main(["build", str(root), "--cache-dir", str(download_cache)]) == 0
    assert "drill.md: 2 exercises, 1 with checks, 1 with solutions" in capsys.readouterr().err
    out = root / "_build" / "html"
    leaks = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and b"SECRET-CHECK" in p.read_bytes()]
    assert leaks == []
    (checks,) = (out / "_checks").glob("*.json")
    page = (out / "drill" / "index.html").read_text() if (out / "drill").is_dir() else (out / "index.html").read_text()
    assert f'"checks": "_checks/{checks.name}"' in page and 'data-check="2"' in page
    import base64
    import zlib

    assert b"SECRET-CHECK" in zlib.decompress(base64.b64decode(json.loads(checks.read_text())["2"]))
    lite = json.loads((out / "lite" / "files" / "drill.ipynb").read_text())
    assert [c["cell_type"] for c in lite["cells"]].count("code") == 4  # 5 code cells, the check left out


@pytest.mark.build
@pytest.mark.parametrize("solution, starting, found", [
    ("    return a + b", "    return 0", None),
    ("    return a - b", "    return 0", "the solution fails its own check: AssertionError: add(2, 3) should be 5"),
    ("    return a + b", "    return a + b", "the starting code already passes the check, so the check tests nothing"),
])
def test_check_execute_verifies_every_exercise(make_project, download_cache, capsys, solution, starting, found):
    root = make_project({"myst.yml": MYST_YML, "drill.md": drill(solution, starting)})
    code = main(["check", str(root), "--execute", "--json", "--cache-dir", str(download_cache)])
    report = json.loads(capsys.readouterr().out)
    exercises = [p for p in report["problems"] if p["kind"] == "exercise"]
    if found is None:
        assert code == 0 and exercises == []
    else:
        assert code == 1
        assert exercises == [{"kind": "exercise", "where": "drill.md:12: exercise ex-add", "reason": found}]
