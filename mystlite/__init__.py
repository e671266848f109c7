"""mystlite: MyST sites whose code runs in the reader's browser, offline, on a self-hosted pyodide."""

__version__ = "0.1.0"
