"""`mystlite init`: a new project that builds, an existing myst.yml extended without losing a byte of what the
author wrote, a GitHub Pages workflow whose build steps run here, and a host's _headers file."""

from __future__ import annotations

import json
import os
import shlex
import textwrap

import pytest
import yaml

from mystlite.cli import main

EXISTING = textwrap.dedent("""\
    # The course site. Keep this comment!
    version: 1
    project:
      title: "Linear algebra"   # quoted on purpose
      authors:
        - name: Ada
      toc:
        - file: index.md
    site:
      options:
        folders: true
    """)


def test_init_extends_an_existing_project_keeping_every_byte(tmp_path, capsys):
    (tmp_path / "myst.yml").write_text(EXISTING)
    (tmp_path / "index.md").write_text("# Hi\n")
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "myst.yml").read_text()
    added = [line for line in text.splitlines() if line not in EXISTING.splitlines()]
    kept = [line for line in text.splitlines() if line in EXISTING.splitlines()]
    assert kept == EXISTING.splitlines()  # every original line, in order
    assert added[:2] == ["  jupyter:", "    lite: true"]
    assert "mystlite:" in added and all(line.lstrip().startswith("#") or line in ("", "mystlite:", "  jupyter:",
                                                                                   "    lite: true")
                                        for line in added)
    data = yaml.safe_load(text)
    assert data["project"]["jupyter"] == {"lite": True} and data["project"]["title"] == "Linear algebra"
    assert main(["init", str(tmp_path)]) == 0  # a second run changes nothing
    assert (tmp_path / "myst.yml").read_text() == text
    assert "already has what mystlite needs" in capsys.readouterr().err


def test_init_never_overwrites_without_force(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["init", str(tmp_path)]) == 1
    assert "has files but no myst.yml and no pages" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.build
def test_a_folder_of_pages_gets_a_myst_yml_for_them_and_builds(tmp_path, download_cache, capsys):
    """As mystmd's own quickstart has you do: pages and a notebook, no myst.yml. The build says how to start,
    init writes myst.yml alone (no starter page, no toc), and the notebook's code runs in the browser."""
    folder = tmp_path / "my-paper"
    (folder / "analysis").mkdir(parents=True)
    pages = {"01-paper.md": "# A paper\n\nSee the analysis.\n", "README.md": "# Readme\n",
             "analysis/notes.ipynb": json.dumps({
                 "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                            "source": ["print(sum(range(5)))"]}],
                 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                 "nbformat": 4, "nbformat_minor": 5})}
    for name, text in pages.items():
        (folder / name).write_text(text)
    assert main(["build", str(folder), "--cache-dir", str(download_cache)]) == 1
    assert f"hint: `mystlite init {folder}` writes one" in capsys.readouterr().err
    assert main(["init", str(folder)]) == 0
    assert "myst.yml is for the 3 pages here (01-paper.md, README.md, analysis/notes.ipynb)" in capsys.readouterr().err
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == sorted(
        [*pages, "myst.yml"])
    assert all((folder / name).read_text() == text for name, text in pages.items())
    config = yaml.safe_load((folder / "myst.yml").read_text())
    assert config["project"]["jupyter"] == {"lite": True} and "toc" not in config["project"]
    assert main(["build", str(folder), "--cache-dir", str(download_cache)]) == 0
    page = (folder / "_build" / "html" / "notes" / "index.html").read_text()
    assert 'class="run-cell"' in page and '<span class="nb">range</span>' in page


@pytest.mark.build
def test_a_new_project_with_the_gh_pages_workflow_builds_as_ci_would(tmp_path, download_cache, monkeypatch):
    project = tmp_path / "repo" / "course"
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert main(["init", str(project), "--gh-pages", "--netlify"]) == 0
    workflow = yaml.safe_load((tmp_path / "repo" / ".github" / "workflows" / "deploy.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    assert [s["uses"].split("@")[0] for s in steps if "uses" in s] == [
        "actions/checkout", "actions/setup-python", "actions/setup-node", "actions/cache",
        "actions/upload-pages-artifact"]
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    commands = [s["run"] for s in steps if "run" in s and s["run"].startswith("mystlite ")]
    assert commands == ["mystlite build course --execute --strict", "mystlite check course"]
    # the same commands, here, the way the workflow runs them (from the repository root, under /REPO/)
    monkeypatch.chdir(tmp_path / "repo")
    monkeypatch.setenv("BASE_URL", "/repo/")
    monkeypatch.setenv("MYSTLITE_CACHE_DIR", str(download_cache))
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    site = project / "_build" / "html"
    assert (site / "_headers").read_text().startswith("# Written by mystlite")
    assert "Cross-Origin-Embedder-Policy: credentialless" in (site / "_headers").read_text()
    page = (site / "notebooks" / "first" / "index.html").read_text()
    assert "285" in page  # executed at build time: sum of squares below 10
    assert (site / "404.html").is_file() and 'href="/repo/"' in (site / "404.html").read_text()
    assert main(["init", str(project), "--gh-pages"]) == 1  # the workflow exists: not overwritten
    assert os.path.exists(tmp_path / "repo" / ".github" / "workflows" / "deploy.yml")
