"""Shared fixtures. Expensive ones (downloads, a built site) are session-scoped and cached on disk."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mystlite.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_site"


@pytest.fixture
def make_project(tmp_path):
    """Write a project from {relative path: text} and return its folder."""

    def make(files: dict[str, str], name: str = "proj") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return make


@pytest.fixture
def config_json(capsys, monkeypatch):
    """Run `mystlite config --json` in-process from inside PROJECT; return (exit code, parsed JSON)."""

    def run(project: Path) -> tuple[int, dict]:
        monkeypatch.chdir(project)
        code = main(["config", "--json"])
        out = capsys.readouterr().out
        return code, json.loads(out)

    return run
