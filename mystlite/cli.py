"""The `mystlite` command: argument parsing only; the stages do the work."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path

from . import __version__
from .errors import MystliteError
from .log import Reporter

DESCRIPTION = """\
Turn a MyST project (myst.yml + Markdown pages + notebooks) into a static website whose code
runs in the reader's browser on a self-hosted pyodide, with no server and no internet.

Typical use:
  mystlite build mybook            # writes mybook/_build/html (pages) and .../lite (JupyterLite)
  mystlite serve mybook --build    # build, then preview on http://127.0.0.1:8000/
  mystlite config mybook --json    # show how myst.yml was understood
  mystlite init mybook --gh-pages  # start a project (or add mystlite to one) with a Pages workflow
  mystlite check mybook            # find broken links, offline loads, leaked secrets before publishing
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mystlite", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mystlite {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    noise.add_argument("-v", "--verbose", action="store_true", help="print every step, and tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    build = sub.add_parser(
        "build", parents=[common], help="build the site into PROJECT/_build/html",
        description="Build the MyST pages and the offline JupyterLite bundle (lite/) next to them. "
                    "Unchanged inputs are not rebuilt; a failed build leaves the previous output as it was.")
    build.add_argument("project", nargs="?", default=".", type=Path,
                       help="the project folder that holds myst.yml (default: current folder)")
    add_build_options(build)

    serve = sub.add_parser(
        "serve", parents=[common], help="preview a built site on a local web server",
        description="Serve a built site with the right MIME types for .wasm and .mjs. PATH is a project "
                    "folder (its output is served) or a built site folder.")
    serve.add_argument("path", nargs="?", default=".", type=Path,
                       help="a project folder or a built site folder (default: current folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on, 0 for any free port (default: 8000)")
    serve.add_argument("--build", action="store_true", help="build the project first")
    serve.add_argument("--open", action="store_true", help="open the site in the default browser")
    serve.add_argument("--watch", action="store_true",
                       help="build, then rebuild on every change to the project and reload the open pages")
    serve.add_argument("--restart-mystmd", action="store_true",
                       help="with --watch: run a new mystmd for every rebuild instead of keeping one alive (slower; "
                            "for when the kept one misbehaves)")
    add_build_options(serve)

    init = sub.add_parser(
        "init", parents=[common], help="start a project, or add mystlite to a MyST project",
        description="In a folder with myst.yml: add project.jupyter.lite: true and a commented mystlite section, "
                    "keeping everything else as written. In an empty folder: write a small project (myst.yml, an "
                    "index page, a notebook). Nothing is overwritten without --force.")
    init.add_argument("path", nargs="?", default=".", type=Path, help="the project folder (default: .)")
    init.add_argument("--gh-pages", action="store_true",
                      help="write .github/workflows/deploy.yml: build --execute --strict, check, deploy to Pages")
    host = init.add_mutually_exclusive_group()
    host.add_argument("--netlify", action="store_const", const="netlify", dest="headers",
                      help="publish a _headers file for Netlify (COOP/COEP, caching, wasm)")
    host.add_argument("--cloudflare", action="store_const", const="cloudflare", dest="headers",
                      help="publish a _headers file for Cloudflare Pages")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")

    check = sub.add_parser(
        "check", parents=[common], help="find what would break for readers, before publishing",
        description="Check a built site: broken links and fragments, missing assets, anything loaded from "
                    "another host, the pyodide lock's wheels, imports nothing provides, secrets from myst.yml, "
                    "and sizes against GitHub Pages' limits. Exits 1 when there are problems.")
    check.add_argument("path", nargs="?", default=".", type=Path,
                       help="a project folder (its output is checked) or a built site folder (default: .)")
    check.add_argument("--build", action="store_true", help="build the project first")
    check.add_argument("--json", action="store_true", help="print one JSON object with every finding and size")
    add_build_options(check)

    config = sub.add_parser(
        "config", parents=[common], help="show how myst.yml was understood",
        description="Print the normalised project.jupyter, mystlite's resolved options, the pages with their "
                    "kind and compute flag, and any warnings or errors. Exits 1 when there are errors.")
    config.add_argument("project", nargs="?", default=".", type=Path,
                        help="the project folder that holds myst.yml (default: current folder)")
    config.add_argument("--json", action="store_true",
                        help="print one JSON object: jupyter, mystlite, pages, warnings, errors")
    return parser


def add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", default=None, metavar="/SUB/",
                        help="the subpath the site will be served under, e.g. /repo/ for GitHub Pages "
                             "(default: $BASE_URL; in GitHub Actions, /REPOSITORY/; else /)")
    parser.add_argument("--offline", action="store_true",
                        help="fail instead of warning when readers would need the network (an import nothing "
                             "provides, a package that could not be bundled)")
    parser.add_argument("--strict", action="store_true",
                        help="fail on every mystmd error and warning (by default only where `myst build` fails)")
    parser.add_argument("--execute", action="store_true",
                        help="run every compute page's cells in pyodide at build time and publish their outputs "
                             "(as mystlite.execute: true does); a cell that raises is a warning, with --strict "
                             "an error")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where downloads are cached (default: $MYSTLITE_CACHE_DIR, else ~/.cache/mystlite)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    reporter = Reporter(quiet=args.quiet, verbose=args.verbose)
    if getattr(args, "cache_dir", None) is not None:  # every stage (remote extends too) reads it from there
        os.environ["MYSTLITE_CACHE_DIR"] = str(args.cache_dir.resolve())
    try:
        if args.command == "config":
            return run_config(args, reporter)
        if args.command == "build":
            from .fingerprint import build_flags, up_to_date

            flags = build_flags(args.strict, args.offline, args.execute)
            output = up_to_date(args.project, args.base_url, args.cache_dir, flags)
            if output is not None:
                reporter.info(f"up to date: {output}")
                return 0
            import time

            from .baseurl import env_base_url
            from .files import REMEMBERED, WORK_DIR, recall
            from .pages.mystcommand import WaitingMyst

            start = time.perf_counter()
            project_dir = args.project.resolve()
            recall(project_dir / WORK_DIR / REMEMBERED)  # the digests that tell the patched mystmd is intact
            # mystmd loads meanwhile (0.4 s of the other core), before the rest of the build is even imported
            waiting = WaitingMyst.start(project_dir, args.base_url or env_base_url(), reporter)
            try:
                from .site import build_site

                site = build_site(args.project, reporter, base_url=args.base_url, cache_dir=args.cache_dir,
                                  strict=args.strict, offline=args.offline, execute=args.execute,
                                  waiting_myst=waiting)
            finally:
                if waiting is not None:
                    waiting.cancel()
            reporter.summary(site, time.perf_counter() - start)
            return 0
        if args.command == "init":
            from .init import init_project

            result = init_project(args.path, gh_pages=args.gh_pages, headers=args.headers, force=args.force)
            for path in result.written:
                reporter.info(f"wrote {path}")
            for note in result.notes:
                reporter.info(note)
            return 0
        if args.command == "check":
            return run_check(args, reporter)
        if args.command == "serve":
            from .serve import serve_command

            return serve_command(args, reporter)
    except MystliteError as err:
        reporter.error(str(err))
        if err.hint:
            reporter.hint(err.hint)
        return 1
    except OSError as err:  # a read-only, full or misnamed folder: the user's to fix, so no traceback
        reporter.error(describe_os_error(err))
        hint = OS_ERROR_HINTS.get(err.errno)
        if hint:
            reporter.hint(hint)
        return 1
    except KeyboardInterrupt:
        reporter.error("interrupted; the previous output was left as it was")
        return 130
    except Exception as err:  # a bug: say so in one line, with the traceback only on request
        if args.verbose:
            raise
        reporter.error(f"internal error: {type(err).__name__}: {err} (run with --verbose for the traceback)")
        return 70
    return 2


OS_ERROR_HINTS = {
    errno.EACCES: "check the folder's permissions, or choose another output (mystlite.output) or cache (--cache-dir)",
    errno.EPERM: "check the folder's permissions, or choose another output (mystlite.output) or cache (--cache-dir)",
    errno.EROFS: "the file system is read-only: choose another output (mystlite.output) or cache (--cache-dir)",
    errno.ENOSPC: "the disk is full: free some space; the previous output was left as it was",
    errno.EDQUOT: "the disk quota is exceeded: free some space; the previous output was left as it was",
    errno.ENOTDIR: "a file stands where a folder is needed",
}


def describe_os_error(err: OSError) -> str:
    from .errors import display_path

    where = f"{display_path(err.filename)}: " if err.filename else ""
    return f"{where}{err.strerror or err}"


def run_config(args: argparse.Namespace, reporter: Reporter) -> int:
    from .config import load_config
    from .project import load_project

    try:
        config = load_config(args.project)
    except MystliteError as err:
        if not args.json:
            raise
        print(json.dumps({"jupyter": None, "mystlite": None, "pages": [], "warnings": [], "errors": [str(err)]}))
        return 1
    diag = config.diagnostics
    pages = []
    try:
        pages = load_project(config).pages
    except MystliteError as err:
        diag.errors.append(str(err))
    from .site import recorded_routes

    routes = recorded_routes(config)
    for page in pages:  # what the last build decided from the pages' imports (torch: no pyodide build)
        backend, route = routes.get(page.path, (None, ""))
        if page.backend == "lite" and backend and route and not page.route:
            page.backend, page.route = backend, f"{route} (at the last build)"
    if args.json:
        print(json.dumps({
            "jupyter": config.jupyter,
            "mystlite": config.options.to_json(),
            "pages": [p.to_json() for p in pages],
            "warnings": diag.warnings,
            "errors": diag.errors,
        }, indent=2))
        return 1 if diag.errors else 0
    reporter.show_config(config, pages)
    return 1 if diag.errors else 0


def run_check(args: argparse.Namespace, reporter: Reporter) -> int:
    from .check import check_site
    from .site import build_site, load_checked, site_folder

    project, problems, exercise_problems = None, None, None
    from .config import project_config_file

    is_project = project_config_file(args.path) is not None
    if args.build or args.execute:  # --execute checks what only a build can run: cells and exercises
        site = build_site(args.path, Reporter(quiet=True) if args.json else reporter, base_url=args.base_url,
                          cache_dir=args.cache_dir, strict=False, offline=args.offline, execute=args.execute)
        project, folder, problems = site.project, site.output, site.execute_problems
        exercise_problems = site.exercise_problems
    else:
        if is_project:
            project = load_checked(args.path, Reporter(quiet=True))
        folder = site_folder(args.path)
        if not (folder / "index.html").is_file():
            raise MystliteError(f"{folder} is not a built site (no index.html)",
                                hint="build it first: mystlite build, or mystlite check --build")
    from .baseurl import env_base_url

    base_url = args.base_url if args.base_url is not None else env_base_url()
    report = check_site(folder, project, problems, exercise_problems, base_url)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 1 if report.problems else 0
    for problem in report.problems:
        reporter.error(f"{problem.kind}: {problem}")
    mb = 1024 * 1024
    parts = ", ".join(f"{name} {size / mb:.1f} MB" for name, size in sorted(report.parts.items(), key=lambda i: -i[1]))
    reporter.info(f"size: {report.total / mb:.1f} MB ({report.gzip_total / mb:.1f} MB gzipped): {parts}")
    for rel, size in report.largest[:5]:
        reporter.info(f"  {size / mb:7.1f} MB  {rel}")
    if report.outbound:
        reporter.info(f"{len(report.outbound)} link(s) to other sites (not checked; --json lists them)")
    verdict = f"{len(report.problems)} problem(s)" if report.problems else "no problems"
    reporter.info(f"checked {folder}: {verdict}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
