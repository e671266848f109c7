"""Shipped as sitecustomize.py in the site's python_stdlib.zip, where site imports it when Python starts.

A standard-library module that has build-time bytecode ships without its source, which would leave its
lines out of tracebacks. Its source is in python_stdlib_sources.zip next to the stdlib zip instead, fetched
the first time a traceback (or inspect) asks for one of its lines, and never otherwise.
"""


def _install():
    import linecache
    import sys

    prefix = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip/"
    local = "/lib/python_stdlib_sources.zip"  # where build-time execution puts it, and where a fetch keeps it
    sources = []  # the opened archive, once

    def archive():
        if not sources:
            import os
            import zipfile

            if not os.path.exists(local):
                _download(local)
            sources.append(zipfile.ZipFile(local))
        return sources[0]

    def updatecache(filename, module_globals=None):
        lines = original(filename, module_globals)
        if lines or not isinstance(filename, str) or not filename.startswith(prefix):
            return lines
        try:
            text = archive().read(filename[len(prefix):]).decode("utf-8")
        except Exception:  # no archive, or not in it: the traceback goes without the line, as before
            return lines
        lines = text.splitlines(True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        linecache.cache[filename] = (len(text), None, lines, filename)
        return lines

    original = linecache.updatecache
    linecache.updatecache = updatecache


def _download(path):
    # A synchronous request: tracebacks are formatted synchronously, and Python runs in a web worker, where
    # that is allowed (and where an arraybuffer response may be asked for).
    import pyodide_js
    from js import XMLHttpRequest

    request = XMLHttpRequest.new()
    request.open("GET", str(pyodide_js._api.config.indexURL) + "python_stdlib_sources.zip", False)
    request.responseType = "arraybuffer"
    request.send(None)
    if request.status != 200:
        raise OSError(f"python_stdlib_sources.zip: HTTP {request.status}")
    with open(path, "wb") as handle:
        handle.write(request.response.to_bytes())


_install()
del _install
