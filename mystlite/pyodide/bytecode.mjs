// Compiles bytecode into pyodide's python_stdlib.zip, using pyodide itself (running in node), because only
// pyodide's own CPython has the right magic number. Each module that WARMUP_PY ends up importing ships as an
// unchecked-hash .pyc (PEP 552) instead of its .py, where zipimport finds it (file times then don't matter);
// its .py goes to SOURCES_ZIP, which SITECUSTOMIZE_PY (added to the zip as sitecustomize.py) fetches the first
// time a traceback needs one of its lines. Start-up speed, and each module shipped once.
//   node bytecode.mjs CORE_DIR IN_ZIP OUT_ZIP SOURCES_ZIP WARMUP_PY SITECUSTOMIZE_PY
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [coreDir, inZip, outZip, sourcesZip, warmup, sitecustomize] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(coreDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: coreDir + path.sep });
py.FS.writeFile("/tmp/in.zip", readFileSync(inZip));
py.FS.writeFile("/tmp/sitecustomize.py", readFileSync(sitecustomize));
py.runPython(readFileSync(warmup, "utf8"), { globals: py.globals.get("dict")() });
const count = py.runPython(`
import sys
prefix = "/lib/python314.zip/"
wanted = {m.__file__[len(prefix):] for m in list(sys.modules.values())
          if (getattr(m, "__file__", None) or "").startswith(prefix)}
wanted.add("sitecustomize.py")

import importlib.util, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

def entries(src):
    for info in src.infolist():
        yield info, src.read(info)
    yield zipfile.ZipInfo("sitecustomize.py", date_time=(1980, 1, 1, 0, 0, 0)), open("/tmp/sitecustomize.py", "rb").read()

count = 0
with zipfile.ZipFile("/tmp/in.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as out, \\
        zipfile.ZipFile("/tmp/sources.zip", "w") as sources:
    for info, data in entries(src):
        code = None
        if info.filename in wanted:
            try:
                code = compile(data, prefix + info.filename, "exec", dont_inherit=True)
            except SyntaxError:
                pass  # a few test and template files are not valid Python; they stay source only
        if code is None:
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            continue
        pyc = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
        out.writestr(pyc, _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False),
                     compress_type=zipfile.ZIP_DEFLATED)
        sources.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        count += 1
count
`);
writeFileSync(outZip, py.FS.readFile("/tmp/out.zip"));
writeFileSync(sourcesZip, py.FS.readFile("/tmp/sources.zip"));
console.log(`compiled ${count} modules`);
