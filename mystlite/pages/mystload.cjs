// Runs mystmd's bundle with V8's code cache: node myst-load.cjs BUNDLE CACHE_DIR ARGS...
// The bundle is 13 MB of JavaScript, and compiling it is about a third of mystmd's start-up on every run; node 20
// has no compile cache of its own (module.enableCompileCache came in node 22). The cache holds V8's compiled
// code for this bundle: V8 rejects it itself when node, V8's flags or the source's length differ, and then it
// is written again. The caller names a folder that belongs to this bundle's exact bytes (V8 checks the length,
// not the content).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const [bundle, cacheDir] = process.argv.splice(2, 2);
process.argv[1] = bundle; // mystmd reads its arguments as if it had been run itself
const cacheFile = path.join(cacheDir, `code-${process.version}-${process.arch}.v8`);

let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const source = fs.readFileSync(bundle, "utf8");
const script = new vm.Script(Module.wrap(source.startsWith("#!") ? "//" + source : source), {
  filename: bundle,
  cachedData,
});
// Code compiled by vm.Script cannot import() in node 20 (that needs --experimental-vm-modules, and code from
// the cache loses even that), so the bundle imports its plugins through this function (plugin-import.patch):
// an import() written here is node's own.
globalThis.mystliteImport = (url) => import(url);

// With MYSTLITE_START_ON_STDIN=1 the bundle is loaded and then waits, before its command runs, for one line
// on stdin: {"cwd": folder, "args": [...]} (wait-for-start.patch calls mystliteStart). mystlite starts node so
// while it still reads the project, since loading the bundle takes about 0.4 s, and says where and what to build
// once the mirror is ready. Stdin closed without a line: there is nothing to build.
if (process.env.MYSTLITE_START_ON_STDIN === "1") {
  delete process.env.MYSTLITE_START_ON_STDIN;
  globalThis.mystliteStart = (run) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end < 0) return;
      process.stdin.removeAllListeners();
      process.stdin.destroy();
      const { cwd, args } = JSON.parse(text.slice(0, end));
      process.chdir(cwd);
      process.argv = [process.argv[0], bundle, ...args];
      run();
    });
    process.stdin.on("end", () => process.exit(0));
  };
}

let saved = false;
function saveCache() {
  // after mystmd ran, so that the functions it compiled on the way are in the cache too; once per process
  if (saved || (cachedData && !script.cachedDataRejected)) return;
  saved = true;
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, cacheFile); // whole or not at all, even with builds side by side
  } catch {
    try { fs.unlinkSync(temporary); } catch { /* nothing was written */ }
  }
}
process.on("exit", saveCache);
setTimeout(saveCache, 5000).unref(); // `myst start` runs until it is stopped, and a stopped process saves nothing

const module_ = new Module(bundle, null);
module_.filename = bundle;
module_.paths = Module._nodeModulePaths(path.dirname(bundle));
script.runInThisContext().call(module_.exports, module_.exports, Module.createRequire(bundle), module_, bundle,
  path.dirname(bundle));
