"""coursekit: the sample course's own little library, shipped to the browser as a custom wheel."""

__version__ = "0.1.0"

from .stats import mean, summarize  # noqa: E402


def greet(name: str) -> str:
    """A friendly line that proves the wheel was imported from the site itself."""
    return f"Hello, {name}, from coursekit {__version__}!"


__all__ = ["greet", "mean", "summarize"]
