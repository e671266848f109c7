// The in-page runtime's worker: the site's own pyodide (lite/static/pyodide), one interpreter per page.
// Started by the page's head with its downloads in the URL's fragment (see the end of this file).
// Messages in: wasm, init, run, check, complete, help. Messages out: status, stream, display, result, error,
// done, fatal, reply.

let pyodide = null;
let runner = null;
let current = null; // id of the cell whose output is being produced
let queue = Promise.resolve();
let pendingPackages = new Set(); // the page's packages still loading in the background
const loadErrors = new Map(); // packageKey → pyodide's last error loading it, from any load (see noteLoadError)
let erroring = null; // the package whose error pyodide tells next

function noteLoadError(text) {
  // pyodide tells a failed package as two lines ("The following error occurred while loading NAME:", then the
  // error), to whichever callbacks are set at the time: its package manager has one set, so a failure of a
  // background load may reach a cell's callbacks and the other way round. Every callback notes them here.
  for (const line of String(text).split("\n").filter(Boolean)) {
    const named = /while loading (\S+?):?$/.exec(line);
    if (named) erroring = packageKey(named[1]);
    else if (erroring) loadErrors.set(erroring, line), erroring = null;
  }
}
let inputBuffer = null; // shared with the page: [state, length, utf-8 bytes…] of the reader's answer to input()

const post = (message) => self.postMessage(message);
const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };

function stream(name) {
  return {
    write(buffer) {
      post({ type: "stream", id: current, name, text: decoder[name].decode(buffer, { stream: true }) });
      return buffer.length;
    },
  };
}

async function fetchDriveListing(drive) {
  // The names of the lite drive's files, so that open("data/x.csv") finds what JupyterLite would.
  if (!drive) return [];
  const listing = await fetch(drive.index).then((r) => (r.ok ? r.json() : { files: [] }));
  return listing.files || [];
}

function mountDrive(drive, paths) {
  // Each file is fetched the first time code opens it (a lazy file: a synchronous request, which workers
  // may make), never before: a page does not pay for data it does not read.
  for (const path of paths) {
    const target = "/drive/" + path;
    const folder = target.slice(0, target.lastIndexOf("/"));
    pyodide.FS.mkdirTree(folder);
    const url = drive.files + path.split("/").map(encodeURIComponent).join("/");
    pyodide.FS.createLazyFile(folder, target.slice(folder.length + 1), url, true, true);
  }
}

// input() and getpass(): Python waits (Atomics.wait, allowed in a worker) until the page writes the answer.
// Returns the answer, NO_INPUT without cross-origin isolation, or INTERRUPTED when the reader pressed Stop.
const NO_INPUT = 0, INTERRUPTED = 1;

function readInput(prompt, password) {
  if (!inputBuffer) return NO_INPUT;
  const header = new Int32Array(inputBuffer, 0, 2);
  Atomics.store(header, 0, 0);
  post({ type: "input", id: current, prompt, password });
  Atomics.wait(header, 0, 0);
  if (Atomics.load(header, 0) === 2) return INTERRUPTED;
  return new TextDecoder().decode(new Uint8Array(inputBuffer, 8, header[1]).slice());
}

// A return visit reads the snapshot's un-gzipped bytes from Cache Storage: its first visit keeps them there
// once Python has started from them (keep()). Un-gzipping those 9 MB was the largest piece of the worker's
// work before Python could start. The file's name is a digest of its content, so a kept copy never goes stale; a new
// build's snapshot replaces the site's older ones, and a copy pyodide refused is dropped (forget()).
const KEPT_SNAPSHOTS = "mystlite-snapshots";

async function keptSnapshot(url) {
  // the kept bytes, or null (none kept, or no Cache Storage here: it needs https or localhost)
  try {
    const kept = await (await self.caches.open(KEPT_SNAPSHOTS)).match(url);
    return kept ? new Uint8Array(await kept.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

async function keepSnapshot(url, bytes) {
  try {
    const cache = await self.caches.open(KEPT_SNAPSHOTS);
    const folder = new URL(".", url).href; // the site's _mystlite/: other sites of this origin keep theirs
    for (const request of await cache.keys()) {
      if (request.url !== url && new URL(".", request.url).href === folder) await cache.delete(request);
    }
    await cache.put(url, new Response(bytes));
  } catch {
    // storage full or not allowed: the next visit un-gzips it again
  }
}

function forgetSnapshot(url) {
  self.caches?.open(KEPT_SNAPSHOTS).then((cache) => cache.delete(url)).catch(() => {});
}

async function fetchSnapshot(url) {
  // -> unpackHeap's result, with keep() and forget() (see KEPT_SNAPSHOTS)
  // imported only here: a static import would hold the whole worker until one more file had arrived
  const heap = import("./heap.js");
  const kept = await keptSnapshot(url);
  if (kept) {
    try {
      return Object.assign((await heap).unpackHeap(kept), { keep() {}, forget: () => forgetSnapshot(url) });
    } catch {
      forgetSnapshot(url);  // damaged: fetched again below
    }
  }
  // Shipped gzipped and unpacked while it arrives; a host that sends .gz files with Content-Encoding: gzip
  // has already unpacked it (the first bytes tell).
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const first = (await reader.read()).value || new Uint8Array(0);
  let body = new ReadableStream({
    start(controller) { if (first.length) controller.enqueue(first); },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) { return reader.cancel(reason); },
  });
  if (first[0] === 0x1f && first[1] === 0x8b) body = body.pipeThrough(new DecompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  let held = bytes; // until kept: unpackHeap copies what it needs
  return Object.assign((await heap).unpackHeap(bytes), {
    keep() { if (held) keepSnapshot(url, held); held = null; },
    forget() { held = null; },
  });
}

function startDownloadsEarly(indexUrl, snapshot, fromPage) {
  // pyodide asks for its pieces one after another: the glue script once pyodide.mjs has run, the stdlib zip
  // then, and, from a snapshot, the wasm only once the snapshot has arrived. Asking for all of them at once
  // takes those waits off the start. The glue is a module (the second import is the first one's); the
  // stdlib's first fetch gets the response asked for here (from a snapshot, the zip that came with it);
  // with a snapshot, the wasm is compiled here and pyodide's fetch of it gets an empty stand-in and its
  // instantiateStreaming the compiled module (or, if that failed, both do what they would have done). When the
  // page's head compiles the wasm (fromPage: a promise of its module, or of null if that failed), pyodide gets
  // that module, with or without a snapshot.
  // Returns the hooks' controls: `afterInstantiate` (called with the wasm memory's bytes once instantiated),
  // `forgetEarly` (a start without the snapshot after all) and `restore` (fetch and instantiateStreaming put
  // back).
  import(indexUrl + "pyodide.asm.mjs").catch(() => {});
  const realFetch = self.fetch, realInstantiate = WebAssembly.instantiateStreaming;
  const stdlibUrl = indexUrl + "python_stdlib.zip", lockUrl = indexUrl + "pyodide-lock.json";
  // read here too, so that pyodide finds the bytes in memory rather than in the disk cache
  const inMemory = (url) => realFetch(url).then(async (response) => (response.ok
    ? new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers })
    : response));
  const stdlib = snapshot ? snapshot.then((unpacked) => new Response(unpacked.stdlib)) : inMemory(stdlibUrl);
  // pyodide asks for its lock only once it has linked itself, and its first package load waits for it: a
  // return visit's revalidation of it then held up the first cell
  const early = new Map([[stdlibUrl, stdlib], [lockUrl, inMemory(lockUrl)]]);
  const wasmUrl = indexUrl + "pyodide.asm.wasm";
  const compile = () => WebAssembly.compileStreaming(realFetch(wasmUrl));
  const compiled = fromPage ? fromPage.then((module) => module ?? compile()) : snapshot ? compile() : null;
  compiled?.catch(() => {});
  if (compiled) early.set(wasmUrl, compiled.then(() => new Response(new Uint8Array(0))));
  for (const response of early.values()) response.catch(() => {});
  self.fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const response = early.get(url);
    if (!response) return realFetch(input, init);
    early.delete(url);
    return response.catch(() => realFetch(input, init));
  };
  // While pyodide links itself, it wraps each of a few hundred JavaScript functions in a tiny wasm module
  // that it compiles anew, though the module's bytes depend only on the function's signature: each distinct
  // one is compiled once here (about 30 instead of 260 compiles). A module may be instantiated any number
  // of times, so pyodide cannot tell.
  const realModule = WebAssembly.Module;
  const compiledSmall = new Map();
  WebAssembly.Module = new Proxy(realModule, {
    construct(target, args, newTarget) {
      const bytes = args[0];
      if (newTarget !== WebAssembly.Module || !(bytes instanceof Uint8Array) || bytes.length > 64) {
        return Reflect.construct(target, args, newTarget);
      }
      const key = bytes.join();
      if (!compiledSmall.has(key)) compiledSmall.set(key, new target(bytes));
      return compiledSmall.get(key);
    },
  });
  const hooks = {
    afterInstantiate: null,
    forgetEarly() { early.clear(); hooks.afterInstantiate = null; },
    restore() {
      self.fetch = realFetch;
      WebAssembly.instantiateStreaming = realInstantiate;
      WebAssembly.Module = realModule;
    },
  };
  let unused = Boolean(compiled);
  WebAssembly.instantiateStreaming = async (source, imports) => {
    let result;
    if (unused) {
      unused = false;
      const module = await compiled.catch(() => null);
      if (module) result = { module, instance: await WebAssembly.instantiate(module, imports) };
    }
    result ??= await realInstantiate(source, imports);
    const after = hooks.afterInstantiate;
    hooks.afterInstantiate = null;
    after?.(new Uint8Array(result.instance.exports.memory.buffer));
    return result;
  };
  return hooks;
}

async function startPython(loadPyodide, snapshot, kernelUrl, hooks) {
  // Python's start-up snapshot (made at build time, with the runtime module imported) restores in a few
  // milliseconds instead of booting the interpreter; if it cannot be used, Python starts the ordinary way.
  const quiet = { stdout: () => {}, stderr: () => {} };
  if (snapshot) {
    let unpacked = null;
    try {
      unpacked = await snapshot;
      // a mismatch leaves the snapshot refused by pyodide: the start below then goes without it
      hooks.afterInstantiate = (memory) => {
        try { unpacked.applyBaseline(memory); } catch (error) { console.warn("mystlite:", error.message); }
      };
      const py = await loadPyodide({ ...quiet, _loadSnapshot: unpacked.snapshot });
      // every reader gets the snapshot's state: random must not repeat the same numbers on every page load
      py.runPython("import random; random.seed()");
      return { py, kernel: py.pyimport("_mystlite_kernel"), fromSnapshot: true, keepSnapshot: unpacked.keep };
    } catch (error) {
      console.warn("mystlite: the start-up snapshot could not be used; starting Python without it", error);
      unpacked?.forget();
      hooks.forgetEarly();
    }
  }
  const kernelSource = fetch(kernelUrl).then((r) => r.text());
  const py = await loadPyodide(quiet);
  py.runPython("import sys, types; sys.modules['_mystlite_kernel'] = types.ModuleType('_mystlite_kernel')");
  const kernel = py.pyimport("_mystlite_kernel");
  py.runPython(await kernelSource, { globals: kernel.__dict__ });
  return { py, kernel, fromSnapshot: false };
}

// After a start from the snapshot, the kernel's warm_up() runs while the worker is idle (see its docstring):
// one step at a time, each after the cells queued before it, so a reader's cell waits one step at most.
const WARM_UP_AFTER = 1000; // ms after start-up, and between retries while cells are running
const BUSY_RETRY = 10; // ms between looks at the queue, while cells run, of the background package loads
let queued = 0; // cells, checks and widget messages queued or running

function whenIdle(task, after = WARM_UP_AFTER, retry = WARM_UP_AFTER) {
  // task, `after` ms from now, or later once no cell is queued or running (looked at every `retry` ms)
  const tick = () => (queued ? setTimeout(tick, retry) : task());
  setTimeout(tick, after);
}

function warmUpWhenIdle(kernel) {
  const steps = kernel.warm_up();
  const step = () => {
    current = null; // nothing it might print belongs to a cell
    let done = false;
    try {
      done = steps.next().done;
    } catch {
      steps.destroy(); // e.g. the reader pressed Stop during a step: it is only a warm-up, and not done
      return;
    }
    if (!done) {
      whenIdle(step, 0); // the next step at once, unless cells came meanwhile
      return;
    }
    steps.destroy();
    post({ type: "warmed" }); // the page remembers it: its next pages need none
  };
  whenIdle(step);
}

let downloads = null; // pyodide's downloads, begun when the worker starts (the page's head asks) or by init

let moduleFromPage = null; // resolves the promise of the wasm module the page's head compiles (a "wasm" message)

function beginDownloads({ pyodideUrl, snapshotUrl = null, wasmFromPage = false }) {
  const snapshot = snapshotUrl ? fetchSnapshot(snapshotUrl) : null;
  snapshot?.catch(() => {});  // a failed fetch is handled where it is awaited
  const fromPage = wasmFromPage ? new Promise((resolve) => { moduleFromPage = resolve; }) : null;
  const hooks = startDownloadsEarly(new URL(".", pyodideUrl).href, snapshot, fromPage);
  const module = import(pyodideUrl);
  module.catch(() => {});
  return { pyodideUrl, snapshotUrl, snapshot, hooks, module };
}

async function init({ pyodideUrl, kernelUrl, snapshotUrl, drive, cwd, packages, page, interruptBuffer,
                      sharedInput, warmUp, unavailable, cycleEdges, wasmFromPage }) {
  inputBuffer = sharedInput || null;
  asideEdges = cycleEdges || {};
  // Everything that does not need Python is fetched while pyodide downloads and starts.
  const listing = fetchDriveListing(drive);
  if (downloads?.pyodideUrl !== pyodideUrl || downloads?.snapshotUrl !== (snapshotUrl ?? null)) {
    downloads?.hooks.restore();
    downloads = beginDownloads({ pyodideUrl, snapshotUrl, wasmFromPage });
  }
  const { snapshot, hooks, module } = downloads;
  post({ type: "status", text: "Downloading Python…" });
  const { loadPyodide } = await module;
  post({ type: "status", text: "Starting Python…" });
  const started = await startPython(loadPyodide, snapshot, kernelUrl, hooks).finally(hooks.restore);
  pyodide = started.py;
  pyodide.setStdout(stream("stdout"));
  pyodide.setStderr(stream("stderr"));
  if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
  // The packages this page's code imports (found at build time, in page order) load one by one in the
  // background: a cell whose imports are already there runs at once, without waiting for the rest. Each
  // waits until no cell is queued or running: a cell loads what it imports itself, and installing another
  // package meanwhile (compiling its wasm) would take a core from it.
  pendingPackages = new Set(packages || []);
  (async () => {
    for (const name of packages || []) {
      if (queued) await new Promise((resolve) => whenIdle(resolve, BUSY_RETRY, BUSY_RETRY));
      const closure = closureOf([packageKey(name)]);
      const wanted = closure ? notLoaded(closure) : [name];
      await pyodide.loadPackage(wanted, { messageCallback: () => {}, errorCallback: noteLoadError }).catch(() => {});
      pendingPackages.delete(name);
    }
  })();
  mountDrive(drive, await listing);
  pyodide.FS.mkdirTree(cwd);
  pyodide.FS.chdir(cwd);
  started.kernel.PAGE = page || "";
  const send = (kind, text) => post({ type: kind, id: current, ...JSON.parse(text) });
  runner = started.kernel.Runner(send, readInput);
  runner.unavailable = JSON.stringify(unavailable || {});  // what the build could not bundle, and why
  post({ type: "status", text: "Ready", ready: true });
  if (started.fromSnapshot && warmUp) warmUpWhenIdle(started.kernel);
  if (started.keepSnapshot) whenIdle(started.keepSnapshot);
}

function missingImports(code) {
  // top-level modules the code imports that are not importable yet (find_spec is cheap, loading is not)
  try {
    const names = pyodide.pyodide_py.code.find_imports(code).toJs();
    const find = pyodide.pyimport("importlib.util").find_spec;
    // a package still being installed may already be found: wait for it (its import name is mostly its name)
    const loading = new Set([...pendingPackages].map((name) => name.replace(/-/g, "_")));
    return names.filter((name) => {
      if (loading.has(name)) return true;
      try { return find(name) === undefined; } catch { return true; }
    });
  } catch {
    return ["?"];  // unreadable code: let pyodide decide
  }
}

const packageKey = (name) => name.toLowerCase().replace(/[-_.]+/g, "-");

let lockIndex = null; // the lock's packages by packageKey, and the package of each import name: made once
let asideEdges = {}; // dependencies the shipped lock leaves out to break a cycle (pyodide would wait for ever)

function indexedLock() {
  // lockIndex, made the first time (throws when pyodide's lock is unreadable)
  if (!lockIndex) {
    const packages = Object.fromEntries(Object.entries(pyodide.lockfile.packages)
      .map(([name, info]) => [packageKey(name), info]));
    const byImport = new Map();
    for (const [key, info] of Object.entries(packages)) for (const name of info.imports || []) byImport.set(name, key);
    lockIndex = { packages, byImport };
  }
  return lockIndex;
}

function closureOf(keys) {
  // the lock's packages with all they depend on, by packageKey; null if the lock is unreadable
  try {
    const { packages } = indexedLock();
    const todo = [...keys];
    const found = new Map();
    while (todo.length) {
      const key = todo.pop();
      if (found.has(key) || !packages[key]) continue;
      found.set(key, packages[key]);
      todo.push(...(packages[key].depends || []).map(packageKey), ...(asideEdges[key] || []));
    }
    return found;
  } catch {
    return null;
  }
}

function lockedPackages(code) {
  // the lock's packages that the code's imports name, with all they depend on, by packageKey; null if unknown
  try {
    const { byImport } = indexedLock();
    const keys = pyodide.pyodide_py.code.find_imports(code).toJs().map((name) => byImport.get(name));
    return closureOf(keys.filter(Boolean));
  } catch {
    return null;
  }
}

function notLoaded(needed) {
  // the names of the needed lock packages that pyodide has not installed
  return [...needed.values()].map((info) => info.name).filter((name) => !pyodide.loadedPackages[name]);
}

function loadFailure(names) {
  // one plain sentence for the packages a cell needs that did not load: a failed download says so
  const errors = names.map((name) => loadErrors.get(packageKey(name)) || "");
  const them = names.length > 1 ? "them" : "it";
  if (errors.every((error) => !error || /Failed to fetch|NetworkError|network error/i.test(error))) {
    const where = self.navigator.onLine === false ? "this computer is offline" : "the network did not answer";
    return `Could not download ${names.join(", ")} (${where}): this cell needs ${them}.`;
  }
  return `Could not load ${names.join(", ")}: ${[...new Set(errors.filter(Boolean))].join("; ")}`;
}

async function run({ id, code, solution }) {
  // pyodide's package manager may print progress to stdout: that is not the cell's output
  current = null;
  const callbacks = { messageCallback: (text) => post({ type: "status", text }), errorCallback: noteLoadError };
  const needed = lockedPackages(code);
  let failed = [];
  try {
    // what the cell needs and pyodide lacks, by name: pyodide would not try again a dependency that failed
    // while the package that needs it loaded (the page's background loads), nor see a missing one from imports
    if (needed) {
      const wanted = notLoaded(needed);
      if (wanted.length) await pyodide.loadPackage(wanted, callbacks);
      failed = notLoaded(needed);
    } else if (missingImports(code).length) {  // the lock unreadable: pyodide's own way
      await pyodide.loadPackagesFromImports(code, callbacks);
    }
  } catch (error) {
    post({ type: "stream", id, name: "stderr", text: `Could not load a package: ${error.message}\n` });
  }
  if (failed.length) post({ type: "stream", id, name: "stderr", text: loadFailure(failed) + "\n" });
  // their ImportError then needs no note that the site lacks them
  runner.not_downloaded = failed.flatMap((name) => [name, ...(needed.get(packageKey(name))?.imports || [])]).join(" ");
  current = id;
  const count = await runner.run(code, Boolean(solution));
  post({ type: "done", id, count });
}

// Completion and help (Tab and Shift+Tab in the editor): jedi, loaded the first time a reader asks.
let jedi = null;

async function answer({ rid, kind, code, line, column }) {
  try {
    await ready;
    if (!runner) throw new Error("Python is not running");
    jedi = jedi || pyodide.loadPackage(["jedi"], { messageCallback: () => {}, errorCallback: () => {} });
    await jedi;
    post({ type: "reply", rid, ...JSON.parse(runner[kind](code, line, column)) });
  } catch (error) {
    post({ type: "reply", rid, error: String(error && error.message || error) });
  }
}

function enqueue(task) {
  // in arrival order, once Python is up; a task that fails does not stop the ones after it
  queued += 1;
  queue = queue.then(() => ready).then(task).catch((error) => console.error("mystlite worker:", error))
    .finally(() => { queued -= 1; });
}

let ready = null;
self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "complete" || message.type === "help") {
    answer({ ...message, kind: message.type });
    return;
  }
  if (message.type === "wasm") {  // the head's compiled wasm (or null)
    moduleFromPage?.(message.module);
    moduleFromPage = null;
  } else if (message.type === "init") {
    ready = init(message).catch((error) => post({ type: "fatal", text: String(error && error.message || error) }));
  } else if (message.type === "run") {
    enqueue(() => (runner ? run(message) : post({ type: "done", id: message.id })));
  } else if (message.type === "comm_msg") {  // a widget on the page changed: its Python side hears it in order
    enqueue(() => {
      try {
        if (runner) runner.comm_msg(JSON.stringify(message.message));
        post({ type: "reply", rid: message.rid });
      } catch (error) {
        post({ type: "reply", rid: message.rid, error: String(error && error.message || error) });
      }
    });
  } else if (message.type === "check") {  // an exercise's check: after the cells queued before it
    enqueue(async () => {
      try {
        if (!runner) throw new Error("Python is not running");
        post({ type: "reply", rid: message.rid, ...JSON.parse(await runner.check(message.code)) });
      } catch (error) {
        post({ type: "reply", rid: message.rid, error: String(error && error.message || error) });
      }
    });
  }
};

// The page's head (pages/layout.py) starts this worker with what to download in the URL's fragment, not in a
// message: a message posted to a worker that has not started yet waits for the page's main thread, which is
// busy laying out the page, to pass it on (tens of milliseconds at a page's start).
{
  const early = new URLSearchParams(self.location.hash.slice(1));
  if (early.get("pyodide")) {
    downloads = beginDownloads({ pyodideUrl: early.get("pyodide"), snapshotUrl: early.get("snapshot") || null,
                                 wasmFromPage: early.has("wasm-from-page") });
  }
}
