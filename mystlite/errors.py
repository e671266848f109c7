"""One error type for everything a user can get wrong, and a collector for config diagnostics.

Only the CLI turns these into messages and exit codes; stages raise or collect them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when it is below it."""
    path = Path(path)
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:  # other drive on Windows
        return str(path)


@dataclass(frozen=True)
class Where:
    """A place in a source file: the file, and a 1-based line when known."""

    file: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file is None:
            return ""
        text = display_path(self.file)
        return f"{text}:{self.line}" if self.line else text


def format_message(message: str, where: Where | None = None, key: str | None = None) -> str:
    parts = []
    if where is not None and str(where):
        parts.append(str(where))
    if key:
        parts.append(key)
    parts.append(message)
    return ": ".join(parts)


class MystliteError(Exception):
    """A problem the user can fix. Its str() is the one-line message the CLI prints."""

    def __init__(self, message: str, where: Where | None = None, key: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.key = key
        self.hint = hint
        super().__init__(format_message(message, where, key))


@dataclass
class Diagnostics:
    """Warnings and errors gathered while reading config, each already a one-line message."""

    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def warn(self, message: str, where: Where | None = None, key: str | None = None) -> None:
        self.warnings.append(format_message(message, where, key))

    def error(self, message: str, where: Where | None = None, key: str | None = None) -> None:
        self.errors.append(format_message(message, where, key))

    def raise_first(self) -> None:
        """Stop a build on the first collected error (config --json reports them all instead)."""
        if self.errors:
            raise MystliteError(self.errors[0] + (f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""))
