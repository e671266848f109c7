"""Single files of pyodide's distribution (compiled packages such as numpy), per file from pyodide's CDN for the
exact pinned version, never the 200 MB release tarball. Each file is checked against the sha256 that the npm
core's pyodide-lock.json gives for it, when downloaded and whenever the cache is used.

$MYSTLITE_PYODIDE_CDN names another base URL laid out the same way (a mirror, or a local copy).
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from jupyterlite_pyodide_kernel.constants import PYODIDE_CDN_URL, PYODIDE_VERSION

from ..files import file_digest
from ..log import Reporter

ENV_VAR = "MYSTLITE_PYODIDE_CDN"


def cdn_base() -> str:
    return (os.environ.get(ENV_VAR) or PYODIDE_CDN_URL).rstrip("/")


def fetch_package_file(entry: dict, cache: Path, reporter: Reporter) -> tuple[Path | None, str | None]:
    """(the verified file, None), or (None, why it could not be had)."""
    file_name, expected = entry["file_name"], entry.get("sha256")
    if "/" in file_name or not expected:
        return None, f"{file_name}: the lock gives no plain file name and sha256 to check it against"
    dest = cache / "pyodide" / PYODIDE_VERSION / "packages" / file_name
    if dest.is_file():
        if file_digest(dest) == expected:
            return dest, None
        reporter.warn(f"the cached {file_name} does not match its sha256 in pyodide-lock.json; downloading it again")
        dest.unlink()
    url = f"{cdn_base()}/{file_name}"
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with reporter.step(f"downloading {file_name} from pyodide's CDN"):
            with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as out:
                while block := response.read(1 << 20):
                    out.write(block)
    except urllib.error.HTTPError as err:
        part.unlink(missing_ok=True)
        return None, f"{url}: HTTP {err.code}"
    except (OSError, ValueError) as err:
        part.unlink(missing_ok=True)
        return None, f"{url}: {getattr(err, 'reason', None) or err}"
    digest = file_digest(part)
    if digest != expected:
        part.unlink()
        return None, f"{url}: its sha256 {digest[:12]}… does not match the lock's {expected[:12]}…"
    part.replace(dest)
    return dest, None
