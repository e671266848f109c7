// Runs pages' code cells in pyodide under node, with the site's own pyodide, lock, wheels and drive, through
// the same kernel.py as the in-page runtime, so the outputs are the ones a reader gets.
//   node run.mjs PYODIDE_DIR KERNEL_PY DRIVE_DIR
// Reads one job per line on stdin: { page, cwd, cells: [{ code, skip }] }. Each page gets a fresh interpreter
// (as a fresh kernel per notebook), in this one process: a second interpreter starts in about 0.4 s, not 1.5 s.
// Writes JSON lines: {"start": i} before a cell, {"cell": i, "outputs": [...nbformat outputs], "count": n}
// after it (or {"cell": i, "skipped": true}), and {"done": true} after the page.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pyodideDir, kernelPath, driveDir] = process.argv.slice(2);
const emit = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const kernel = readFileSync(kernelPath, "utf8");

function readDrive(folder, target, files = []) {
  for (const name of readdirSync(folder)) {
    const source = path.join(folder, name);
    if (statSync(source).isDirectory()) readDrive(source, `${target}/${name}`, files);
    else files.push([`${target}/${name}`, readFileSync(source)]);
  }
  return files;
}
const drive = driveDir ? readDrive(driveDir, "/drive") : [];
// the stdlib's later parts and the sources of the modules that ship as bytecode, where the site's
// sitecustomize looks first (the browser fetches them): the tracebacks written into the pages then carry
// their lines, as the browser's do
const stdlibParts = ["python_stdlib_sources.zip", "python_stdlib_common.zip", "python_stdlib_more.zip"]
  .filter((name) => existsSync(path.join(pyodideDir, name)))
  .map((name) => [name, readFileSync(path.join(pyodideDir, name))]);

async function runPage(job) {
  const py = await loadPyodide({ indexURL: pyodideDir + path.sep, stdout: () => {}, stderr: () => {} });
  for (const [name, data] of stdlibParts) py.FS.writeFile(`/lib/${name}`, data);
  // the drive as the browser sees it, in memory: code may write there without touching the site's files
  for (const [target, data] of drive) {
    py.FS.mkdirTree(target.slice(0, target.lastIndexOf("/")));
    py.FS.writeFile(target, data);
  }
  py.FS.mkdirTree(job.cwd);
  py.FS.chdir(job.cwd);

  let outputs = [];
  let clearOnNext = false;
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  function add(output) {
    if (clearOnNext) { outputs = []; clearOnNext = false; }
    const last = outputs[outputs.length - 1];
    if (output.output_type === "stream" && last && last.output_type === "stream" && last.name === output.name) {
      last.text += output.text;
    } else {
      outputs.push(output);
    }
  }

  for (const name of ["stdout", "stderr"]) {
    const set = name === "stdout" ? py.setStdout : py.setStderr;
    set.call(py, { write(buffer) {
      add({ output_type: "stream", name, text: decoder[name].decode(buffer, { stream: true }) });
      return buffer.length;
    } });
  }

  function send(kind, text) {
    const message = JSON.parse(text);
    if (kind === "display") add({ output_type: "display_data", data: message.data, metadata: {},
                                  ...(message.display_id ? { transient: { display_id: message.display_id } } : {}) });
    else if (kind === "result") add({ output_type: "execute_result", data: message.data, metadata: {},
                                      execution_count: message.count });
    else if (kind === "error") add({ output_type: "error", ename: message.ename, evalue: message.evalue,
                                     traceback: [message.traceback] });
    else if (kind === "clear") { if (message.wait) clearOnNext = true; else outputs = []; }
    else if (kind === "update") {
      for (const output of outputs) {
        if (output.transient && output.transient.display_id === message.display_id) output.data = message.data;
      }
    }
  }

  const namespace = py.globals.get("dict")();
  namespace.set("PAGE", job.page);
  py.runPython(kernel, { globals: namespace });
  const runner = namespace.get("Runner")(send, () => 0); // input(): nobody to ask at build time

  for (const [index, cell] of job.cells.entries()) {
    emit({ start: index });
    if (cell.skip) {
      emit({ cell: index, skipped: true });
      continue;
    }
    outputs = [];
    clearOnNext = false;
    await py.loadPackagesFromImports(cell.code, { messageCallback: () => {}, errorCallback: () => {} })
      .catch(() => {}); // a missing package shows as the cell's ModuleNotFoundError, as in the browser
    const count = await runner.run(cell.code);
    for (const output of outputs) delete output.transient;
    emit({ cell: index, outputs, count });
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  await runPage(JSON.parse(line));
  emit({ done: true });
}
process.exit(0);
