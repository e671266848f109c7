"""The download cache: one folder that builds (and tests) reuse, so a second build downloads nothing."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MystliteError

ENV_VAR = "MYSTLITE_CACHE_DIR"


def cache_dir(override: Path | None = None) -> Path:
    """--cache-dir, else $MYSTLITE_CACHE_DIR, else $XDG_CACHE_HOME/mystlite, else ~/.cache/mystlite."""
    if override is not None:
        path = Path(override)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mystlite"
    path = path.expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise MystliteError(f"the download cache {path} is not a folder",
                            hint=f"point --cache-dir or ${ENV_VAR} at a folder")
    path.mkdir(parents=True, exist_ok=True)
    return path
