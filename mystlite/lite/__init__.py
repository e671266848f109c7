"""Project + Distribution → the JupyterLite bundle, through jupyterlite-core's manager and addons."""

import sys

# jsonschema (imported via nbformat and jupyter_server) builds a large grammar for the optional
# rfc3987_syntax format checker, which costs ~2 s per build; no schema we validate uses it.
sys.modules.setdefault("rfc3987_syntax", None)

from .bundle import LiteBundle, build_lite  # noqa: E402

__all__ = ["LiteBundle", "build_lite"]
