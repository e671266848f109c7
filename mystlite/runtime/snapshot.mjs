// Makes the in-page runtime's start-up snapshot: pyodide's memory after start-up, with the runtime's Python
// module (kernel.py) already imported as _mystlite_kernel, in static/heap.js's format, gzipped. The worker restores it instead of booting
// Python, which is most of the time to first output. Then restores it once here, to prove it works.
//   node snapshot.mjs CORE_DIR STDLIB_ZIP KERNEL_PY OUT_GZ
// Constraints (each seen as an error otherwise): no package loaded and no JS object held from Python at
// snapshot time; the same pyodide build and the byte-identical stdlib zip when restoring.
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync, gunzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [coreDir, stdlib, kernel, out] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(coreDir, "pyodide.mjs")).href);
const { packHeap, unpackHeap } = await import(new URL("./static/heap.js", import.meta.url).href);
// The program name is kept in the heap (as $_ and sys.executable): give the browser's, not this file's path.
const options = { indexURL: coreDir + path.sep, stdLibURL: stdlib, _sysExecutable: "./this.program" };

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
const packed = gzipSync(packHeap(py.makeMemorySnapshot()), { level: 9 });

const restored = await loadPyodide({ ...options, _loadSnapshot: unpackHeap(gunzipSync(packed)) });
const answer = restored.runPython(`import sys; sys.modules["_mystlite_kernel"].Runner.__name__`);
if (answer !== "Runner") throw new Error(`the restored snapshot has no runtime module (${answer})`);
writeFileSync(out, packed);
console.log(`snapshot: ${packed.length} bytes`);
