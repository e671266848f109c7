// Inlined in the head of a page whose code runs in the site's pyodide (pages/layout.py fills in START): the
// Python worker starts, and begins its downloads, while the rest of the page still loads. runtime.js, a
// deferred module that runs only once the whole page is parsed, then takes the worker over.
// Only in an isolated page: elsewhere the runtime may first reload the page under its isolation service worker.
(function () {
  var START = {};
  if (!self.crossOriginIsolated || typeof Worker === "undefined") return;
  var url = function (path) { return new URL(path, location.href).href; };
  try {
    var worker = new Worker(url(START.worker), { type: "module" });
    worker.postMessage({ type: "download", pyodideUrl: url(START.pyodide),
                         snapshotUrl: START.snapshot ? url(START.snapshot) : null });
    // an error before the runtime has loaded would reach no one: the runtime then starts a worker of its own
    worker.onerror = function () { self.mystliteWorkerFailed = true; };
    self.mystliteWorker = worker;
  } catch (e) { /* the runtime starts its own */ }
})();
