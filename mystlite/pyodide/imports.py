"""What the site's code imports: every compute page's cells and the .py files of its contents, read with `ast`.

Also `%pip install` lines (their requirements are bundled too) and PEP 723 `# /// script` blocks.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..project import MD_NOTEBOOK, NOTEBOOK, Project

# Modules that pyodide itself provides, beside the standard library.
PYODIDE_BUILTINS = frozenset({"js", "pyodide", "pyodide_js", "_pyodide", "micropip", "piplite", "pyodide_kernel"})
CODE_CELL = re.compile(r"^(?P<fence>`{3,}|~{3,})\{code-cell\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                       re.MULTILINE | re.DOTALL)
PIP_MAGIC = re.compile(r"^\s*[%!]\s*pip\s+install\s+(?P<args>.+)$")
SCRIPT_BLOCK = re.compile(r"^# /// script\s*$(?P<body>.*?)^# ///\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class ImportUse:
    module: str  # the top-level name (`numpy` for `import numpy.linalg as la`)
    where: str  # "notebooks/eigen.ipynb:cell 3, line 2" or "lecture.md:14"


@dataclass
class SiteImports:
    uses: list[ImportUse] = field(default_factory=list)
    requirements: list[tuple[str, str]] = field(default_factory=list)  # (requirement, where) from %pip / PEP 723
    local_modules: set[str] = field(default_factory=set)  # modules the contents ship themselves
    plotly_outputs: bool = False  # a notebook stores a plotly figure (JupyterLite needs plotly's extension)

    def by_page(self) -> dict[str, set[str]]:
        pages: dict[str, set[str]] = {}
        for use in self.uses:
            pages.setdefault(use.where.split(":")[0], set()).add(use.module)
        return pages


def strip_magics(code: str) -> tuple[str, list[str]]:
    """IPython lines (`%`, `!`, `?`) blanked out so that `ast` can read the rest; `%pip install` args kept."""
    lines, installs = [], []
    for line in code.splitlines():
        stripped = line.strip()
        magic = PIP_MAGIC.match(line)
        if magic:
            installs.extend(arg for arg in magic.group("args").split() if not arg.startswith("-"))
        if stripped.startswith(("%", "!")) or stripped.endswith("?") and not stripped.startswith("#"):
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines), installs


def imports_in(code: str) -> list[tuple[str, int]]:
    """(top-level module, line) for every import, inside functions and branches too; relative imports skipped."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module.split(".")[0], node.lineno))
    return sorted(found, key=lambda item: item[1])


def script_requirements(code: str) -> list[str]:
    """The `dependencies` of a PEP 723 `# /// script` block."""
    match = SCRIPT_BLOCK.search(code)
    if not match:
        return []
    toml_text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in match.group("body").splitlines())
    try:
        import tomllib

        return [str(dep) for dep in tomllib.loads(toml_text).get("dependencies", [])]
    except (ValueError, ImportError):
        return []


@dataclass(frozen=True)
class CodeSource:
    code: str
    path: str  # the page or file, relative to the project
    first_line: int = 1  # line of the code's first line in the file (md pages)
    cell: int | None = None  # notebook cell number (ipynb pages)
    tags: tuple[str, ...] = ()  # the cell's tags (skip-execution, raises-exception, hide-input…)

    def where(self, line: int | None = None) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}" + (f", line {line}" if line else "")
        return f"{self.path}:{self.first_line + (line or 1) - 1}"


def page_cells(page) -> list[CodeSource]:
    """The code cells of a compute page, in order, with their tags."""
    text = page.source.read_text(encoding="utf-8-sig", errors="replace")
    if page.kind == NOTEBOOK:
        try:
            cells = json.loads(text).get("cells") or []
        except (ValueError, AttributeError):
            return []
        out = []
        for number, cell in enumerate(cells, 1):
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                code = "".join(source) if isinstance(source, list) else str(source)
                meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
                out.append(CodeSource(code, page.path, cell=number, tags=_tag_tuple(meta.get("tags"))))
        return out
    out = []
    for match in CODE_CELL.finditer(text):
        lines = match.group("body").split("\n")
        # a cell's options (`:tags: [...]`, or a `---` YAML block) are not code; blanked to keep line numbers
        options = []
        if lines and lines[0].strip() == "---":
            end = next((i for i, l in enumerate(lines[1:], 1) if l.strip() == "---"), 0)
            options = lines[1:end]
            lines[: end + 1] = [""] * (end + 1)
        for i, line in enumerate(lines):
            if not line.startswith(":"):
                break
            options.append(line[1:].replace(":", ": ", 1))
            lines[i] = ""
        first_line = text.count("\n", 0, match.start("body")) + 1
        out.append(CodeSource("\n".join(lines), page.path, first_line=first_line, tags=_option_tags(options)))
    return out


def _tag_tuple(value) -> tuple[str, ...]:
    return tuple(str(tag) for tag in value) if isinstance(value, list) else ()


def _option_tags(lines: list[str]) -> tuple[str, ...]:
    """tags from a code-cell's options (`:tags: [a, b]` lines or a YAML block); unreadable options have none."""
    import yaml

    try:
        options = yaml.safe_load("\n".join(lines)) if lines else None
    except yaml.YAMLError:
        return ()
    return _tag_tuple(options.get("tags")) if isinstance(options, dict) else ()


def scan_site(project: Project, contents_files: list[Path]) -> SiteImports:
    found = SiteImports()
    root = project.root
    py_files = [p for p in contents_files if p.suffix == ".py"]
    for path in py_files:
        found.local_modules.add(path.stem)
        found.local_modules.update(parent.name for parent in path.relative_to(root).parents if parent.name)
    sources: list[CodeSource] = []
    for page in project.compute_pages:
        if page.kind in (NOTEBOOK, MD_NOTEBOOK):
            sources += page_cells(page)
        if page.kind == NOTEBOOK and b"application/vnd.plotly.v1+json" in page.source.read_bytes():
            found.plotly_outputs = True
    sources += [CodeSource(path.read_text(encoding="utf-8", errors="replace"), path.relative_to(root).as_posix())
                for path in py_files]
    for source in sources:
        clean, installs = strip_magics(source.code)
        for module, line in imports_in(clean):
            if module not in found.local_modules:
                found.uses.append(ImportUse(module, source.where(line)))
        for requirement in installs + script_requirements(source.code):
            found.requirements.append((requirement, source.where()))
    return found


def is_provided(module: str) -> bool:
    """The standard library and pyodide's own modules need no package."""
    return module in sys.stdlib_module_names or module in PYODIDE_BUILTINS or module == "__future__"
