"""Jupyter widgets in the site: the Python packages and the JupyterLite extensions that draw them, as pairs
that mystlite chooses together so that an author never pins a widget version by hand.

A site needs widgets when its code imports ipywidgets or anywidget, or with `mystlite.widgets: true`. Then
the lock gets ipywidgets (and anywidget), with the pyodide kernel's empty widgetsnbextension (the classic
notebook's files are useless here), and the JupyterLite build gets each package's labextension, taken from
the same wheels that pip downloads.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from packaging.requirements import Requirement

from ..files import sync_folder

# import name -> the pinned Python package; its labextension ships inside the named wheel
WIDGET_PACKAGES = {"ipywidgets": "ipywidgets==8.1.9", "anywidget": "anywidget==0.11.0"}
# ipywidgets 8.1.9 asks for jupyterlab_widgets~=3.0.17: the manager that speaks its protocol version
PINS = {"jupyterlab-widgets": "3.0.17"}
LABEXTENSION_WHEELS = ("jupyterlab-widgets", "anywidget", "plotly")  # the wheels that carry a labextension
# plotly figures in JupyterLite need plotly's own extension, which only its (large, pure) wheel carries
PLOTLY_EXTENSION = "plotly==7.1.0"


def widget_imports(modules: set[str], switch: bool | None) -> list[str]:
    """The widget packages the site needs (import names), from its imports and `mystlite.widgets`."""
    if switch is False:
        return []
    wanted = [name for name in WIDGET_PACKAGES if name in modules]
    if switch is True and "ipywidgets" not in wanted:
        wanted.insert(0, "ipywidgets")
    return wanted


def widget_requirements(names: list[str]) -> list[Requirement]:
    return [Requirement(WIDGET_PACKAGES[name]) for name in names]


def extract_labextensions(wheels: dict[str, Path], dest: Path) -> list[Path]:
    """Each wheel's share/jupyter/labextensions/<name> folder, unpacked under dest; returns their folders."""
    folders = []
    for name in LABEXTENSION_WHEELS:
        wheel = wheels.get(name)
        if wheel is None:
            continue
        files: dict[str, bytes] = {}
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                _, marker, rest = member.partition(".data/data/share/jupyter/labextensions/")
                if marker and not member.endswith("/"):
                    files[rest] = archive.read(member)
        if not files:
            continue
        sync_folder(dest / name, files)
        top = {rel.split("/")[0] if not rel.startswith("@") else "/".join(rel.split("/")[:2]) for rel in files}
        folders += [dest / name / extension for extension in sorted(top)]
    return folders
