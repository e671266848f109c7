"""Node.js, which mystmd runs on and which compiles pyodide bytecode at build time."""

from __future__ import annotations

import re
import shutil
import subprocess

from .errors import MystliteError

MIN_NODE = 20


def find_node() -> str:
    node = shutil.which("node")
    if node is None:
        raise MystliteError("Node.js is needed to build the MyST pages and pyodide's bytecode, and `node` was "
                            "not found", hint=f"install Node.js {MIN_NODE} or newer, e.g. `apt-get install nodejs`")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    match = re.match(r"v(\d+)", version)
    if not match or int(match.group(1)) < MIN_NODE:
        raise MystliteError(f"mystlite needs Node.js {MIN_NODE} or newer; `node --version` says {version or 'nothing'}",
                            hint="install a newer Node.js")
    return node
