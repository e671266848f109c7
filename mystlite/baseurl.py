"""The subpath the site is served under: its one normal form, and the default when the command line does not say."""

from __future__ import annotations

import os


def normalize_base_url(base_url: str | None) -> str:
    """'/sub/' form: leading and trailing slash; '/' for none."""
    base = (base_url or "").strip().strip("/")
    return f"/{base}/" if base else "/"


def env_base_url() -> str | None:
    """$BASE_URL, as mystmd reads it. In GitHub Actions without it, the project site's /REPOSITORY/ (a user or
    organisation site, NAME.github.io, lives at /), so a Pages deploy works with no configuration."""
    if os.environ.get("BASE_URL"):
        return os.environ["BASE_URL"]
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    if os.environ.get("GITHUB_ACTIONS") == "true" and "/" in repository:
        name = repository.rsplit("/", 1)[1]
        return "/" if name.lower().endswith(".github.io") else f"/{name}/"
    return None
