"""Builds of one project with different mystlite options, for benchmarks that compare them in one run."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from mystlite.log import Reporter
from mystlite.site import Site, build_site

REPO = Path(__file__).resolve().parent.parent


def build_variant(source: Path, folder: Path, **options) -> Site:
    """source (a project in the repository) copied to folder/<name> with its wheels beside it, its
    myst.yml's `mystlite:` section updated with options, and built with the default cache."""
    project = folder / source.name
    shutil.copytree(source, project, ignore=shutil.ignore_patterns("_build", ".mystlite"))
    if not (folder / "wheels").exists():
        shutil.copytree(REPO / "wheels", folder / "wheels", ignore=shutil.ignore_patterns("src"))
    if options:
        config = yaml.safe_load((project / "myst.yml").read_text())
        config.setdefault("mystlite", {}).update(options)
        (project / "myst.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return build_site(project, Reporter(quiet=True))
