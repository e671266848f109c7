// In-page compute: Run buttons on the executable cells of this page, on the site's own pyodide in a worker, or on a
// remote Jupyter kernel (Binder or a Jupyter server: remote.js) that takes the same messages.
// Outputs use the same markup as the stored outputs that mystlite renders at build time.
const page = JSON.parse(document.getElementById("mystlite-page").textContent);
const root = new URL(document.body.dataset.root || "./", location.href);
const cells = [...document.querySelectorAll('.cell[data-executable="true"]')];
let worker = null;
let interruptBuffer = null;
let sharedInput = null; // the reader's answers to input(), shared with the worker (needs isolation)
let asking = null; // the input box waiting for the reader, if any
let nextId = 0;
const pending = new Map(); // run id -> cell element

const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
};

// ---- page controls (written into the page at build time) ----
const bar = document.querySelector(".compute-bar");
const runAll = bar.querySelector(".run-all");
const restart = bar.querySelector(".restart");
const stop = bar.querySelector(".stop");
const status = bar.querySelector(".compute-status");

function setStatus(text, kind = "") {
  status.textContent = text;
  status.dataset.kind = kind;
}

// ---- cells ----
for (const cell of cells) {
  const code = cell.querySelector(".cell-input pre code");
  const number = cells.indexOf(cell) + 1;
  // Plain editable text until the real editor has loaded (on the first focus), and where it cannot load.
  code.setAttribute("contenteditable", "plaintext-only");
  code.setAttribute("spellcheck", "false");
  code.setAttribute("aria-label", `Code of cell ${number}; Shift+Enter runs it`);
  cell.querySelector(".run-cell").addEventListener("click", () => runCell(cell));
  keepEdits(cell, code, number);
  code.addEventListener("input", () => cell.saveEdit(sourceOf(cell)));
  code.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.shiftKey) {
      event.preventDefault();
      runCell(cell);
    }
  });
  code.addEventListener("focus", () => upgradeEditor(cell, number), { once: true });
}

// ---- the real editor (CodeMirror), loaded the first time a reader focuses a cell ----
let editorModule = null;

function caretOffset(code) {
  const selection = getSelection();
  if (!selection.rangeCount || !code.contains(selection.anchorNode)) return null;
  const range = document.createRange();
  range.setStart(code, 0);
  range.setEnd(selection.anchorNode, selection.anchorOffset);
  return range.toString().length;
}

async function upgradeEditor(cell, number) {
  editorModule = editorModule || import("./editor.js").catch(() => null);
  const module = await editorModule;
  const pre = cell.querySelector(".cell-input pre");
  if (!module || cell.editor || !pre) return; // the editor's files are not on this site: plain text stays
  const code = pre.querySelector("code");
  const caret = caretOffset(code);
  const typing = document.activeElement === code;
  const host = el("div", { class: "cell-editor" });
  pre.after(host);
  cell.editor = module.createEditor(host, {
    text: sourceOf(cell),
    label: `Code of cell ${number}; Shift+Enter runs it, Tab completes, Shift+Tab shows help, Escape then Tab leaves`,
    run: () => runCell(cell),
    changed: (text) => cell.saveEdit(text),
    ask,
  });
  pre.hidden = true;
  if (typing) {
    cell.editor.focus();
    if (caret !== null) cell.editor.view.dispatch({ selection: { anchor: Math.min(caret, cell.editor.text().length) } });
  }
}

let nextAsk = 0;
const asked = new Map(); // request id -> resolve, for completion and help replies from the worker

function ask(kind, code, line, column) {
  return request({ type: kind, code, line, column });
}

function request(message, post = (sent) => worker.postMessage(sent)) {
  // a message to the worker that it answers with a "reply"; `post` sends it (postAfterWidgets: in order with
  // the reader's widget changes)
  if (!worker) startWorker();
  const rid = ++nextAsk;
  return new Promise((resolve) => {
    asked.set(rid, resolve);
    post({ ...message, rid });
  });
}

// ---- the reader's edits survive a reload, until the author changes that cell ----
function digest(text) {  // FNV-1a: enough to tell the author's versions of a cell apart
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}

function keepEdits(cell, code, number) {
  const original = { html: code.innerHTML, text: code.textContent };
  const key = `mystlite-edit:${location.pathname}:${number}`;
  const version = digest(original.text);
  const toolbar = cell.querySelector(".cell-toolbar");
  const reset = el("button", { class: "reset-cell", type: "button", hidden: "",
                               "aria-label": `Reset cell ${number} to the original code` }, "Reset");
  const mark = el("span", { class: "edited-mark", hidden: "" }, "edited");
  toolbar.append(mark, reset);
  const showEdited = (edited) => { reset.hidden = mark.hidden = !edited; cell.classList.toggle("edited", edited); };
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch { saved = null; }
  if (saved && saved.version === version && saved.code !== original.text) {
    code.textContent = saved.code;
    showEdited(true);
  } else if (saved) {
    try { localStorage.removeItem(key); } catch { /* storage unavailable */ }  // the author changed the cell
  }
  cell.saveEdit = (text) => {
    const edited = text !== original.text;
    try {
      if (edited) localStorage.setItem(key, JSON.stringify({ version, code: text }));
      else localStorage.removeItem(key);
    } catch { /* private mode or full: edits are simply not kept */ }
    showEdited(edited);
  };
  reset.addEventListener("click", () => {
    if (cell.editor) cell.editor.set(original.text);
    code.innerHTML = original.html;
    try { localStorage.removeItem(key); } catch { /* nothing kept */ }
    showEdited(false);
  });
}

// ---- "Save my notebook": the page's notebook with the reader's code and the outputs of this visit ----
const liveOutputs = new Map(); // cell -> nbformat outputs of its last run

function recordOutput(cell, output, fresh) {
  if (fresh || !liveOutputs.has(cell)) liveOutputs.set(cell, []);
  liveOutputs.get(cell).push(output);
}

async function downloadNotebook() {
  const source = new URL("lite/files/" + page.notebook.split("/").map(encodeURIComponent).join("/"), root);
  // a site without a lite bundle (its pages run remotely) has no stored notebook: one is made from the page
  const notebook = await fetch(source).then((r) => (r.ok ? r.json() : null)).catch(() => null) || {
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: (page.jupyter || {}).kernelName || "python3",
                                                              display_name: "Python 3", language: "python" } },
    cells: cells.map(() => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "" })),
  };
  let index = 0;
  for (const nbCell of notebook.cells) {
    if (nbCell.cell_type !== "code") continue;
    const cell = cells[index++];
    if (!cell) break;
    nbCell.source = sourceOf(cell);
    if (liveOutputs.has(cell)) nbCell.outputs = liveOutputs.get(cell);
  }
  const blob = new Blob([JSON.stringify(notebook, null, 1)], { type: "application/x-ipynb+json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: page.notebook.split("/").pop() });
  document.body.append(link);
  link.click();
  link.remove();
}

function outputsOf(cell) {
  let outputs = cell.querySelector(".cell-outputs");
  if (!outputs) {
    outputs = el("div", { class: "cell-outputs" });
    cell.append(outputs);
  }
  return outputs;
}

function sourceOf(cell) {
  if (cell.editor) return cell.editor.text();
  // The cell's own text, folded or not: textContent reads it even when a hide-input fold is closed
  // (innerText would give "" there). Edits keep their line breaks as "\n" in a pre-formatted editor.
  const code = cell.querySelector(".cell-input pre code");
  const text = code.querySelector("br, div") ? code.innerText : code.textContent;
  return text.replace(/\u00a0/g, " ");
}

const states = new Map(); // run id -> { fresh: no output yet, failed: raised an error }

function runCell(cell) {
  if (!worker) startWorker();
  const id = ++nextId;
  pending.set(id, cell);
  states.set(id, { fresh: true, failed: false });
  outputsOf(cell).classList.add("stale"); // the old output stays, dimmed, until the new one arrives
  cell.classList.add("running");
  cell.classList.remove("not-run");
  cell.querySelector(".cell-count").textContent = "[*]";
  stop.hidden = false;
  // a solution's names are kept apart from the reader's, so that an exercise's check never judges them
  postAfterWidgets({ type: "run", id, code: sourceOf(cell), solution: Boolean(cell.closest(".solution")) });
  showProgress();
  return id;
}

function freshOutputs(id, cell) {
  // the first output of a run replaces the old ones, in place: the page does not jump
  const state = states.get(id);
  const outputs = outputsOf(cell);
  if (state && state.fresh) {
    state.fresh = false;
    outputs.replaceChildren();
    outputs.classList.remove("stale");
  }
  return outputs;
}

function showProgress() {
  const running = [...pending.values()];
  if (!running.length) return;
  const number = cells.indexOf(running[0]) + 1;
  const queued = running.length - 1;
  setStatus(`Running cell ${number}…` + (queued ? ` (${queued} more queued)` : ""));
}

// ---- outputs, in the look of the stored ones ----
const MAX_LINES = 5000; // shown at first; the rest waits behind "show all", as JupyterLab does

function addStream(cell, name, text, outputs) {
  const last = outputs.lastElementChild;
  let box = last && last.dataset.outputType === "stream" && last.dataset.name === name ? last : null;
  if (!box) {
    box = el("div", { class: "output", "data-output-type": "stream", "data-name": name });
    box.append(el("pre", { class: `output-stream output-${name}` }));
    box.stream = { tail: document.createTextNode(""), lines: 0, hidden: [], overwrite: false };
    box.firstChild.append(box.stream.tail);
    outputs.append(box);
  }
  writeStream(box, text);
}

function writeStream(box, text) {
  // Like a terminal: "\r" goes back to the start of the line, "\b" erases a character. Finished lines are
  // appended as text nodes (linear in the output's size); past MAX_LINES they wait behind a button.
  const state = box.stream;
  const pre = box.firstChild;
  for (const part of text.split(/(\r\n|\n|\r|\x08)/)) {
    if (!part) continue;
    if (part === "\n" || part === "\r\n") {
      const line = state.tail.data + "\n";
      state.overwrite = false;
      state.lines += 1;
      if (state.lines > MAX_LINES) {
        state.hidden.push(line);
        state.tail.data = "";
        showAllButton(box);
      } else {
        pre.insertBefore(document.createTextNode(line), state.tail);
        state.tail.data = "";
      }
    } else if (part === "\r") {
      state.overwrite = true;
    } else if (part === "\b") {
      state.tail.data = state.tail.data.slice(0, -1);
    } else if (state.overwrite) {
      state.tail.data = part + state.tail.data.slice(part.length);
      state.overwrite = false;
    } else {
      state.tail.data += part;
    }
  }
  if (state.more) state.more.textContent = `Show all ${state.lines} lines (${state.hidden.length} hidden)`;
}

function showAllButton(box) {
  const state = box.stream;
  if (state.more) return;
  state.more = el("button", { class: "output-more", type: "button" });
  state.more.addEventListener("click", () => {
    box.firstChild.insertBefore(document.createTextNode(state.hidden.join("")), state.tail);
    state.hidden = [];
    state.lines = -Infinity; // everything shows from now on
    state.more.remove();
    state.more = null;
  });
  box.append(state.more);
}

const MIME_ORDER = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "application/json", "text/latex",
                    "text/markdown", "text/plain"];

function addRich(cell, data, kind, outputs, displayId) {
  const box = richBox(data, kind);
  if (!box) return;
  if (displayId) box.dataset.displayId = displayId;
  outputs.append(box);
  runScripts(box);
}

function updateDisplay(displayId, data) {
  // update_display: every output shown with that display_id is replaced, wherever it is on the page
  for (const old of document.querySelectorAll(`.output[data-display-id="${CSS.escape(displayId)}"]`)) {
    const box = richBox(data, old.dataset.outputType);
    if (!box) continue;
    box.dataset.displayId = displayId;
    old.replaceWith(box);
    runScripts(box);
  }
}

function runScripts(box) {
  // HTML outputs are the author's content (a trusted notebook): their scripts run, as in JupyterLab
  for (const old of box.querySelectorAll(".output-html script")) {
    const script = document.createElement("script");
    for (const attr of old.attributes) script.setAttribute(attr.name, attr.value);
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
}

const CHART_MIMES = {  // drawn by the site's own plotly or vega (charts.js), when the site ships them
  "application/vnd.plotly.v1+json": "plotly", "application/vnd.vegalite.v6+json": "vega",
  "application/vnd.vegalite.v5+json": "vega", "application/vnd.vegalite.v4+json": "vega",
  "application/vnd.vega.v6+json": "vega", "application/vnd.vega.v5+json": "vega",
  "application/vnd.bokehjs_exec.v0+json": "bokeh",
};
const BOKEH_LOAD = "application/vnd.bokehjs_load.v0+json"; // it would fetch BokehJS from a CDN: never run

function chartBox(data, kind) {
  const charts = self.mystliteCharts;
  const mime = Object.keys(data).find((m) => CHART_MIMES[m] && charts && charts.canDraw(CHART_MIMES[m]));
  if (!mime) return null;
  const rest = Object.fromEntries(Object.entries(data).filter(([m]) => !CHART_MIMES[m]));
  const box = richBox(rest, kind) || el("div", { class: "output", "data-output-type": kind });
  box.dataset.mime = mime;
  const chart = el("div", { class: "output-chart", "data-library": CHART_MIMES[mime], "data-mime": mime });
  const value = CHART_MIMES[mime] === "bokeh" ? data["application/javascript"] || "" : data[mime];
  const spec = typeof value === "string" && CHART_MIMES[mime] !== "bokeh" ? value : JSON.stringify(value);
  chart.append(el("script", { type: "application/json" }, spec), ...box.childNodes);
  box.replaceChildren(chart);
  charts.draw(chart);  // the next-best representation shows until the chart is drawn
  return box;
}

// ---- Jupyter widgets: the site's own widget manager, loaded the first time Python opens a widget ----
const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
let widgetChain = Promise.resolve(); // comm messages and views, handled in the order Python sent them
let widgetsLoading = null;
let widgets = null; // the manager, once loaded
let held = null; // runs and checks waiting for the widgets' last changes to reach Python, in order
let restarts = 0; // a held message is dropped if Python restarts while it waits

function loadWidgets() {
  widgetsLoading = widgetsLoading || import("./widgets.js")
    .then((module) => module.createWidgets({
      libraries: new URL("lib/widgets/", import.meta.url),
      send: (message) => request({ type: "comm_msg", message }),
    }))
    .then((manager) => { widgets = manager; return manager; })
    .catch(() => null); // not on this site: widgets show as their text
  return widgetsLoading;
}

// A run or a check goes to Python after every widget change the reader made before it: a slider moved, then Run,
// must let the cell see the new value even while the manager still holds that change back.
function postAfterWidgets(message) {
  const settling = widgets && widgets.settled();
  if (!held && !settling) {
    worker.postMessage(message);
    return;
  }
  const generation = restarts;
  const mine = (held || Promise.resolve()).then(() => widgets.settled())
    .then(() => { if (generation === restarts) worker.postMessage(message); });
  held = mine;
  mine.then(() => { if (held === mine) held = null; });
}

function widgetMessage(message) {
  widgetChain = widgetChain.then(async () => (await loadWidgets())?.receive(message)).catch(() => {});
}

function widgetBox(data, kind) {
  if (!(WIDGET_MIME in data)) return null;
  const rest = Object.fromEntries(Object.entries(data).filter(([m]) => m !== WIDGET_MIME));
  const box = richBox(rest, kind) || el("div", { class: "output", "data-output-type": kind });
  box.dataset.mime = WIDGET_MIME;
  const fallback = [...box.childNodes];
  const area = el("div", { class: "widget-area" });
  box.append(area);
  widgetChain = widgetChain.then(async () => {
    const widgets = await loadWidgets();
    if (widgets && await widgets.show(data[WIDGET_MIME], area)) for (const node of fallback) node.remove();
  }).catch(() => {});
  return box;
}

function richBox(data, kind) {
  if (BOKEH_LOAD in data) return el("div", { class: "output", "data-output-type": kind, hidden: "" });
  const widget = widgetBox(data, kind);
  if (widget) return widget;
  const chart = chartBox(data, kind);
  if (chart) return chart;
  const mime = MIME_ORDER.find((m) => m in data);
  if (!mime) return null;
  const box = el("div", { class: "output", "data-output-type": kind, "data-mime": mime });
  const value = data[mime];
  if (mime === "text/html") {
    const html = el("div", { class: "output-html" });
    html.innerHTML = value;
    box.append(html);
  } else if (mime === "text/latex") {
    const math = el("div", { class: "output-latex" }, value); // the source shows until KaTeX has loaded
    box.append(math);
    renderLatex(math, value);
  } else if (mime === "text/markdown") {
    const text = el("div", { class: "output-markdown" }, value);
    box.append(text);
    renderMarkdown(text, value);
  } else if (mime === "application/json") {
    box.append(el("pre", { class: "output-json" }, JSON.stringify(JSON.parse(value), null, 2)));
  } else if (mime === "image/svg+xml") {
    const svg = el("div", { class: "output-svg" });
    svg.innerHTML = value;
    box.append(svg);
  } else if (mime.startsWith("image/")) {
    box.append(el("img", { class: "output-image", src: `data:${mime};base64,${value}`, alt: "output image" }));
  } else {
    box.append(el("pre", { class: "output-text" }, value));
  }
  return box;
}

// ---- input() and getpass(): a box in the cell's output; the answer goes to the waiting worker ----
const INPUT_BYTES = 1 << 16;

function answerInput(state, bytes = new Uint8Array()) {
  // state 1: answered (bytes), 2: interrupted by Stop
  if (worker && worker.answerInput) {  // a remote kernel: its stdin channel
    worker.answerInput(state === 1 ? new TextDecoder().decode(bytes) : null);
    asking = null;
    return;
  }
  const header = new Int32Array(sharedInput, 0, 2);
  new Uint8Array(sharedInput, 8, bytes.length).set(bytes);
  header[1] = bytes.length;
  Atomics.store(header, 0, state);
  Atomics.notify(header, 0);
  asking = null;
}

function askInput(id, cell, prompt, password) {
  const number = cells.indexOf(cell) + 1;
  const box = el("div", { class: "output output-input", "data-output-type": "input" });
  const label = el("label", {}, "");
  const field = el("input", { type: password ? "password" : "text", autocomplete: "off", spellcheck: "false",
                              "aria-label": prompt.trim() || `Input for cell ${number}` });
  label.append(el("span", { class: "input-prompt" }, prompt), field);
  box.append(label);
  freshOutputs(id, cell).append(box);
  asking = box;
  setStatus(`Cell ${number} is waiting for input`);
  field.focus();
  field.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const answer = field.value;
    box.remove();
    const echo = prompt + (password ? "" : answer) + "\n"; // as Jupyter shows it: the prompt and the answer
    recordOutput(cell, { output_type: "stream", name: "stdout", text: echo }, false);
    addStream(cell, "stdout", echo, outputsOf(cell));
    answerInput(1, new TextEncoder().encode(answer).slice(0, INPUT_BYTES));
    showProgress();
  });
}

// ---- LaTeX and Markdown outputs: KaTeX and markdown-it from the site, loaded the first time one shows ----
let katexLoading = null;
let markdownLoading = null;

function loadKatex() {
  katexLoading = katexLoading || new Promise((resolve) => {
    const css = new URL("_static/katex/katex.min.css", root).href;
    if (![...document.styleSheets].some((sheet) => sheet.href === css)) {
      document.head.append(el("link", { rel: "stylesheet", href: css }));
    }
    const script = el("script", { src: new URL("_static/katex/katex.min.js", root).href });
    script.onload = () => resolve(self.katex || null);
    script.onerror = () => resolve(null); // not on this site: the source stays
    document.head.append(script);
  });
  return katexLoading;
}

const DELIMITED = /^\s*(\$\$|\$|\\\[|\\\()([\s\S]*?)(\$\$|\$|\\\]|\\\))\s*$/;

function texOf(value) {
  // "$x$", "$$x$$", "\[x\]" or a bare environment such as \begin{align}…: KaTeX wants what is inside
  const found = value.match(DELIMITED);
  return found ? found[2] : value;
}

async function renderLatex(node, value) {
  const katex = await loadKatex();
  if (!katex) return;
  katex.render(texOf(value), node, { displayMode: true, throwOnError: false });
}

const MATH_IN_TEXT = /\$\$([\s\S]+?)\$\$|\$([^$\n]+?)\$/g;

async function renderMarkdown(node, value) {
  markdownLoading = markdownLoading || import("./lib/markdown-it.js").then((m) => m.default({ html: true }))
    .catch(() => null);
  const markdown = await markdownLoading;
  if (!markdown) return; // not on this site: the source stays
  // math is set aside before Markdown sees it (its _ and * are not emphasis), then drawn by KaTeX
  const maths = [];
  const text = value.replace(MATH_IN_TEXT, (whole, display, inline) => {
    maths.push({ tex: display ?? inline, display: display !== undefined });
    return `MYSTLITEMATH${maths.length - 1}X`;
  });
  let html = markdown.render(text);
  if (maths.length) {
    const katex = await loadKatex();
    html = html.replace(/MYSTLITEMATH(\d+)X/g, (whole, index) => {
      const { tex, display } = maths[Number(index)];
      return katex ? katex.renderToString(tex, { displayMode: display, throwOnError: false })
                   : (display ? `$$${tex}$$` : `$${tex}$`);
    });
  }
  node.innerHTML = html;
}

function addError(cell, traceback, outputs = outputsOf(cell)) {
  const box = el("div", { class: "output", "data-output-type": "error" });
  box.append(el("pre", { class: "output-error" }, traceback));
  outputs.append(box);
}

function finish(cell, count) {
  cell.classList.remove("running");
  document.dispatchEvent(new Event("mystlite:outputs"));
  cell.querySelector(".cell-count").textContent = count ? `[${count}]` : "";
  if (![...pending.values()].some((c) => c.classList.contains("running"))) stop.hidden = true;
}

// ---- the worker ----
// Its warm-up after a snapshot start (see worker.js) is for this browser's next visits, so it is needed once per
// build's snapshot, not on every page: remembered here, and done again after a week in case caches were cleared.
const WARMED_KEY = page.snapshot ? `mystlite-warmed ${page.snapshot}` : null;
const WARM_AGAIN_AFTER = 7 * 24 * 3600 * 1000; // ms

function needsWarmUp() {
  if (!WARMED_KEY) return false;
  try {
    const when = Number(localStorage.getItem(WARMED_KEY));
    return !(when && Date.now() - when < WARM_AGAIN_AFTER);
  } catch {
    return true; // no storage: warm up every time, as before
  }
}

// ---- where the code runs: the site's pyodide (a worker), a Jupyter server or Binder (remote.js, the same
// messages); a page with more than one backend lets the reader choose, and remembers the choice ----
const BACKEND_KEY = `mystlite-backend:${location.pathname}`;
const BACKEND_LABELS = { lite: "this browser (pyodide)", binder: "Binder", server: "a Jupyter server" };

function chosenBackend() {
  const offered = page.backends || ["lite"];
  let chosen = null;
  try { chosen = localStorage.getItem(BACKEND_KEY); } catch { /* storage unavailable */ }
  return offered.includes(chosen) ? chosen : (page.backend || offered[0]);
}

let backend = chosenBackend();
const readyText = () => (backend === "lite" ? "Ready" : `Ready (${BACKEND_LABELS[backend]})`);

function startRemote() {
  // remote.js is loaded only now: pages that run in the browser never fetch it
  const queue = [];
  const shim = { postMessage: (message) => queue.push(message), terminate() { shim.dead = true; }, onmessage: null };
  import("./remote.js").then((module) => {
    if (shim.dead) return;
    const kernel = module.remoteKernel({ page, root, backend, say: (text) => setStatus(text) });
    kernel.onmessage = (event) => shim.onmessage && shim.onmessage(event);
    Object.assign(shim, { postMessage: kernel.postMessage, terminate: kernel.terminate, interrupt: kernel.interrupt,
                          answerInput: kernel.answerInput, restart: kernel.restart });
    for (const message of queue) kernel.postMessage(message);
  }).catch((error) => setStatus(`The remote kernel's code could not load: ${error.message || error}`, "error"));
  return shim;
}

function backendControls() {
  const offered = page.backends || ["lite"];
  if (offered.length > 1) {
    const label = el("label", { class: "backend-choice" }, "Run on ");
    const select = el("select", { "aria-label": "Where this page's code runs" });
    for (const name of offered) {
      const option = el("option", { value: name }, BACKEND_LABELS[name] || name);
      if (name === backend) option.selected = true;
      select.append(option);
    }
    if (page.route) label.title = `This page runs on ${BACKEND_LABELS[page.backend]} by default: ${page.route}`;
    select.addEventListener("change", () => {
      backend = select.value;
      try { localStorage.setItem(BACKEND_KEY, backend); } catch { /* for this visit only */ }
      restartWorker();
    });
    label.append(select);
    status.before(label);
  }
  const binder = (page.jupyter || {}).binder;
  if (binder && offered.includes("binder")) {
    import("./remote.js").then(({ binderLaunchUrl }) => {
      const link = el("a", { class: "button launch-binder", href: binderLaunchUrl(binder, page.repo_path),
                             target: "_blank", rel: "noopener" }, "Launch on Binder");
      status.before(link);
    }).catch(() => {});
  }
}

function startWorker() {
  if (backend !== "lite") {
    self.mystliteWorker?.terminate();  // started by the page's head for pyodide, which this page does not use
    self.mystliteWorker = null;
    worker = startRemote();
    worker.onmessage = handleMessage;
    worker.postMessage({ type: "init" });
    setStatus(`Connecting to ${BACKEND_LABELS[backend]}…`);
    return;
  }
  if (typeof Worker === "undefined") {
    setStatus("This browser cannot run the code here: it has no Web Worker support.", "error");
    return;
  }
  // the worker the page's head started (pages/layout.py), already downloading Python; a restart starts anew
  if (self.mystliteWorkerFailed) self.mystliteWorker?.terminate();
  const early = !self.mystliteWorkerFailed && self.mystliteWorker;
  worker = early || new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  // a worker started here (a restart) gets the wasm the head compiled, instead of compiling it again
  const wasm = early ? null : self.mystliteWasm;
  self.mystliteWorker = null;
  self.mystliteWorkerFailed = false;
  if (self.crossOriginIsolated && typeof SharedArrayBuffer !== "undefined") {
    interruptBuffer = new Uint8Array(new SharedArrayBuffer(1));
    sharedInput = new SharedArrayBuffer(8 + INPUT_BYTES);
  }
  worker.onmessage = handleMessage;
  worker.onerror = (event) => setStatus(`The Python worker failed: ${event.message || "unknown error"}`, "error");
  const notebook = page.notebook || "";
  worker.postMessage({
    type: "init",
    pyodideUrl: new URL(page.pyodide, root).href,
    kernelUrl: new URL("./kernel.py", import.meta.url).href,
    snapshotUrl: page.snapshot ? new URL(page.snapshot, root).href : null,
    drive: page.drive ? { index: new URL(page.drive, root).href, files: new URL("lite/files/", root).href } : null,
    cwd: "/drive/" + notebook.split("/").slice(0, -1).join("/"),
    packages: page.packages || [],
    unavailable: page.unavailable || {},
    cycleEdges: page.cycle_edges || {},
    warmUp: needsWarmUp(),
    page: notebook,
    interruptBuffer,
    sharedInput,
    wasmFromPage: Boolean(wasm),
  });
  const target = worker;
  wasm?.then((module) => target.postMessage({ type: "wasm", module }), () => target.postMessage({ type: "wasm", module: null }));
}

function handleMessage({ data }) {
  if (data.type === "reply") {
    const resolve = asked.get(data.rid);
    asked.delete(data.rid);
    if (resolve) resolve(data);
    return;
  }
  const cell = pending.get(data.id);
  switch (data.type) {
    case "status":
      if (data.ready && pending.size) showProgress(); // Python is up, and cells are waiting: say so
      else setStatus(data.ready ? readyText() : data.text, data.kind || (data.ready ? "ready" : ""));
      break;
    case "warmed":
      try { localStorage.setItem(WARMED_KEY, String(Date.now())); } catch { /* storage unavailable */ }
      break;
    case "fatal":
      setStatus(`Python could not start: ${data.text}`, "error");
      for (const c of pending.values()) finish(c, 0);
      break;
    case "stream":
      if (!cell) break;
      recordOutput(cell, { output_type: "stream", name: data.name, text: data.text }, states.get(data.id)?.fresh);
      addStream(cell, data.name, data.text, freshOutputs(data.id, cell));
      break;
    case "display":
      if (!cell) break;
      recordOutput(cell, { output_type: "display_data", data: data.data, metadata: {} }, states.get(data.id)?.fresh);
      addRich(cell, data.data, "display_data", freshOutputs(data.id, cell), data.display_id);
      break;
    case "update": updateDisplay(data.display_id, data.data); break;
    case "comm": widgetMessage(data); break;
    case "input":
      if (cell) askInput(data.id, cell, data.prompt, data.password);
      break;
    case "clear":
      if (!cell) break;
      if (data.wait) states.get(data.id).fresh = true; // cleared when the next output arrives
      else freshOutputs(data.id, cell).replaceChildren();
      break;
    case "result":
      if (!cell) break;
      recordOutput(cell, { output_type: "execute_result", data: data.data, metadata: {}, execution_count: null },
                   states.get(data.id)?.fresh);
      addRich(cell, data.data, "execute_result", freshOutputs(data.id, cell));
      break;
    case "error":
      if (cell) {
        recordOutput(cell, { output_type: "error", ename: data.ename || "Error", evalue: data.evalue || "",
                             traceback: [data.traceback] }, states.get(data.id)?.fresh);
        addError(cell, data.traceback, freshOutputs(data.id, cell));
      }
      if (states.get(data.id)) states.get(data.id).failed = true;
      break;
    case "done": {
      if (!cell) break;
      if (states.get(data.id)?.fresh) liveOutputs.set(cell, []);
      freshOutputs(data.id, cell); // a run with no output clears the old one
      finish(cell, data.count);
      pending.delete(data.id);
      const failed = states.get(data.id)?.failed;
      states.delete(data.id);
      // what listens (an exercise's check) may hold Run all until it is done, so that it runs in page order
      const holds = [];
      cell.dispatchEvent(new CustomEvent("mystlite:ran", {
        bubbles: true, detail: { failed: Boolean(failed), waitUntil: (promise) => holds.push(promise) },
      }));
      if (failed) {
        setStatus(`Error in cell ${cells.indexOf(cell) + 1}`, "error");
        stopRunAll(cell);
      } else if (pending.size) {
        showProgress();
      } else {
        setStatus(readyText(), "ready");
      }
      if (holds.length) {
        runAllHeld += 1;
        Promise.allSettled(holds).then(() => { runAllHeld -= 1; advanceRunAll(); });
      } else {
        advanceRunAll();
      }
      break;
    }
  }
}

function restartWorker(event) {
  // Restart on a remote kernel restarts it through the server's API, on the same connection; a change of
  // backend, and pyodide, start afresh
  const sameRemote = event && worker && worker.restart;
  if (worker && !sameRemote) worker.terminate();
  if (!sameRemote) worker = null;
  restarts += 1;
  held = null;
  for (const resolve of asked.values()) resolve(null);
  asked.clear();
  for (const [id, cell] of pending) {
    addError(cell, "Interrupted: Python was restarted.", freshOutputs(id, cell));
    finish(cell, 0);
  }
  pending.clear();
  states.clear();
  asking = null;
  runAllQueue = [];
  for (const cell of cells) cell.querySelector(".cell-count").textContent = "";
  setStatus("Restarting Python…");
  if (sameRemote) worker.restart();
  else startWorker();
}

// Run all: one cell after the other; the first error stops it, as in Jupyter, and the rest are marked not run.
// An exercise's solution is not run: the reader opens it and runs it.
let runAllQueue = [];
let runAllHeld = 0; // exercise checks still running: the next cell waits for them

function advanceRunAll() {
  if (!runAllQueue.length || pending.size || runAllHeld) return;
  runCell(runAllQueue.shift());
}

function stopRunAll(failedCell) {
  for (const cell of runAllQueue) {
    cell.classList.add("not-run");
    cell.querySelector(".cell-count").textContent = "";
  }
  if (runAllQueue.length) {
    setStatus(`Error in cell ${cells.indexOf(failedCell) + 1}: Run all stopped; ${runAllQueue.length} cell(s) not run`,
              "error");
  }
  runAllQueue = [];
}

const download = bar.querySelector(".download-notebook");
if (download && page.notebook) download.addEventListener("click", () => downloadNotebook());

runAll.addEventListener("click", () => {
  runAllQueue = cells.filter((cell) => !cell.closest(".solution"));
  for (const cell of runAllQueue) cell.querySelector(".cell-count").textContent = "[ ]";
  advanceRunAll();
});
restart.addEventListener("click", (event) => restartWorker(event));
stop.addEventListener("click", () => {
  if (asking) {
    asking.remove();
    answerInput(2); // the waiting input() raises KeyboardInterrupt
    return;
  }
  if (worker && worker.interrupt) worker.interrupt(); // a remote kernel: the server interrupts it, state kept
  else if (interruptBuffer) interruptBuffer[0] = 2; // SIGINT: raises KeyboardInterrupt in the running cell
  else restartWorker(); // without cross-origin isolation the only way to stop Python is a restart
});

// ---- cross-origin isolation on any host: mystlite serve sends the headers; elsewhere a service worker adds them ----
const RELOADED = "mystlite-isolation-reload";

async function reloadIsolated() {
  // true when the page is about to reload under the isolation service worker (once: never a reload loop)
  if (self.crossOriginIsolated) {
    try { sessionStorage.removeItem(RELOADED); } catch { /* storage unavailable */ }
    return false;
  }
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return false;
  try {
    if (sessionStorage.getItem(RELOADED)) {
      sessionStorage.removeItem(RELOADED); // reloaded once and still not isolated: run without it
      return false;
    }
    await navigator.serviceWorker.register(new URL("isolation-worker.js", root));
    const timeout = new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), 4000));
    await Promise.race([navigator.serviceWorker.ready, timeout]); // a blocked worker never gets ready
    sessionStorage.setItem(RELOADED, "1");
  } catch {
    return false; // no service worker here (a private window, a host that forbids it): run without isolation
  }
  location.reload();
  return true;
}

// Exercises with a hidden check: loaded only on pages that have them.
if (page.checks) {
  import("./exercises.js").then((module) => module.setupExercises({
    checksUrl: new URL(page.checks, root), solutionAfter: page.solution_after || 0,
    check: (code) => request({ type: "check", code }, postAfterWidgets),  // it judges what the widgets set too
  }));
}

// A page whose code imports widgets gets its widget manager while Python starts, not after the first Run.
if (backend === "lite" && (page.packages || []).some((name) => name === "ipywidgets" || name === "anywidget")) {
  setTimeout(loadWidgets, 0);
}

backendControls();

// Start Python while the reader is still reading, so the first Run is quick.
reloadIsolated().then((reloading) => { if (!reloading && !worker) startWorker(); });
