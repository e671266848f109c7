"""Orchestration: config → project → stages → the output folder."""

from __future__ import annotations

from pathlib import Path

from .config import load_config
from .log import Reporter
from .project import Project, load_project


def load_checked(project_dir: Path, reporter: Reporter) -> Project:
    """Config and project model, with warnings shown and the first error raised."""
    config = load_config(project_dir)
    for message in config.diagnostics.warnings:
        reporter.warn(message)
    config.diagnostics.raise_first()
    return load_project(config)


def build_site(project_dir: Path, reporter: Reporter, base_url: str | None = None, cache_dir: Path | None = None):
    project = load_checked(project_dir, reporter)
    reporter.info(f"{project.config.title}: {len(project.pages)} pages, "
                  f"{len(project.compute_pages)} with in-browser compute")
    reporter.warn("the pages and the lite bundle are not built yet in this version (see the open issues)")
    return project
