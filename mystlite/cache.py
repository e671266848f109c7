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


class RemoteUnavailable(Exception):
    """A URL named in myst.yml could not be fetched and was never fetched before; the reason is the message."""


def fetch_remote(url: str, kind: str, suffix: str, limit: int = 1 << 20) -> Path:
    """A file myst.yml names by URL (`extends:`, `project.plugins`), as mystmd reads it: fetched when the network
    is there, kept in the download cache under `kind` (with its sha256, checked on use), and taken from there
    offline."""
    import hashlib
    import urllib.request

    from .files import matches_record, record_digest, write_if_changed

    cached = cache_dir() / kind / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}{suffix}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            data = response.read(limit)
    except (OSError, ValueError) as err:
        if matches_record(cached):
            return cached
        raise RemoteUnavailable(str(getattr(err, "reason", None) or err)) from None
    write_if_changed(cached, data)
    record_digest(cached)
    return cached
