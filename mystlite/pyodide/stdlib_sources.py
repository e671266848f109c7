"""Shipped as sitecustomize.py in the site's python_stdlib.zip, where site imports it when Python starts.

The site's stdlib comes in parts (see bytecode.mjs): python_stdlib.zip holds what a page needs to start and
run its runtime, and two more archives hold the rest, fetched the first time code imports a module of
theirs (a reader who never imports `sqlite3` or `mailbox` never downloads them). Their names are in
_mystlite_stdlib.json, in python_stdlib.zip.

A module that has build-time bytecode ships without its source, which would leave its lines out of
tracebacks. Its source is in python_stdlib_sources.zip instead, fetched the first time a traceback (or
inspect) asks for one of its lines, and never otherwise.

Each archive is kept in /lib once fetched, where build-time execution also puts them beforehand.
"""


def _install():
    import json
    import linecache
    import sys

    prefix = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip/"
    sources = []  # the opened archive, once

    def archive():
        if not sources:
            import zipfile

            sources.append(zipfile.ZipFile(_local("python_stdlib_sources.zip")))
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
    try:
        where = json.loads(__loader__.get_data(prefix + "_mystlite_stdlib.json"))
    except (NameError, OSError, ValueError):  # a stdlib zip that is whole
        return
    sys.meta_path.append(_LaterStdlib(where))


class _LaterStdlib:
    """Finds the stdlib modules that python_stdlib.zip leaves out, after every other finder (so that, as in
    any Python, a reader's own module of the same name wins), and fetches their archive the first time."""

    def __init__(self, where):
        self.where = where  # module name -> archive name
        self.importers = {}

    def find_spec(self, name, path=None, target=None):
        archive = self.where.get(name)
        if archive is None:
            return None
        import zipimport

        package = name.rpartition(".")[0].replace(".", "/")
        key = (archive, package)
        if key not in self.importers:
            try:
                local = _local(archive)
            except Exception as error:  # offline, or the site lacks it: an ImportError that says so
                raise ImportError(f"{name} is in {archive}, which could not be fetched ({error})",
                                  name=name) from None
            self.importers[key] = zipimport.zipimporter(f"{local}/{package}" if package else local)
        return self.importers[key].find_spec(name, target)

    def invalidate_caches(self):
        self.importers.clear()


def _local(name):
    """/lib/NAME, fetched from beside pyodide the first time. A synchronous request: imports and tracebacks are
    synchronous, and Python runs in a web worker, where that is allowed (with an arraybuffer response)."""
    import os

    path = "/lib/" + name
    if os.path.exists(path):
        return path
    import pyodide_js
    from js import XMLHttpRequest

    request = XMLHttpRequest.new()
    request.open("GET", str(pyodide_js._api.config.indexURL) + name, False)
    request.responseType = "arraybuffer"
    request.send(None)
    if request.status != 200:
        raise ImportError(f"{name}: HTTP {request.status}")
    with open(path + ".part", "wb") as handle:
        handle.write(request.response.to_bytes())
    os.replace(path + ".part", path)
    return path


_install()
del _install
