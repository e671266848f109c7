"""myst.yml → Config. No later stage reads myst.yml itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Diagnostics, MystliteError, Where
from .jupyter import describe, project_jupyter
from .options import Options, PyodideSource, read_options
from .yamlfile import YamlDoc, key_name, load_with_extends

__all__ = ["Config", "Options", "PyodideSource", "load_config", "find_config_file", "project_config_file",
           "CONFIG_NAMES"]

CONFIG_NAMES = ("myst.yml", "myst.yaml")
TOP_KEYS = ("version", "project", "site", "extends", "mystlite")
# MyST's project frontmatter keys (myst-frontmatter), so that typos get a warning.
PROJECT_KEYS = frozenset("""
title subtitle short_title description thumbnail banner authors author contributors contributor venue github
keywords affiliations affiliation funding options date name doi arxiv pmid pmcid open_access license binder source
subject biblio oxa numbering bibliography math abbreviations exports export downloads settings parts part thebe
jupyter requirements resources references intersphinx error_rules plugins toc id index exclude copyright tags
identifiers edit_url social social_links reviewers editors enumerator kernelspec jupytext site abstract summary
acknowledgments data_availability epigraph
""".split())


@dataclass
class Config:
    """Everything mystlite takes from a project's myst.yml, validated and normalised."""

    root: Path  # the project folder (holds myst.yml)
    file: Path  # the myst.yml that was read
    doc: YamlDoc  # merged YAML with line numbers, for later messages (toc entries)
    project: dict[str, Any]
    site: dict[str, Any]
    jupyter: dict | None  # normalised project.jupyter, MyST's shape; None when compute is off
    options: Options
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    @property
    def lite(self) -> bool:
        return bool(self.jupyter and self.jupyter.get("lite"))

    @property
    def remote(self) -> str | None:
        """The remote backend: "server" (a Jupyter server of the author's), "binder", or None. A server wins
        over Binder, as in MyST's theme."""
        if not self.jupyter:
            return None
        if self.jupyter.get("server"):
            return "server"
        return "binder" if self.jupyter.get("binder") else None

    @property
    def backends(self) -> list[str]:
        """The backends pages can run on, the project's default first."""
        return [name for name in ("lite" if self.lite else None, self.remote) if name]

    @property
    def title(self) -> str:
        return str(self.project.get("title") or self.site.get("title") or self.root.name)

    def where(self, path) -> Where:
        return self.doc.where(path)


def project_config_file(folder: Path) -> Path | None:
    """The folder's myst.yml (or myst.yaml), or None when the folder is not a MyST project."""
    return next((folder / name for name in CONFIG_NAMES if (folder / name).is_file()), None)


def find_config_file(root: Path) -> Path:
    if root.is_file():
        raise MystliteError("expected a project folder that contains myst.yml, not a file", Where(root))
    if not root.is_dir():
        raise MystliteError("project folder not found", Where(root))
    found = project_config_file(root)
    if found is not None:
        return found
    raise MystliteError(f"no myst.yml found in {root.resolve()} (looked for {' or '.join(CONFIG_NAMES)})",
                        hint=f"`mystlite init {root}` writes one (for the pages there, or a new project)")


def load_config(root: Path | str = ".") -> Config:
    """Read and validate a project's config. Fatal problems raise; the rest is in .diagnostics."""
    root = Path(root).resolve()
    file = find_config_file(root)
    doc = load_with_extends(file)
    diag = Diagnostics()
    for message, where, key in doc.warnings:
        diag.warn(message, where, key)
    data = doc.data

    for key in data:
        if key not in TOP_KEYS:
            diag.warn(f"unknown top-level key ignored (known: {', '.join(TOP_KEYS)})", doc.where((key,)), key)
    if "version" not in data:
        diag.warn("missing `version: 1`", doc.where(()), "version")
    elif data["version"] != 1:
        diag.error(f"must be 1, not {describe(data['version'])}", doc.where(("version",)), "version")

    project = data.get("project")
    if project is None:
        project = {}
    elif not isinstance(project, dict):
        raise MystliteError(f"must be a mapping, not {describe(project)}", doc.where(("project",)), "project")
    for key in project:
        if key not in PROJECT_KEYS:
            diag.warn("unknown project key", doc.where(("project", key)), key_name(("project", key)))
    site = data.get("site")
    if site is None:
        site = {}
    elif not isinstance(site, dict):
        diag.error(f"must be a mapping, not {describe(site)}", doc.where(("site",)), "site")
        site = {}

    jupyter = project_jupyter(project, diag, doc.where)
    options = read_options(data.get("mystlite"), root, diag, doc.where)
    return Config(root, file, doc, project, site, jupyter, options, diag)
