"""What the user sees while mystlite works: steps, warnings, errors, and progress bars (rich)."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from rich.console import Console


class Reporter:
    """Everything goes to stderr, so that stdout stays clean for `config --json`."""

    def __init__(self, quiet: bool = False, verbose: bool = False, console: Console | None = None):
        self.quiet, self.verbose = quiet, verbose
        self._console = console
        self.warnings: list[str] = []

    @property
    def console(self) -> Console:
        # rich takes 40 ms to import: a build that finds nothing to do prints one plain line without it
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._console

    def info(self, message: str) -> None:
        if self.quiet:
            return
        if self._console is None:  # a plain line needs no rich (and prints what it is given, as rich would)
            print(message, file=sys.stderr, flush=True)
        else:
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
        for line in backend_lines(site.project):
            self.console.print(line, markup=False, highlight=False)
        if site.lite is not None:
            origins = package_origins_line(site.package_origins)
            if origins:
                self.console.print(origins, markup=False, highlight=False)
            self.console.print("offline: yes" if site.offline else f"offline: no — {site.offline_note}",
                               markup=False, highlight=False)

    def show_config(self, config, pages) -> None:
        import json

        from rich.console import Console

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


BACKEND_NAMES = {"lite": "in the browser (pyodide)", "binder": "on Binder", "server": "on a Jupyter server"}


def backend_lines(project) -> list[str]:
    """Which pages run where and why, when not all run in the browser:
    `3 pages on Binder (torch: no pyodide build): a.ipynb, b.md, c.md`, and what the readers need."""
    pages = [page for page in project.compute_pages if page.backend]
    config = project.config
    if not pages or {page.backend for page in pages} == {"lite"}:
        return []
    lines = []
    for backend in ("lite", "binder", "server"):
        here = [page for page in pages if page.backend == backend]
        if not here:
            continue
        # a page's route lists its reasons ("torch: no pyodide build; jax: …"): each is said once
        reasons = sorted({reason for page in here if page.route for reason in page.route.split("; ")})
        why = f" ({'; '.join(reasons)})" if reasons else ""
        names = ", ".join(page.path for page in here[:5]) + (f" and {len(here) - 5} more" if len(here) > 5 else "")
        plural = "s" if len(here) != 1 else ""
        lines.append(f"{len(here)} page{plural} {BACKEND_NAMES[backend]}{why}: {names}")
    if any(page.backend == "binder" for page in pages):
        binder = (config.jupyter or {}).get("binder") or {}
        lines.append(f"Binder pages need the network: their code runs on {binder.get('url')} (a public service "
                     f"runs the reader's code there), built from {binder.get('repo')} at {binder.get('ref') or 'HEAD'}")
    if any(page.backend == "server" for page in pages):
        server = (config.jupyter or {}).get("server") or {}
        lines.append(f"Jupyter server pages connect to {server.get('url')}; the reader gives its token (never "
                     f"published). Start it so that the site may use it: jupyter server "
                     f"--ServerApp.allow_origin='<the site's origin>' --IdentityProvider.token=<token>")
    return lines
