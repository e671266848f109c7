"""The subpath the site will be served under, when the command line does not say."""

from __future__ import annotations

import os


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
