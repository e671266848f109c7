"""Config → Project: the pages in toc order, their kind, frontmatter and compute flag."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config
from .config.jupyter import page_compute_choice
from .config.yamlfile import YamlDoc, key_name, not_utf8, parse_yaml
from .errors import MystliteError, Where
from .files import LEGACY_RECORD, WORK_DIR, is_skipped

PAGE_SUFFIXES = (".md", ".ipynb")
INDEX_STEMS = ("index", "main", "readme")  # mystmd's implicit root page, in its order of preference
FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)

MARKDOWN, NOTEBOOK, MD_NOTEBOOK = "markdown", "notebook", "md-notebook"


@dataclass
class Page:
    source: Path  # absolute
    path: str  # relative to the project folder, posix
    kind: str  # MARKDOWN | NOTEBOOK (.ipynb) | MD_NOTEBOOK (.md with kernelspec/jupytext)
    frontmatter: dict[str, Any] = field(default_factory=dict)
    compute: bool = False
    backend: str | None = None  # where its cells run: "lite", "binder" or "server"; None without compute
    route: str = ""  # why it runs there, when not by the project's default ("torch: no pyodide build")

    @property
    def is_notebook(self) -> bool:
        return self.kind in (NOTEBOOK, MD_NOTEBOOK)

    @property
    def title(self) -> str:
        return str(self.frontmatter.get("title") or Path(self.path).stem.replace("-", " ").replace("_", " "))

    def to_json(self) -> dict:
        out = {"path": self.path, "kind": self.kind, "compute": self.compute, "backend": self.backend}
        if self.route:
            out["route"] = self.route
        return out


@dataclass
class Project:
    config: Config
    pages: list[Page]

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def compute_pages(self) -> list[Page]:
        return [p for p in self.pages if p.compute]


def inside(path: Path, root: Path) -> bool:
    """True when path (symlinks resolved) is root or below it."""
    resolved = path.resolve()
    return resolved == root or root in resolved.parents


def implicit_page_files(root: Path, output: Path | None = None) -> list[Path]:
    """mystmd's order without a toc: the index first, then each folder's files before its subfolders."""
    def walk(folder: Path) -> list[Path]:
        entries = sorted(folder.iterdir(), key=lambda p: p.name.lower())
        files = [p for p in entries if p.is_file() and p.suffix in PAGE_SUFFIXES]
        found = [p for p in files if not is_skipped(p.relative_to(root)) and inside(p, root)]
        for sub in entries:
            rel = sub.relative_to(root)
            if sub.is_dir() and not is_skipped(rel) and inside(sub, root) and sub.resolve() != output:
                found.extend(walk(sub))
        return found

    files = walk(root)
    top = [p for p in files if p.parent == root]
    for stem in INDEX_STEMS:
        match = [p for p in top if p.stem.lower() == stem]
        if match:
            files.remove(match[0])
            return [match[0], *files]
    return files


def toc_page_files(config: Config) -> list[Path]:
    """Files named by `project.toc`, in order; a missing file is an error with its line."""
    root = config.root
    found: list[Path] = []

    def visit(entries: Any, path: tuple) -> None:
        if not isinstance(entries, list):
            raise MystliteError("must be a list of toc entries", config.where(path), key_name(path))
        for index, entry in enumerate(entries):
            here = (*path, index)
            if not isinstance(entry, dict):
                raise MystliteError("a toc entry must be a mapping (file, title, url, pattern, children)",
                                    config.where(here), key_name(here))
            if "file" in entry:
                name = entry["file"]
                if not isinstance(name, str):
                    raise MystliteError("must be a file path", config.where((*here, "file")), key_name((*here, "file")))
                target = _toc_file(root, name)
                if target is None:
                    raise MystliteError(f"file not found: {name}", config.where((*here, "file")),
                                        key_name((*here, "file")))
                if not inside(target, root):
                    raise MystliteError(f"is outside the project folder: {name}", config.where((*here, "file")),
                                        key_name((*here, "file")))
                found.append(target)
            elif "pattern" in entry:
                pattern = entry["pattern"]
                matches = sorted(p for p in root.glob(str(pattern)) if p.suffix in PAGE_SUFFIXES
                                 and not is_skipped(p.relative_to(root)) and inside(p, root))
                if not matches:
                    config.diagnostics.warn(f"no page matches {pattern!r}", config.where((*here, "pattern")),
                                            key_name((*here, "pattern")))
                found.extend(m for m in matches if m not in found)
            if "children" in entry:
                visit(entry["children"], (*here, "children"))

    visit(config.project["toc"], ("project", "toc"))
    return found


def _toc_file(root: Path, name: str) -> Path | None:
    """mystmd lets a toc file omit its extension."""
    candidate = root / name
    if candidate.is_file():
        return candidate
    for suffix in PAGE_SUFFIXES:
        if candidate.with_name(candidate.name + suffix).is_file():
            return candidate.with_name(candidate.name + suffix)
    return None


def read_frontmatter(source: Path) -> tuple[str, YamlDoc]:
    """(kind, frontmatter) of a page file. Broken YAML or notebook JSON is a one-line error."""
    try:
        raw = source.read_bytes()
    except OSError as err:
        raise MystliteError(f"cannot read: {err.strerror}", Where(source)) from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM before the frontmatter is not content
    except UnicodeDecodeError as err:
        raise MystliteError(f"not UTF-8 text: {not_utf8(err)}", Where(source)) from None
    if source.suffix == ".ipynb":
        try:
            notebook = json.loads(text)
        except json.JSONDecodeError as err:
            raise MystliteError(f"invalid notebook JSON: {err.msg} (column {err.colno})",
                                Where(source, err.lineno)) from None
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            raise MystliteError("invalid notebook: no list of cells", Where(source))
        for number, cell in enumerate(notebook["cells"], 1):
            if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
                raise MystliteError(f"invalid notebook: cell {number} is not an object with a cell_type",
                                    Where(source))
            if not isinstance(cell.get("source", ""), (str, list)):
                raise MystliteError(f"invalid notebook: cell {number}'s source is not text", Where(source))
        front = YamlDoc(source, {})
        cells = notebook["cells"]
        if cells and cells[0].get("cell_type") in ("markdown", "raw"):
            cell_text = cells[0].get("source", "")
            cell_text = "".join(map(str, cell_text)) if isinstance(cell_text, list) else str(cell_text)
            front = _parse_frontmatter(cell_text, source)
        return NOTEBOOK, front
    front = _parse_frontmatter(text, source)
    return (MD_NOTEBOOK if "kernelspec" in front.data or "jupytext" in front.data else MARKDOWN), front


def _parse_frontmatter(text: str, source: Path) -> YamlDoc:
    match = FRONTMATTER.match(text)
    if not match:
        return YamlDoc(source, {})
    doc = parse_yaml(match.group(1), source, first_line=2)  # +1 for the opening ---
    if doc.data is None or doc.data == {}:
        return YamlDoc(source, {})
    if not isinstance(doc.data, dict):
        raise MystliteError("frontmatter must be a YAML mapping", Where(source, 2))
    return doc


def page_backend(config: Config, choice: str, where) -> tuple[str, str]:
    """The backend a compute page runs on, and why when it is not the project's default: its `jupyter: lite`
    or `jupyter: binder`. One the project does not configure is a warning, and the page keeps the default."""
    default = config.backends[0]
    wanted = {"lite": "lite" if config.lite else None, "binder": config.remote}.get(choice)
    if choice in ("lite", "binder") and wanted is None:
        config.diagnostics.warn(f"asks for {choice}, which project.jupyter does not configure; the page runs on "
                                f"{default}", where(("jupyter",)), "jupyter")
        return default, ""
    if wanted and wanted != default:
        return wanted, f"jupyter: {choice} in its frontmatter"
    return default, ""


def load_project(config: Config) -> Project:
    root = config.root
    files = toc_page_files(config) if config.project.get("toc") is not None else implicit_page_files(
        root, config.options.output)
    pages = []
    seen = set()
    for source in files:
        if source in seen:
            continue
        seen.add(source)
        kind, front = read_frontmatter(source)
        choice = page_compute_choice(front.data, front.where, config.diagnostics)
        compute = config.jupyter is not None and kind != MARKDOWN and choice != "off" and bool(config.backends)
        page = Page(source, source.relative_to(root).as_posix(), kind, front.data, compute)
        if compute:
            page.backend, page.route = page_backend(config, choice, front.where)
        pages.append(page)
    if not pages:
        if "toc" in config.project:
            raise MystliteError("lists no pages", config.where(("project", "toc")), "project.toc")
        raise MystliteError("no pages found (.md or .ipynb files, or project.toc entries)", Where(config.file))
    problem = output_problem(config, pages)
    if problem:  # collected, so that `config --json` still lists the pages
        config.diagnostics.error(problem, config.where(("mystlite", "output")), "mystlite.output")
    return Project(config, pages)


def output_problem(config: Config, pages: list[Page]) -> str | None:
    """Why the output folder would destroy user data, or None. Every build replaces the output whole."""
    from .publish import output_problem as existing_folder_problem

    root, output = config.root, config.options.output
    work = root / WORK_DIR
    shown = _shown(output, root)
    if output == root:
        return "is the project folder itself; every build replaces the output folder whole"
    if output in root.parents:
        return f"{shown} is a parent of the project folder; every build replaces the output folder whole"
    if output == work or work in output.parents or output in work.parents:
        return f"{shown} holds or is inside mystlite's work folder ({WORK_DIR}); use a folder of its own"
    inputs = [(p.source, f"the page {p.path}") for p in pages]
    inputs += [(path, f"mystlite.contents {_shown(path, root)}") for path in config.options.contents]
    inputs += [(path, f"the wheel {_shown(path, root)}") for path in config.options.wheels]
    inputs += [(path, f"the config file {_shown(path, root)}") for path in config.doc.sources]
    for path, what in inputs:
        if path == output:
            return f"{shown} is {what}; the output must be a folder of its own"
        if output in path.parents:
            return f"{shown} holds {what}; every build replaces the output folder whole"
        if path in output.parents:
            return f"{shown} is inside {what}"
    return existing_folder_problem(output, root / WORK_DIR / LEGACY_RECORD)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return str(path)
