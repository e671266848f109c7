// Adds compiled bytecode to pyodide's python_stdlib.zip, using pyodide itself (running in node), because
// only pyodide's own CPython has the right magic number. Each module gets an unchecked-hash .pyc (PEP 552)
// beside its .py, where zipimport finds it; file times then don't matter and tracebacks keep their source.
// Only the modules that WARMUP_PY ends up importing are compiled: start-up speed for a fraction of the size.
//   node bytecode.mjs CORE_DIR IN_ZIP OUT_ZIP WARMUP_PY
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [coreDir, inZip, outZip, warmup] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(coreDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: coreDir + path.sep });
py.FS.writeFile("/tmp/in.zip", readFileSync(inZip));
py.runPython(readFileSync(warmup, "utf8"), { globals: py.globals.get("dict")() });
const count = py.runPython(`
import sys
prefix = "/lib/python314.zip/"
wanted = {m.__file__[len(prefix):] for m in list(sys.modules.values())
          if (getattr(m, "__file__", None) or "").startswith(prefix)}

import importlib.util, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

count = 0
with zipfile.ZipFile("/tmp/in.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as out:
    for info in src.infolist():
        data = src.read(info)
        out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        if info.filename not in wanted:
            continue
        try:
            code = compile(data, "/lib/python314.zip/" + info.filename, "exec", dont_inherit=True)
        except SyntaxError:
            continue  # a few test and template files are not valid Python; they stay source only
        pyc = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
        out.writestr(pyc, _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False),
                     compress_type=zipfile.ZIP_DEFLATED)
        count += 1
count
`);
writeFileSync(outZip, py.FS.readFile("/tmp/out.zip"));
console.log(`compiled ${count} modules`);
