"""What the user sees while mystlite works: steps, warnings, errors, and progress bars (rich)."""

from __future__ import annotations

import contextlib
import time
from typing import Iterator

from rich.console import Console


class Reporter:
    """Everything goes to stderr, so that stdout stays clean for `config --json`."""

    def __init__(self, quiet: bool = False, verbose: bool = False, console: Console | None = None):
        self.quiet, self.verbose = quiet, verbose
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self.warnings: list[str] = []

    def info(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message, markup=False)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.console.print(message, style="dim", markup=False)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.console.print(f"warning: {message}", style="yellow", markup=False)

    def error(self, message: str) -> None:
        self.console.print(f"error: {message}", style="bold red", markup=False)

    def hint(self, message: str) -> None:
        self.console.print(f"  hint: {message}", style="cyan", markup=False)

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        """A named build step: a spinner while it runs, its time when it ends."""
        start = time.perf_counter()
        if self.quiet or not self.console.is_terminal:
            self.detail(f"… {title}")
            yield
        else:
            with self.console.status(title):
                yield
        if not self.quiet:
            self.console.print(f"[green]✓[/] {title} [dim]({time.perf_counter() - start:.1f}s)[/]")

    def done(self, title: str, seconds: float) -> None:
        """Report a step that ran in the background."""
        if not self.quiet:
            self.console.print(f"[green]✓[/] {title} [dim]({seconds:.1f}s)[/]")

    def summary(self, site, seconds: float) -> None:
        """The last line of a build: where the site is, what it holds, how to look at it."""
        if self.quiet:
            return
        size = sum(p.stat().st_size for p in site.output.rglob("*") if p.is_file()) / 1e6
        compute = len(site.project.compute_pages)
        count = len(site.project.pages)
        parts = [f"{count} page{'s' if count != 1 else ''}", f"{compute} with compute"]
        self.console.print(f"[bold green]built[/] {site.output} in {seconds:.1f}s: {', '.join(parts)}, "
                           f"{size:.1f} MB. Preview: mystlite serve {site.project.root}", highlight=False)
        if site.lite is not None:
            origins = package_origins_line(site.package_origins)
            if origins:
                self.console.print(origins, markup=False, highlight=False)
            self.console.print("offline: yes" if site.offline else f"offline: no — {site.offline_note}",
                               markup=False, highlight=False)

    def show_config(self, config, pages) -> None:
        import json

        out = Console(highlight=False, soft_wrap=True)
        out.print(f"[bold]{config.title}[/]  ({config.file})")
        jupyter = json.dumps(config.jupyter) if config.jupyter is not None else "off"
        out.print(f"  compute (project.jupyter): {jupyter}", markup=False)
        for key, value in config.options.to_json().items():
            out.print(f"  mystlite.{key}: {value}", markup=False)
        out.print(f"[bold]pages[/] ({len(pages)})")
        for page in pages:
            flag = "[green]compute[/]" if page.compute else "[dim]static[/]"
            out.print(f"  {page.path:<40} {page.kind:<12} {flag}")
        for message in config.diagnostics.warnings:
            self.warn(message)
        for message in config.diagnostics.errors:
            self.error(message)


def package_origins_line(origins: dict[str, str]) -> str:
    """Where the bundled packages came from, pyodide's own counted and the rest named:
    `packages: 14 from pyodide, 2 from PyPI (attrs, dags), dags-docs built from ../pyproject.toml`."""
    if not origins:
        return ""
    by_origin: dict[str, list[str]] = {}
    for name, origin in sorted(origins.items()):
        by_origin.setdefault(origin, []).append(name)
    parts = []
    for origin, names in sorted(by_origin.items(), key=lambda item: (item[0] != "pyodide", item[0])):
        if origin in ("pyodide", "jupyterlite-pyodide-kernel"):
            parts.append(f"{len(names)} from {origin}")
        else:
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            how = origin if origin.startswith("built from") else f"from {origin}"
            parts.append(f"{shown} {how}")
    return "packages: " + "; ".join(parts)
