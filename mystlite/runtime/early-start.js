// Inlined in the head of a page whose code runs in the site's pyodide (pages/layout.py fills in START): the
// Python worker starts, and begins its downloads, while the rest of the page still loads. runtime.js, a
// deferred module that runs only once the whole page is parsed, then takes the worker over.
// Only in an isolated page: elsewhere the runtime may first reload the page under its isolation service worker.
(function () {
  var START = {};
  if (!self.crossOriginIsolated || typeof Worker === "undefined") return;
  var url = function (path) { return new URL(path, location.href).href; };
  try {
    // pyodide's wasm is compiled from here, the moment the page's head is parsed: a new worker thread needs
    // tens of milliseconds before its first line runs, and the compile (from V8's code cache on a return
    // visit) is the longest step to Python's start. A compiled module is handed to a worker as is.
    var pyodide = url(START.pyodide);
    var wasm = typeof WebAssembly === "object" && WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(fetch(new URL("pyodide.asm.wasm", pyodide))) : null;
    if (wasm) wasm.catch(function () {});  // a failure is the worker's to handle
    // what to download goes in the URL's fragment, which the worker reads as it starts (see worker.js)
    var early = new URLSearchParams({ pyodide: pyodide });
    if (START.snapshot) early.set("snapshot", url(START.snapshot));
    if (wasm) early.set("wasm-from-page", "");
    var worker = new Worker(url(START.worker) + "#" + early, { type: "module" });
    if (wasm) {
      var send = function (module) { worker.postMessage({ type: "wasm", module: module }); };
      wasm.then(send, function () { send(null); });  // null: the worker compiles it itself
    }
    // an error before the runtime has loaded would reach no one: the runtime then starts a worker of its own
    worker.onerror = function () { self.mystliteWorkerFailed = true; };
    self.mystliteWorker = worker;
    self.mystliteWasm = wasm;  // for the workers the runtime starts later (Restart)
  } catch (e) { /* the runtime starts its own */ }
})();
