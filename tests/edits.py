"""Edits an author makes between builds, applied to a copy of sample_site (with ../wheels beside it).

Shared by the incremental-equals-clean property test and its longer run in bench/. Each edit is a plain
function of (project root, random source) that changes the project the way a person would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import shutil
import zipfile
from pathlib import Path


def edit_notebook(root: Path, rng: random.Random) -> str:
    path = root / "notebooks" / "explore.ipynb"
    notebook = json.loads(path.read_text())
    cell = notebook["cells"][0]
    cell["source"] = [*cell["source"], f"\n\nNote {rng.randrange(10**6)}."]
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    return "notebook"


def edit_md_page(root: Path, rng: random.Random) -> str:
    path = root / rng.choice(["index.md", "about.md", "notebooks/stats.md"])
    path.write_text(path.read_text() + f"\nA paragraph added in edit {rng.randrange(10**6)}.\n")
    return f"md page {path.name}"


def edit_data_same_size(root: Path, rng: random.Random) -> str:
    """Change one digit of the data file: same size, and (within the second) possibly the same mtime."""
    path = root / "data" / "temperatures.csv"
    stat = path.stat()
    text = path.read_text()
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    i = rng.choice(positions)
    text = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as a tool that keeps times would
    return "data file, same size and mtime"


def add_file(root: Path, rng: random.Random) -> str:
    name = f"extra-{rng.randrange(10**6)}.txt"
    (root / "data" / name).write_text(f"added {name}\n")
    return f"add data/{name}"


def delete_file(root: Path, rng: random.Random) -> str:
    extras = sorted((root / "data").glob("extra-*.txt"))
    if not extras:
        return add_file(root, rng)
    path = rng.choice(extras)
    path.unlink()
    return f"delete data/{path.name}"


def rebuild_wheel(root: Path, rng: random.Random) -> str:
    """The custom wheel rebuilt with the same version and new code (RECORD kept correct)."""
    wheel = root.parent / "wheels" / "coursekit-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    init = "coursekit/__init__.py"
    files[init] = files[init] + f"\nBUILD = {rng.randrange(10**6)}\n".encode()
    record_name = next(name for name in files if name.endswith(".dist-info/RECORD"))
    lines = []
    for name, data in files.items():
        if name == record_name:
            lines.append(f"{name},,")
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    files[record_name] = ("\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return "rebuilt wheel, same version"


def toggle_frontmatter(root: Path, rng: random.Random) -> str:
    """Switch compute off and on for the md notebook page (`jupyter: false` in its frontmatter)."""
    path = root / "notebooks" / "stats.md"
    text = path.read_text()
    if "\njupyter: false\n" in text:
        text = text.replace("\njupyter: false\n", "\n", 1)
    else:
        text = text.replace("---\n", "---\njupyter: false\n", 1)
    path.write_text(text)
    return "frontmatter jupyter: false toggled"


def edit_myst_yml(root: Path, rng: random.Random) -> str:
    path = root / "myst.yml"
    text = path.read_text()
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("  description:"))
    lines[index] = f"  description: A tiny course, edition {rng.randrange(10**6)}."
    path.write_text("\n".join(lines) + "\n")
    return "myst.yml description"


def toggle_page(root: Path, rng: random.Random) -> str:
    """about.md leaves the toc, or comes back: a page gone from the site goes from the output, folder and all."""
    path = root / "myst.yml"
    text = path.read_text()
    entry, before = "    - file: about.md\n", "    - file: notebooks/practice.md\n"
    path.write_text(text.replace(entry, "") if entry in text else text.replace(before, before + entry))
    return "about.md out of the toc" if entry in text else "about.md back in the toc"


def touch_everything(root: Path, rng: random.Random) -> str:
    for path in [*root.rglob("*"), *(root.parent / "wheels").rglob("*")]:
        if "_build" not in path.parts:
            os.utime(path)
    return "touch every file"


EDITS = [edit_notebook, edit_md_page, edit_data_same_size, add_file, delete_file, rebuild_wheel,
         toggle_frontmatter, edit_myst_yml, toggle_page, touch_everything]


def clean_copy(root: Path, dest: Path) -> Path:
    """The project as it is now, without any build output, laid out the same way under dest."""
    shutil.copytree(root, dest / root.name, ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(root.parent / "wheels", dest / "wheels")
    return dest / root.name


def digests(folder: Path) -> dict[str, str]:
    """Each file's sha256, and each folder (an empty one left behind is a difference too)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(folder.rglob("*"))}


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(rel for rel in set(a) | set(b) if a.get(rel) != b.get(rel))
