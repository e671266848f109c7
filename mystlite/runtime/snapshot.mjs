// Makes the in-page runtime's start-up snapshot: pyodide's memory after start-up, with the runtime's Python
// module (kernel.py) already imported as _mystlite_kernel, in static/heap.js's format, gzipped. The worker
// restores it instead of booting Python, which is most of the time to first output. Then restores it once
// here, to prove it works.
//   node snapshot.mjs CORE_DIR STDLIB_ZIP KERNEL_PY OUT_GZ
// Constraints (each seen as an error otherwise): no package loaded and no JS object held from Python at
// snapshot time; the same pyodide build, and the stdlib zip the snapshot carries, when restoring.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { gzipSync, gunzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [coreDir, stdlib, kernel, out] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(coreDir, "pyodide.mjs")).href);
const { packHeap, unpackHeap } = await import(new URL("./static/heap.js", import.meta.url).href);
// The program name is kept in the heap (as $_ and sys.executable): give the browser's, not this file's path.
const options = { indexURL: coreDir + path.sep, stdLibURL: stdlib, _sysExecutable: "./this.program" };

// The wasm memory as instantiation leaves it (the data segments), which the snapshot is stored against;
// `after` is called with it, as the worker's hook does.
const instantiate = WebAssembly.instantiate;
let after = null;
WebAssembly.instantiate = async (source, imports) => {
  const result = await instantiate(source, imports);
  const memory = (result.instance ?? result).exports.memory;
  if (after && memory) after(new Uint8Array(memory.buffer));
  return result;
};
let initial = null;
after = (memory) => { initial = memory.slice(); after = null; };
const py = await loadPyodide({ ...options, _makeSnapshot: true });
py.runPython(`
import sys, types
sys.modules["_mystlite_kernel"] = types.ModuleType("_mystlite_kernel")
`);
const module = py.pyimport("_mystlite_kernel");
py.runPython(readFileSync(kernel, "utf8"), { globals: module.__dict__ });
module.destroy();
// What pyodide's package loader imports the first time a page loads a package (about 0.2 s, and 50 KB here)
py.runPython("import csv, email, encodings.cp437, importlib.metadata, tarfile");

// A start from the snapshot needs no file of a module the heap already holds: the stdlib zip it mounts
// leaves them out (1.5 of 1.6 MB). They stay in python_stdlib.zip, which sitecustomize's finder fetches
// should code ever import one afresh (importlib.reload). The zip is swapped before the snapshot, and
// zipimport's caches dropped, so the heap describes the zip it will find.
const scratch = py.globals.get("dict")();
const stdlibZip = py.runPython(`
import importlib, io, sys, zipfile, zipimport
archive = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip"
held = {}
for name, mod in list(sys.modules.items()):
    file = getattr(mod, "__file__", None) or ""
    if file.startswith(archive + "/"):  # (a frozen module's __file__ names the .py its .pyc came from)
        held[file[len(archive) + 1:]] = held[file[len(archive) + 1:].removesuffix(".py") + ".pyc"] = name
buffer = io.BytesIO()
with zipfile.ZipFile(archive) as whole, zipfile.ZipFile(buffer, "w") as kept:
    files = [info for info in whole.infolist() if not info.is_dir() and info.filename not in held]
    for info in whole.infolist():
        # a folder goes unless a file stays in it: one left alone would import as an empty namespace package
        if info.is_dir() and not any(file.filename.startswith(info.filename) for file in files):
            continue
        if info.filename not in held:
            kept.writestr(info, whole.read(info), compress_type=info.compress_type)
with open(archive, "wb") as handle:
    handle.write(buffer.getvalue())
zipimport._zip_directory_cache.pop(archive, None)
sys.path_importer_cache.pop(archive, None)
importlib.invalidate_caches()
for finder in sys.meta_path:
    if type(finder).__name__ == "_LaterStdlib":
        finder.where.update({name: "python_stdlib.zip" for name in held.values()})
archive
`, { globals: scratch });
scratch.destroy();
py.runPython("import gc; gc.collect()", { globals: py.globals.get("dict")() });
const stdlibBytes = py.FS.readFile(stdlibZip);

// Memory that nothing uses still holds what start-up left there; zeroed, the snapshot gzips 10% smaller.
// Every free block malloc can give without growing the heap is taken, zeroed and given back, and so is the
// stack below the current frame.
const M = py._module;
const limit = M._malloc_footprint_limit();
M._malloc_set_footprint_limit(M._malloc_footprint());
const held = [];
for (let size = 1 << 24; size >= 16;) {
  const block = M._malloc(size);
  if (!block) { size >>= 1; continue; }
  M.HEAPU8.fill(0, block, block + size);
  held.push(block);
}
held.forEach((block) => M._free(block));
M._malloc_set_footprint_limit(limit);
const stackEnd = M._emscripten_stack_get_end();
M.HEAPU8.fill(0, stackEnd, M._emscripten_stack_get_current() - 1024);

// The static data below the stack is what the data segments initialised; stored as a difference to them.
const baselineLength = Math.floor(stackEnd / 4096) * 4096;
const packed = gzipSync(packHeap(py.makeMemorySnapshot(), { initial, baselineLength, stdlib: stdlibBytes }),
                        { level: 9 });

const unpacked = unpackHeap(gunzipSync(packed));
after = (memory) => { unpacked.applyBaseline(memory); after = null; };
const restoredStdlib = path.join(path.dirname(out), path.basename(out) + ".stdlib.zip");
writeFileSync(restoredStdlib, unpacked.stdlib);
const restored = await loadPyodide({ ...options, stdLibURL: restoredStdlib, _loadSnapshot: unpacked.snapshot })
  .finally(() => unlinkSync(restoredStdlib));
// the runtime module is there, and the stdlib zip works: a module the snapshot holds (json), one it leaves to the zip (getpass)
const answer = restored.runPython(`
import sys, json, getpass, importlib.util
del sys.modules["json"]
try:  # searched afresh, json is python_stdlib.zip's (which node cannot fetch), not an empty namespace
    fresh = str(importlib.util.find_spec("json"))
except ImportError as error:
    fresh = "python_stdlib.zip" in str(error)
sys.modules["json"] = json
sys.modules["_mystlite_kernel"].Runner.__name__ + json.dumps([getpass.__name__, fresh])`);
if (answer !== 'Runner["getpass", true]') throw new Error(`the restored snapshot does not work (${answer})`);
writeFileSync(out, packed);
console.log(`snapshot: ${packed.length} bytes`);
