"""Benchmark for a mystmd fix (issue 15; mystlite carries it since issue 25): a page without `downloads` skips
the project-wide export list. See page-downloads.md for the change (the upstream proposal) and
mystlite/pages/mystpatch.py for how mystlite carries it; here the patched copy is made in a temporary folder.

For each size, a generated book (bench/scale.py's generator) is built cold with `myst build --site`, stock
and patched, in the same run; the published site data (_build/site) must be identical (mdast node keys and output ids, random in every build, aside).

    .venv/bin/python bench/mystmd/page_downloads.py [--pages 100 500 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale import generate, timed  # noqa: E402

def patched_copy(folder: Path) -> Path:
    """mystmd with the fix mystlite carries (mystlite/pages/mystpatch.py), made in `folder`."""
    from mystlite.pages.mystpatch import installed_bundle, myst_script

    script = myst_script(folder)
    if script == installed_bundle():
        sys.exit("the installed mystmd is not the one mystlite's patch is for (see mystlite/pages/mystpatch.py)")
    return script


def _without_keys(value):
    if isinstance(value, dict):
        random = {"key", "id"} if value.get("type") in ("outputs", "output") else {"key"}
        return {k: _without_keys(v) for k, v in value.items() if k not in random}
    if isinstance(value, list):
        return [_without_keys(v) for v in value]
    return value


def site_files(root: Path) -> dict[str, object]:
    """The site data, without what mystmd draws at random on every build: node keys and output ids."""
    site = root / "_build" / "site"
    return {p.relative_to(site).as_posix(): _without_keys(json.loads(p.read_bytes())) if p.suffix == ".json"
            else p.read_bytes() for p in site.rglob("*") if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[100, 500, 1000])
    args = parser.parse_args()
    import mystmd_py
    from mystlite.pages.mystmd import TEMPLATE_DIR

    stock = Path(mystmd_py.__file__).parent / "myst.cjs"
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        patched = patched_copy(Path(tmp) / "patched-mystmd")
        for pages in args.pages:
            projects = {}
            root = Path(tmp) / f"book-{pages}"  # one folder for both: file hashes include the path
            generate(root, pages)
            (root / "myst.yml").write_text((root / "myst.yml").read_text() + f"site:\n  template: {TEMPLATE_DIR}\n")
            for name, script in (("stock", stock), ("patched", patched)):
                shutil.rmtree(root / "_build", ignore_errors=True)
                seconds = timed(["node", str(script), "build", "--site"], root)[0]
                projects[name] = (seconds, site_files(root))
            (base, ours_files), (fixed, theirs_files) = projects["stock"], projects["patched"]
            differ = sorted(k for k in set(ours_files) | set(theirs_files) if ours_files.get(k) != theirs_files.get(k))
            print(f"{pages:>5} pages: stock {base:6.2f} s, patched {fixed:6.2f} s ({fixed / base:.2f}×); "
                  f"site data {'identical' if not differ else f'{len(differ)} files differ: {differ[:3]}'} "
                  f"(load {os.getloadavg()[0]:.2f})")
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
