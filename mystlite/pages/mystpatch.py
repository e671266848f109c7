"""Fixes mystlite carries for mystmd until upstream has them, as npm projects carry theirs (patch-package style).

Each is a unified diff in mystmd_patches/ against the exact mystmd bundle pyproject.toml pins. It is applied to
a copy of the installed `myst.cjs` in the download cache (the installed one is never changed), and only when
the installed bundle is that version with that sha256; otherwise stock mystmd runs, with one info line.

- page-downloads.patch: a page without `downloads` skips the project-wide export list that mystmd collects for
  every page (quadratic in the page count). See bench/mystmd/page-downloads.md, the upstream proposal.
- fast-edit.patch: `myst start` (the kept mystmd of `serve --watch`) processes and writes only the edited page
  after an edit, not every page of the project. What other pages take from it (title, labels, numbers) is
  checked by mystlite, which runs `myst build` when that changed (mystserver.page_face). See
  bench/mystmd/fast-edit.md.
- plugin-import.patch: plugins are imported through `globalThis.mystliteImport` when it is set, as
  mystload.cjs sets it (code that V8's code cache compiled cannot `import()` in node 20); else as before.
- version-check-once.patch: each run asks for node's and npm's versions once, not twice (every ask spawns
  `npm --version`, about 0.25 s). The site data is unchanged. See bench/mystmd/version-check-once.md.
- version-without-running.patch: that one ask reads what it can instead of starting programs: the running
  node's version when PATH's `node` is this node, npm's package.json when PATH's `npm` is npm's own
  npm-cli.js; anything else is run as before. See bench/mystmd/version-without-running.md.
- wait-for-start.patch: the CLI's command line is parsed through `globalThis.mystliteStart` when it is set, as
  mystload.cjs sets it when told to wait (MYSTLITE_START_ON_STDIN): the bundle loads, then waits for the folder
  and the arguments (mystcommand.WaitingMyst). Else as before.
- without-json-polyfill.patch: core-js's polyfill for JSON.rawJSON, which replaced JSON.stringify with a much
  slower wrapper (mystmd writes every page with it, and makes no raw JSON), is left out: JSON is node's own.
  See bench/mystmd/without-json-polyfill.md.

The patches apply in name order, each to the text the ones before it left: a hunk's line numbers count theirs.
The patched copy runs through mystload.cjs (mystmd.myst_command), which keeps V8's compiled code in its folder.
"""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

from ..files import file_digest, matches_record, record_digest, write_if_changed

PATCHES = Path(__file__).parent / "mystmd_patches"
FOR_VERSION = "1.11.0"
FOR_SHA256 = "e45c9e587b2e7cdb7ddef67aedbb8c8653c53521689bae5b9c0acd480f794eaf"
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")

_said = False  # the info line that stock mystmd runs, once per process
_checked: dict[tuple, bool] = {}  # (path, size, mtime) of the installed bundle -> it is the one patched for


class PatchDoesNotApply(Exception):
    pass


def apply_patch(text: str, patch: str) -> str:
    """`text` with a unified diff applied; each hunk's old lines must be found exactly once, near where the diff
    says, else PatchDoesNotApply."""
    lines = text.splitlines(keepends=True)
    patch_lines = patch.splitlines(keepends=True)
    hunks: list[tuple[int, list[str], list[str]]] = []
    index = 0
    while index < len(patch_lines):
        match = HUNK.match(patch_lines[index])
        index += 1
        if not match:
            continue
        old, new = [], []
        while index < len(patch_lines) and not patch_lines[index].startswith("@@"):
            line = patch_lines[index]
            if line.startswith(" "):
                old.append(line[1:])
                new.append(line[1:])
            elif line.startswith("-"):
                old.append(line[1:])
            elif line.startswith("+"):
                new.append(line[1:])
            index += 1
        hunks.append((int(match.group(1)) - 1, old, new))
    for start, old, new in reversed(hunks):  # from the end: earlier hunks' line numbers stay right
        if lines[start:start + len(old)] != old:
            raise PatchDoesNotApply(f"the lines of the hunk at line {start + 1} are not there")
        lines[start:start + len(old)] = new
    return "".join(lines)


def installed_bundle() -> Path:
    import mystmd_py

    return Path(mystmd_py.__file__).parent / "myst.cjs"


def _is_the_pinned_bundle(bundle: Path) -> bool:
    stat = bundle.stat()
    key = (str(bundle), stat.st_size, stat.st_mtime_ns)
    if key not in _checked:
        try:
            version = metadata.version("mystmd")
        except metadata.PackageNotFoundError:
            version = ""
        _checked[key] = version == FOR_VERSION and file_digest(bundle) == FOR_SHA256
    return _checked[key]


def myst_script(cache: Path | None, reporter=None) -> Path:
    """The myst.cjs to run: the patched copy when the installed bundle is the pinned one and a cache folder is
    at hand, else the installed bundle."""
    global _said
    bundle = installed_bundle()
    if cache is None:
        return bundle
    if not _is_the_pinned_bundle(bundle):
        if not _said and reporter is not None:
            reporter.info(f"mystmd is not {FOR_VERSION} (sha256 {FOR_SHA256[:12]}…), which mystlite's fixes are "
                          f"for: stock mystmd runs")
        _said = True
        return bundle
    patches = sorted(PATCHES.glob("*.patch"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in patches)).hexdigest()[:16]
    target = cache / "mystmd-patched" / f"{FOR_VERSION}-{digest}" / "myst.cjs"
    if matches_record(target):
        return target
    text = bundle.read_text(encoding="utf-8")
    try:
        for patch in patches:
            text = apply_patch(text, patch.read_text(encoding="utf-8"))
    except PatchDoesNotApply as err:  # cannot happen for the pinned digest; stock mystmd is still right
        if not _said and reporter is not None:
            reporter.info(f"mystlite's mystmd fixes do not apply ({err}): stock mystmd runs")
        _said = True
        return bundle
    try:
        write_if_changed(target, text.encode("utf-8"))
        record_digest(target)
    except OSError as err:  # a read-only or full cache: stock mystmd does the same work, more slowly
        if not _said and reporter is not None:
            reporter.info(f"mystlite's mystmd fixes could not be written to the cache ({err.strerror or err}): "
                          f"stock mystmd runs")
        _said = True
        return bundle
    return target
