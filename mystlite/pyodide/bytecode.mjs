// Splits pyodide's python_stdlib.zip by when a page needs each module, compiling bytecode with pyodide itself
// (running in node), because only pyodide's own CPython has the right magic number.
//   - OUT_ZIP (python_stdlib.zip, fetched at start): what Python's start, the in-page runtime (KERNEL_PY, its
//     first cell run included) and the first package load import, as unchecked-hash .pyc (PEP 552), where zipimport
//     finds them (file times then don't matter); plus SITECUSTOMIZE_PY as sitecustomize.py and LISTING, the
//     module -> archive map that it reads.
//   - COMMON_ZIP: the further modules that WARMUP_PY imports (common in readers' code), as .pyc.
//   - MORE_ZIP: the rest of the stdlib, as source.
// The last two are fetched the first time code imports a module in them (see stdlib_sources.py). The .py of
// each compiled module goes to SOURCES_ZIP, fetched the first time a traceback needs one of its lines.
//   node bytecode.mjs CORE_DIR IN_ZIP OUT_ZIP COMMON_ZIP MORE_ZIP SOURCES_ZIP KERNEL_PY WARMUP_PY SITECUSTOMIZE_PY
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [coreDir, inZip, outZip, commonZip, moreZip, sourcesZip, kernel, warmup, sitecustomize] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(coreDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: coreDir + path.sep });
py.FS.writeFile("/tmp/in.zip", readFileSync(inZip));
py.FS.writeFile("/tmp/sitecustomize.py", readFileSync(sitecustomize));
const imported = () => py.runPython(`
import sys
prefix = "/lib/python314.zip/"
sorted({m.__file__[len(prefix):] for m in list(sys.modules.values())
        if (getattr(m, "__file__", None) or "").startswith(prefix)})
`).toJs();
// the runtime's module, as the page's worker and the start-up snapshot run it, then what pyodide's package
// loader imports the first time a page loads a package (the runtime's warm-up imports only what is here)
py.runPython("import sys, types; sys.modules['_mystlite_kernel'] = types.ModuleType('_mystlite_kernel')");
const runtime = py.pyimport("_mystlite_kernel");
py.runPython(readFileSync(kernel, "utf8"), { globals: runtime.__dict__ });
runtime.destroy();
// a first cell run, with a value shown, as a page's first Run does
await py.runPythonAsync(`
runner = sys.modules["_mystlite_kernel"].Runner(lambda kind, text: None, lambda prompt, password: 0)
await runner.run("x = 6 * 7\\nprint(x)\\nx", False)
del runner
`);
py.runPython("import csv, email, encodings.cp437, importlib.metadata, tarfile");
py.globals.set("startup", imported());
py.runPython(readFileSync(warmup, "utf8"), { globals: py.globals.get("dict")() });
py.globals.set("common", imported());
const [count, lazy] = py.runPython(`
import importlib.util, json, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

startup = set(startup) | {"sitecustomize.py"}
common = set(common) - startup
ARCHIVES = ("python_stdlib_common.zip", "python_stdlib_more.zip")

def entries(src):
    for info in src.infolist():
        yield info, src.read(info)
    yield zipfile.ZipInfo("sitecustomize.py", date_time=(1980, 1, 1, 0, 0, 0)), open("/tmp/sitecustomize.py", "rb").read()

def module_name(filename):
    stem = filename[:-3].replace("/", ".")
    return stem[:-len(".__init__")] if stem.endswith(".__init__") else stem

def compiled(info, data):
    try:
        code = compile(data, prefix + info.filename, "exec", dont_inherit=True)
    except SyntaxError:
        return None  # a few test and template files are not valid Python; they stay source only
    pyc = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
    return pyc, _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)

prefix = "/lib/python314.zip/"
count, where = 0, {}
with zipfile.ZipFile("/tmp/in.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as out, \\
        zipfile.ZipFile("/tmp/common.zip", "w") as common_out, zipfile.ZipFile("/tmp/more.zip", "w") as more, \\
        zipfile.ZipFile("/tmp/sources.zip", "w") as sources:
    listed = [(info, data) for info, data in entries(src)]
    # a data file goes with its package's __init__, so that the package's loader finds it
    package_of = {info.filename.rsplit("/", 1)[0]: info.filename for info, _ in listed
                  if info.filename.endswith("/__init__.py")}
    for info, data in listed:
        name = info.filename
        tier = "startup" if name in startup else "common" if name in common else "more"
        if not name.endswith(".py"):
            # (a folder too: one left in python_stdlib.zip would import as an empty namespace package)
            owner = package_of.get(name.rstrip("/").rsplit("/", 1)[0] if not info.is_dir() else name.rstrip("/"))
            tier = "startup" if owner is None or owner in startup else "common" if owner in common else "more"
        target = {"startup": out, "common": common_out, "more": more}[tier]
        pyc = compiled(info, data) if tier != "more" and name.endswith(".py") else None
        if pyc is None:
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        else:
            target.writestr(pyc[0], pyc[1], compress_type=zipfile.ZIP_DEFLATED)
            sources.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            count += 1
        if tier != "startup" and name.endswith(".py"):
            where[module_name(name)] = ARCHIVES[0] if tier == "common" else ARCHIVES[1]
    out.writestr(zipfile.ZipInfo("_mystlite_stdlib.json", date_time=(1980, 1, 1, 0, 0, 0)),
                 json.dumps(where, sort_keys=True), compress_type=zipfile.ZIP_DEFLATED)
[count, len(where)]
`).toJs();
writeFileSync(outZip, py.FS.readFile("/tmp/out.zip"));
writeFileSync(commonZip, py.FS.readFile("/tmp/common.zip"));
writeFileSync(moreZip, py.FS.readFile("/tmp/more.zip"));
writeFileSync(sourcesZip, py.FS.readFile("/tmp/sources.zip"));
console.log(`compiled ${count} modules; ${lazy} fetched when first imported`);
