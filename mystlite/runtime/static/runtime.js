// In-page compute: Run buttons on the executable cells of this page, on the site's own pyodide in a worker.
// Outputs use the same markup as the stored outputs that mystlite renders at build time.
const page = JSON.parse(document.getElementById("mystlite-page").textContent);
const root = new URL(document.body.dataset.root || "./", location.href);
const cells = [...document.querySelectorAll('.cell[data-executable="true"]')];
let worker = null;
let interruptBuffer = null;
let nextId = 0;
const pending = new Map(); // run id -> cell element

const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
};

// ---- page controls ----
const bar = el("div", { class: "compute-bar", role: "toolbar", "aria-label": "Run the code on this page" });
const runAll = el("button", { class: "button run-all", type: "button" }, "Run all");
const restart = el("button", { class: "button restart", type: "button" }, "Restart");
const stop = el("button", { class: "button stop", type: "button", hidden: "" }, "Stop");
const status = el("span", { class: "compute-status", role: "status", "aria-live": "polite" }, "Python is loading…");
bar.append(runAll, stop, restart, status);
document.querySelector(".page-header").after(bar);

function setStatus(text, kind = "") {
  status.textContent = text;
  status.dataset.kind = kind;
}

// ---- cells ----
for (const cell of cells) {
  const code = cell.querySelector(".cell-input pre code");
  code.setAttribute("contenteditable", "plaintext-only");
  code.setAttribute("spellcheck", "false");
  code.setAttribute("aria-label", "Code; Shift+Enter runs it");
  const toolbar = el("div", { class: "cell-toolbar" });
  const run = el("button", { class: "run-cell", type: "button", title: "Run this cell (Shift+Enter)" }, "▶ Run");
  const count = el("span", { class: "cell-count" });
  toolbar.append(run, count);
  cell.querySelector(".cell-input").prepend(toolbar);
  run.addEventListener("click", () => runCell(cell));
  code.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.shiftKey) {
      event.preventDefault();
      runCell(cell);
    }
  });
}

function outputsOf(cell) {
  let outputs = cell.querySelector(".cell-outputs");
  if (!outputs) {
    outputs = el("div", { class: "cell-outputs" });
    cell.append(outputs);
  }
  return outputs;
}

function runCell(cell) {
  if (!worker) startWorker();
  const id = ++nextId;
  pending.set(id, cell);
  outputsOf(cell).replaceChildren();
  cell.classList.add("running");
  cell.querySelector(".cell-count").textContent = "[*]";
  stop.hidden = false;
  const code = cell.querySelector(".cell-input pre code").innerText.replace(/\u00a0/g, " ");
  worker.postMessage({ type: "run", id, code });
  return id;
}

// ---- outputs, in the look of the stored ones ----
function addStream(cell, name, text) {
  const outputs = outputsOf(cell);
  const last = outputs.lastElementChild;
  const pre = last && last.dataset.outputType === "stream" && last.dataset.name === name ? last.querySelector("pre") : null;
  if (pre) {
    pre.textContent += text;
    return;
  }
  const box = el("div", { class: "output", "data-output-type": "stream", "data-name": name });
  box.append(el("pre", { class: `output-stream output-${name}` }, text));
  outputs.append(box);
}

const MIME_ORDER = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/latex", "text/markdown", "text/plain"];

function addRich(cell, data, kind) {
  const mime = MIME_ORDER.find((m) => m in data);
  if (!mime) return;
  const box = el("div", { class: "output", "data-output-type": kind, "data-mime": mime });
  const value = data[mime];
  if (mime === "text/html") {
    const html = el("div", { class: "output-html" });
    html.innerHTML = value;
    box.append(html);
  } else if (mime === "image/svg+xml") {
    const svg = el("div", { class: "output-svg" });
    svg.innerHTML = value;
    box.append(svg);
  } else if (mime.startsWith("image/")) {
    box.append(el("img", { class: "output-image", src: `data:${mime};base64,${value}`, alt: "output image" }));
  } else {
    box.append(el("pre", { class: "output-text" }, value));
  }
  outputsOf(cell).append(box);
}

function addError(cell, traceback) {
  const box = el("div", { class: "output", "data-output-type": "error" });
  box.append(el("pre", { class: "output-error" }, traceback));
  outputsOf(cell).append(box);
}

function finish(cell, count) {
  cell.classList.remove("running");
  cell.querySelector(".cell-count").textContent = count ? `[${count}]` : "";
  if (![...pending.values()].some((c) => c.classList.contains("running"))) stop.hidden = true;
}

// ---- the worker ----
function startWorker() {
  if (typeof Worker === "undefined") {
    setStatus("This browser cannot run the code here: it has no Web Worker support.", "error");
    return;
  }
  worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  if (self.crossOriginIsolated && typeof SharedArrayBuffer !== "undefined") {
    interruptBuffer = new Uint8Array(new SharedArrayBuffer(1));
  }
  worker.onmessage = ({ data }) => {
    const cell = pending.get(data.id);
    switch (data.type) {
      case "status": setStatus(data.text, data.ready ? "ready" : ""); break;
      case "fatal":
        setStatus(`Python could not start: ${data.text}`, "error");
        for (const c of pending.values()) finish(c, 0);
        break;
      case "stream": if (cell) addStream(cell, data.name, data.text); break;
      case "display": if (cell) addRich(cell, data.data, "display_data"); break;
      case "result": if (cell) addRich(cell, data.data, "execute_result"); break;
      case "error": if (cell) addError(cell, data.traceback); break;
      case "done":
        if (cell) finish(cell, data.count);
        pending.delete(data.id);
        if (status.dataset.kind !== "error") setStatus("Ready", "ready");
        break;
    }
  };
  worker.onerror = (event) => setStatus(`The Python worker failed: ${event.message || "unknown error"}`, "error");
  const notebook = page.notebook || "";
  worker.postMessage({
    type: "init",
    pyodideUrl: new URL("lite/static/pyodide/pyodide.mjs", root).href,
    kernelUrl: new URL("./kernel.py", import.meta.url).href,
    drive: page.drive ? { index: new URL(page.drive, root).href, files: new URL("lite/files/", root).href } : null,
    cwd: "/drive/" + notebook.split("/").slice(0, -1).join("/"),
    packages: page.packages || [],
    page: notebook,
    interruptBuffer,
  });
}

function restartWorker() {
  if (worker) worker.terminate();
  worker = null;
  for (const cell of pending.values()) {
    addError(cell, "Interrupted: Python was restarted.");
    finish(cell, 0);
  }
  pending.clear();
  for (const cell of cells) cell.querySelector(".cell-count").textContent = "";
  setStatus("Restarting Python…");
  startWorker();
}

runAll.addEventListener("click", () => cells.forEach(runCell));
restart.addEventListener("click", restartWorker);
stop.addEventListener("click", () => {
  if (interruptBuffer) interruptBuffer[0] = 2; // SIGINT: raises KeyboardInterrupt in the running cell
  else restartWorker(); // without cross-origin isolation the only way to stop Python is a restart
});

// Start Python while the reader is still reading, so the first Run is quick.
startWorker();
