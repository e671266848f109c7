"""`mystlite init [DIR]`: start a project, or add mystlite to an existing MyST project, and optionally write
a deploy recipe (GitHub Pages workflow) or a static host's headers (Netlify, Cloudflare Pages).

An existing myst.yml is edited as text, never re-dumped: the author's comments, order and quoting stay byte for
byte, and only the lines mystlite needs are inserted. Nothing is overwritten without `force`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .config import project_config_file
from .errors import MystliteError

MYSTLITE_SECTION = """\
mystlite:
  # wheels: [wheels]        # your own wheels (folders or files), offered to the browser's Python
  # packages: []            # packages to install before the first cell runs (found from imports anyway)
  # contents: [data]        # files and folders the readers' code can open
  # execute: false          # run the pages at build time and publish their outputs (build --execute)
  # execute_timeout: 60     # seconds one cell may run at build time
"""

NEW_MYST_YML = """\
version: 1
project:
  title: {title}
  jupyter:
    lite: true              # code cells run in the reader's browser, offline (mystlite)
  toc:
    - file: index.md
    - file: notebooks/first.ipynb
site:
  options:
    folders: true
{mystlite}"""

# for a folder of pages with no myst.yml (as `myst init` would write): no toc, so mystmd lists the pages itself
PAGES_MYST_YML = """\
version: 1
project:
  title: {title}
  jupyter:
    lite: true              # code cells run in the reader's browser, offline (mystlite)
  # toc: the pages are listed by file name; write a toc to choose their order and titles
{mystlite}"""
PAGE_SUFFIXES = (".md", ".ipynb")

NEW_INDEX = """\
---
title: {title}
---

Welcome. The pages of this site run their Python in your browser: open
[the first notebook](notebooks/first.ipynb) and press **Run**.
"""

WORKFLOW = """\
# Written by `mystlite init --gh-pages`: build the site, execute and check it, then publish it on GitHub Pages.
# In the repository's settings, set Pages > Source to "GitHub Actions".
name: Deploy to GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    env:
      BASE_URL: /${{{{ github.event.repository.name }}}}/   # a project site lives under /REPOSITORY/
      MYSTLITE_CACHE_DIR: ${{{{ github.workspace }}}}/.mystlite-cache
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - uses: actions/setup-node@v4
        with:
          node-version: "20"
      - uses: actions/cache@v4
        with:
          path: .mystlite-cache
          key: mystlite-${{{{ hashFiles('{project}/myst.yml') }}}}
          restore-keys: mystlite-
      - name: Install mystlite
        run: pip install mystlite
      - name: Build, running every page in pyodide
        run: mystlite build {project} --execute --strict
      - name: Check links, offline loads, the lock and sizes
        run: mystlite check {project}
      - uses: actions/upload-pages-artifact@v3
        with:
          path: {project}/_build/html

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


@dataclass
class InitResult:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _write(path: Path, text: str, force: bool, result: InitResult) -> None:
    if path.exists() and not force:
        raise MystliteError(f"{path} exists; mystlite init does not overwrite it", hint="add --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result.written.append(path)


def _first_notebook() -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A first notebook\n",
                                                             "Press **Run** on a cell, or *Run all*."]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["squares = [n * n for n in range(10)]\n", "print(sum(squares))"]},
        {"cell_type": "code", "metadata": {"tags": ["skip-execution"]}, "execution_count": None, "outputs": [],
         "source": ["name = input('Your name? ')  # asks the reader; skipped by build --execute\n",
                    "f'Hello, {name}!'"]},
    ]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"},
                                             "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1) + "\n"


def init_project(folder: Path, gh_pages: bool = False, headers: str | None = None,
                 force: bool = False) -> InitResult:
    """Create or extend the project in `folder`. `headers`: "netlify" or "cloudflare"."""
    folder = folder.resolve()
    result = InitResult()
    config = project_config_file(folder)
    if config is None:
        title = folder.name.replace("-", " ").replace("_", " ").strip().title() or "My Site"
        mystlite = MYSTLITE_SECTION if headers is None else MYSTLITE_SECTION + f"  headers: {headers}\n"
        pages = _pages(folder)
        if pages:  # the pages are the project: a myst.yml for them, and nothing else (never a starter page)
            _write(folder / "myst.yml", PAGES_MYST_YML.format(title=json.dumps(title), mystlite=mystlite), force,
                   result)
            shown = ", ".join(pages[:3]) + (f" and {len(pages) - 3} more" if len(pages) > 3 else "")
            result.notes.append(f"myst.yml is for the {len(pages)} pages here ({shown}), listed by file name")
            return _with_recipes(folder, gh_pages, force, result)
        if folder.exists() and any(p for p in folder.iterdir() if not p.name.startswith(".")) and not force:
            raise MystliteError(f"{folder} has files but no myst.yml and no pages (.md, .ipynb); mystlite init "
                                "starts projects only in an empty folder or a folder of pages",
                                hint="run it in an empty folder, or add --force")
        _write(folder / "myst.yml", NEW_MYST_YML.format(title=json.dumps(title), mystlite=mystlite), force, result)
        _write(folder / "index.md", NEW_INDEX.format(title=title), force, result)
        _write(folder / "notebooks" / "first.ipynb", _first_notebook(), force, result)
    else:
        _extend_config(config, headers, result)
    return _with_recipes(folder, gh_pages, force, result)


def _pages(folder: Path) -> list[str]:
    """The MyST pages in a folder, as mystmd would find them (hidden and underscore folders left out)."""
    if not folder.is_dir():
        return []
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.suffix in PAGE_SUFFIXES and path.is_file()
                  and not any(part.startswith((".", "_")) or part == "node_modules"
                              for part in path.relative_to(folder).parts[:-1]))


def _with_recipes(folder: Path, gh_pages: bool, force: bool, result: InitResult) -> InitResult:
    if gh_pages:
        repo = _git_root(folder)
        project = folder.relative_to(repo).as_posix() if repo else "."
        _write((repo or folder) / ".github" / "workflows" / "deploy.yml", WORKFLOW.format(project=project or "."),
               force, result)
    return result


def _git_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _extend_config(config: Path, headers: str | None, result: InitResult) -> None:
    """Add project.jupyter.lite and a mystlite section to an existing myst.yml, as inserted lines only."""
    text = config.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise MystliteError(f"{config.name}{line}: not valid YAML, so mystlite init left it alone") from None
    top = dict((key.value, (key, value)) for key, value in root.value) if isinstance(root, yaml.MappingNode) else {}
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    inserts: list[tuple[int, str]] = []  # (line index to insert before, text)
    project = top.get("project")
    if project is None:
        inserts.append((len(lines), "project:\n  jupyter:\n    lite: true\n"))
    elif isinstance(project[1], yaml.MappingNode):
        keys = {key.value: (key, value) for key, value in project[1].value}
        if "jupyter" in keys:
            value = keys["jupyter"][1]
            lite = (isinstance(value, yaml.ScalarNode) and value.value in ("lite",)) or (
                isinstance(value, yaml.MappingNode)
                and any(k.value == "lite" and v.value in ("true", "True", "yes") for k, v in value.value))
            if not lite:
                result.notes.append(f"{config.name}:{keys['jupyter'][0].start_mark.line + 1}: project.jupyter is "
                                    "already set; change it to `jupyter: {lite: true}` for in-browser compute")
        else:
            first = project[1].value[0][0] if project[1].value else None
            indent = " " * (first.start_mark.column if first else 2)
            at = first.start_mark.line if first else project[0].start_mark.line + 1
            inserts.append((at, f"{indent}jupyter:\n{indent}  lite: true\n"))
    else:
        raise MystliteError(f"{config.name}:{project[0].start_mark.line + 1}: project is not a mapping; "
                            "mystlite init left myst.yml alone")
    if "mystlite" not in top:
        section = MYSTLITE_SECTION + (f"  headers: {headers}\n" if headers else "")
        inserts.append((len(lines), ("\n" if lines and lines[-1].strip() else "") + section))
    elif headers:
        result.notes.append(f"{config.name}: add `headers: {headers}` under mystlite: for the host's _headers file")
    if not inserts:
        result.notes.append(f"{config.name} already has what mystlite needs")
        return
    for at, insert in sorted(inserts, key=lambda item: -item[0]):
        lines.insert(at, insert)
    config.write_text("".join(lines), encoding="utf-8")
    result.written.append(config)

