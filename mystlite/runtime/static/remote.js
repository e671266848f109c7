// Remote kernels: a Jupyter server of the author's (project.jupyter.server) or one that BinderHub starts
// (project.jupyter.binder). To the page's runner this is the pyodide worker: it takes the same messages (init,
// run, check, complete, help, comm_msg) and answers with the same ones (status, stream, display, update, result,
// error, clear, input, comm, done, reply), so one renderer shows the outputs whatever runs the code.
//
// A small client of Jupyter's protocol over the server's REST API and its kernel WebSocket (JSON messages; binary
// frames only for comm buffers). It is loaded only by pages that run remotely.

const PROTOCOL_VERSION = "5.3";
const SESSION_MAX_AGE = 86400 * 1000; // ms a saved Binder server is reused (MyST's default)
const BINDER_SILENCE = 10 * 60 * 1000; // ms without a word from BinderHub before the page gives up
const BINDER_PHASES = ["waiting", "fetching", "building", "pushing", "built", "launching", "ready"];
const PROVIDERS = { github: "gh", gitlab: "gl", git: "git", gist: "gist", zenodo: "zenodo", figshare: "figshare",
                    hydroshare: "hydroshare", dataverse: "dataverse" };
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const CHECK_MARK = "\u0000mystlite-check ";

const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
};
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`.replace(".", ""));
const slash = (url) => (url.endsWith("/") ? url : `${url}/`);

// ---- where the kernel runs: a server with its token ----

function binderSpec(binder) {
  const provider = PROVIDERS[(binder.provider || "github").toLowerCase()] || binder.provider;
  let repo = String(binder.repo || "");
  if (provider === "gh") repo = repo.replace(/^https?:\/\/github\.com\//, "").replace(/\.git$/, "");
  if (provider === "gl") repo = encodeURIComponent(repo.replace(/^https?:\/\/gitlab\.com\//, ""));
  if (provider === "git") repo = encodeURIComponent(repo);
  const ref = binder.ref || "HEAD";
  return { hub: slash(binder.url || "https://mybinder.org/"), provider,
           spec: provider === "gh" || provider === "gl" || provider === "git" ? `${repo}/${encodeURIComponent(ref)}` : repo };
}

export function binderLaunchUrl(binder, path) {
  const { hub, provider, spec } = binderSpec(binder);
  return `${hub}v2/${provider}/${spec}` + (path ? `?urlpath=${encodeURIComponent(`lab/tree/${path}`)}` : "");
}

async function answers(server) {  // the saved server still runs, and takes the token
  try {
    const response = await fetch(`${server.url}api/kernels`, { headers: { Authorization: `token ${server.token}` } });
    return response.ok;
  } catch {
    return false;
  }
}

function savedBinder(key) {
  try {
    const saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved && saved.url && Date.now() - saved.created < SESSION_MAX_AGE) return saved;
  } catch { /* storage unavailable */ }
  return null;
}

function binderServer(jupyter, ui) {
  const { hub, provider, spec } = binderSpec(jupyter.binder);
  const key = `mystlite-binder:${hub}${provider}/${spec}`;
  const saving = !jupyter.disableSessionSaving;
  return {
    name: "Binder",
    async start() {
      const saved = saving ? savedBinder(key) : null;
      if (saved) {
        ui.say("Binder: checking the saved session…");
        if (await answers(saved)) return saved;
        try { localStorage.removeItem(key); } catch { /* nothing kept */ }
      }
      const server = await launchOnBinder(`${hub}build/${provider}/${spec}`, hub, ui);
      if (saving) {
        try { localStorage.setItem(key, JSON.stringify({ ...server, created: Date.now() })); } catch { /* kept for this page only */ }
      }
      return server;
    },
    forget() {
      try { localStorage.removeItem(key); } catch { /* nothing kept */ }
    },
  };
}

// BinderHub's build API: an event stream of JSON messages, each with a phase and a message; "ready" carries the
// server's url and token.
function launchOnBinder(buildUrl, hub, ui) {
  return new Promise((resolve, reject) => {
    const log = ui.buildLog();
    let phase = "waiting";
    let finished = false;
    let silence = null;
    const source = new EventSource(buildUrl);
    const stop = (error, server) => {
      if (finished) return;
      finished = true;
      clearTimeout(silence);
      source.close();
      if (error) reject(error);
      else resolve(server);
    };
    const listen = () => {
      clearTimeout(silence);
      silence = setTimeout(() => stop(new Error(`Binder (${hub}) said nothing for ${BINDER_SILENCE / 60000} minutes ` +
                                                `while ${phase}; try again later`)), BINDER_SILENCE);
    };
    listen();
    source.onmessage = (event) => {
      listen();
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      if (data.message) log.add(data.message);
      if (!data.phase) return;
      phase = data.phase;
      if (phase === "failed") {
        const said = (data.message || "no reason given").trim().split("\n").filter(Boolean).pop();
        stop(new Error(`Binder could not start the server: ${said}`));
      } else if (phase === "ready") {
        stop(null, { url: slash(data.url), token: data.token || "" });
      } else {
        const step = BINDER_PHASES.indexOf(phase);
        ui.say(`Binder: ${phase}${step >= 0 ? ` (step ${step + 1} of ${BINDER_PHASES.length})` : ""}…`, true);
      }
    };
    source.onerror = () => stop(new Error(`Lost the connection to Binder (${hub}) while ${phase}; try again`));
  });
}

function jupyterServer(jupyter, root, ui) {
  const url = slash(jupyter.server.url);
  const key = `mystlite-server-token:${url}`;
  return {
    name: "the Jupyter server",
    async start() {
      let token = null;
      try { token = sessionStorage.getItem(key); } catch { /* storage unavailable */ }
      if (token === null) token = await servedToken(root, url);
      for (;;) {
        if (token !== null && await answers({ url, token })) {
          try { sessionStorage.setItem(key, token); } catch { /* asked again next time */ }
          return { url, token };
        }
        const wrong = token !== null;
        token = await ui.askToken(url, wrong);
        if (token === null) throw new Error(`No token for the Jupyter server at ${url}: the code was not run`);
      }
    },
    forget() {
      try { sessionStorage.removeItem(key); } catch { /* nothing kept */ }
    },
  };
}

async function servedToken(root, url) {
  // `mystlite serve` hands the token of myst.yml to the pages it serves (never written into the site)
  try {
    const response = await fetch(new URL("_mystlite/server-token", root));
    if (!response.ok) return null;
    const served = await response.json();
    return slash(served.url || "") === url ? served.token : null;
  } catch {
    return null;
  }
}

// ---- the Jupyter messaging protocol ----

function decodeBinary(buffer) {
  // jupyter_server's binary frames: a count n, n offsets (big-endian uint32), then the JSON and the buffers
  const view = new DataView(buffer);
  const count = view.getUint32(0);
  const offsets = [];
  for (let i = 0; i < count; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(buffer.byteLength);
  const message = JSON.parse(new TextDecoder().decode(buffer.slice(offsets[0], offsets[1])));
  message.buffers = offsets.slice(1, -1).map((start, i) => buffer.slice(start, offsets[i + 2]));
  return message;
}

function encodeBinary(message, buffers) {
  const json = new TextEncoder().encode(JSON.stringify(message));
  const parts = [json, ...buffers.map((b) => new Uint8Array(b))];
  const header = new DataView(new ArrayBuffer(4 * (parts.length + 1)));
  header.setUint32(0, parts.length);
  let offset = header.byteLength;
  parts.forEach((part, i) => { header.setUint32(4 * (i + 1), offset); offset += part.byteLength; });
  return new Blob([header.buffer, ...parts]);
}

const toBase64 = (buffer) => {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text);
};
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;

// Python helpers, defined in the kernel the first time a check needs them: an exercise's check runs in a copy of
// the reader's variables, without the names a solution's cells bound (as the in-browser kernel does).
const CHECK_HELPERS = `
def __mystlite_track__(solution, before=None):
    import builtins
    state = builtins.__dict__.setdefault("__mystlite_state__", {"names": set(), "before": {}})
    g = globals()
    if before:
        state["before"] = {k: id(v) for k, v in g.items()}
        return
    bound = {k for k, v in g.items() if state["before"].get(k) != id(v)}
    state["names"] = (state["names"] | bound) if solution else (state["names"] - bound)

def __mystlite_check__(encoded):
    import base64, builtins, io, json, sys, zlib
    state = builtins.__dict__.get("__mystlite_state__", {"names": set()})
    code = zlib.decompress(base64.b64decode(encoded)).decode("utf-8")
    space = {k: v for k, v in globals().items() if k not in state["names"] and not k.startswith("__mystlite")}
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        exec(compile(code, "<check>", "exec"), space)
        verdict = {"passed": True}
    except BaseException as err:
        verdict = {"passed": False, "ename": type(err).__name__, "message": str(err)}
    finally:
        sys.stdout, sys.stderr = saved
    print(${JSON.stringify(CHECK_MARK)} + json.dumps(verdict))
`;

export function remoteKernel({ page, root, backend, say }) {
  const jupyter = page.jupyter || {};
  const ui = makeUi(say);
  const where = backend === "server" ? jupyterServer(jupyter, root, ui) : binderServer(jupyter, ui);
  const kernelName = jupyter.kernelName || "python3";
  const session = uuid();
  const requests = new Map(); // msg_id -> what asked (a run, a check, a completion…)
  const captured = new Map(); // an Output widget's msg_id -> its comm id: outputs go into the widget
  const widgetOutputs = new Map(); // comm id -> the Output widget's outputs
  let server = null;
  let kernel = null;
  let socket = null;
  let connected = null;
  let helpers = null;
  let closed = false;

  const self = { onmessage: null, onerror: null };
  const post = (data) => self.onmessage && self.onmessage({ data });

  const api = (path, options = {}) => fetch(`${server.url}${path}`, {
    ...options, headers: { Authorization: `token ${server.token}`, "Content-Type": "application/json" },
  });

  async function connect() {
    server = await where.start();
    ui.say(`Starting a ${kernelName} kernel on ${where.name}…`);
    let response = await api("api/kernels", { method: "POST", body: JSON.stringify({ name: kernelName }) });
    if (!response.ok && backend === "binder") {  // the saved server went away between the check and now
      where.forget();
      server = await where.start();
      response = await api("api/kernels", { method: "POST", body: JSON.stringify({ name: kernelName }) });
    }
    if (!response.ok) throw new Error(`${where.name} could not start a ${kernelName} kernel (HTTP ${response.status})`);
    kernel = await response.json();
    await openSocket();
    await kernelAnswers();
    addEventListener("pagehide", () => {  // a reader who leaves frees the kernel at once
      if (kernel && !closed) fetch(`${server.url}api/kernels/${kernel.id}`, { method: "DELETE", keepalive: true,
        headers: { Authorization: `token ${server.token}` } }).catch(() => {});
    }, { once: true });
  }

  function openSocket() {
    const url = new URL(`api/kernels/${kernel.id}/channels`, server.url);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("session_id", session);
    if (server.token) url.searchParams.set("token", server.token);
    return new Promise((resolve, reject) => {
      socket = new WebSocket(url);
      socket.binaryType = "arraybuffer";
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`could not open the kernel's connection at ${server.url}`));
      socket.onclose = () => {
        if (closed) return;
        for (const request of requests.values()) request.lost?.();
        requests.clear();
        post({ type: "status", text: `Lost the connection to ${where.name}; Restart connects again`, kind: "error" });
      };
      socket.onmessage = (event) => receive(typeof event.data === "string" ? JSON.parse(event.data)
                                                                          : decodeBinary(event.data));
    });
  }

  function send(channel, msgType, content, buffers = []) {
    const header = { msg_id: uuid(), msg_type: msgType, session, username: "reader", date: new Date().toISOString(),
                     version: PROTOCOL_VERSION };
    const message = { header, parent_header: {}, metadata: {}, content, channel };
    socket.send(buffers.length ? encodeBinary({ ...message, buffers: [] }, buffers) : JSON.stringify(message));
    return header.msg_id;
  }

  function request(channel, msgType, content, handlers, buffers) {
    const msgId = send(channel, msgType, content, buffers);
    requests.set(msgId, { idle: false, replied: false, ...handlers });
    return msgId;
  }

  function settle(msgId, request) {
    if (request.idle && request.replied) {
      requests.delete(msgId);
      request.done?.();
    }
  }

  function receive(message) {
    const type = message.header.msg_type;
    const parent = message.parent_header?.msg_id;
    const content = message.content || {};
    if (type.startsWith("comm_")) {
      comm(type, content, message);
      return;
    }
    if (parent && captured.has(parent) && ["stream", "display_data", "execute_result", "error", "clear_output"]
      .includes(type)) {
      capture(captured.get(parent), type, content);
      if (type !== "clear_output") return;
    }
    const request = requests.get(parent);
    if (!request) return;
    if (type === "status") {
      if (content.execution_state === "idle") {
        request.idle = true;
        settle(parent, request);
      }
    } else if (message.channel === "shell" || type.endsWith("_reply")) {
      request.replied = true;
      request.reply?.(content);
      settle(parent, request);
    } else {
      request.output?.(type, content);
    }
  }

  // ---- widgets: comms both ways, and an Output widget's captured outputs (ipykernel sends them to the
  // message that was running; the front end puts them into the widget, as JupyterLab's widget manager does) ----
  function comm(type, content, message) {
    const state = content.data?.state || {};
    if (typeof state.msg_id === "string") {
      for (const [msgId, id] of captured) if (id === content.comm_id) captured.delete(msgId);
      if (state.msg_id) captured.set(state.msg_id, content.comm_id);
    }
    if (Array.isArray(state.outputs)) widgetOutputs.set(content.comm_id, state.outputs);
    post({ type: "comm", msg_type: type, content, metadata: message.metadata || {},
           buffers: (message.buffers || []).map(toBase64) });
  }

  function capture(commId, type, content) {
    let outputs = widgetOutputs.get(commId) || [];
    if (type === "clear_output") {
      outputs = [];
    } else if (type === "stream" && outputs.length && outputs.at(-1).output_type === "stream"
               && outputs.at(-1).name === content.name) {
      outputs = [...outputs.slice(0, -1), { ...outputs.at(-1), text: outputs.at(-1).text + content.text }];
    } else {
      outputs = [...outputs, { output_type: type, ...content }];
    }
    widgetOutputs.set(commId, outputs);
    post({ type: "comm", msg_type: "comm_msg", metadata: {}, buffers: [],
           content: { comm_id: commId, data: { method: "update", state: { outputs }, buffer_paths: [] } } });
  }

  // ---- the runner's messages ----
  function run({ id, code, solution }) {
    let count = 0;
    const finish = () => post({ type: "done", id, count });
    const track = page.checks ? (before) => silent(`__mystlite_track__(${solution ? "True" : "False"}${before ? ", True" : ""})`)
                              : null;
    const go = async () => {
      if (track) { await defineHelpers(); await track(true); }
      request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {},
                                           allow_stdin: true, stop_on_error: true }, {
        output(type, content) {
          if (type === "stream") post({ type: "stream", id, name: content.name, text: content.text });
          else if (type === "display_data") {
            post({ type: "display", id, data: content.data, display_id: content.transient?.display_id });
          } else if (type === "update_display_data") {
            post({ type: "update", display_id: content.transient?.display_id, data: content.data });
          } else if (type === "execute_result") post({ type: "result", id, data: content.data });
          else if (type === "error") {
            post({ type: "error", id, ename: content.ename, evalue: content.evalue,
                  traceback: (content.traceback || [`${content.ename}: ${content.evalue}`]).join("\n").replace(ANSI, "") });
          } else if (type === "clear_output") post({ type: "clear", id, wait: content.wait });
          else if (type === "input_request") post({ type: "input", id, prompt: content.prompt, password: content.password });
        },
        reply(content) { count = content.execution_count || 0; },
        async done() { if (track) await track(false); finish(); },
        lost() { post({ type: "error", id, ename: "ConnectionError", evalue: "", traceback: `The connection to ${where.name} was lost.` }); finish(); },
      });
    };
    return go();
  }

  function silent(code) {  // run helper code: no history, no count, its output kept here
    return new Promise((resolve) => {
      let text = "";
      request("shell", "execute_request", { code, silent: true, store_history: false, user_expressions: {},
                                           allow_stdin: false, stop_on_error: false }, {
        output(type, content) { if (type === "stream") text += content.text; },
        done() { resolve(text); },
        lost() { resolve(text); },
      });
    });
  }

  function defineHelpers() {
    helpers = helpers || silent(CHECK_HELPERS);
    return helpers;
  }

  async function check({ rid, code }) {
    await defineHelpers();
    const text = await silent(`__mystlite_check__(${JSON.stringify(code)})`);
    const line = text.split("\n").find((l) => l.startsWith(CHECK_MARK));
    post(line ? { type: "reply", rid, ...JSON.parse(line.slice(CHECK_MARK.length)) }
              : { type: "reply", rid, error: `the check did not run on ${where.name}` });
  }

  function offset(code, line, column) {  // the editor's (line from 1, column from 0) as Jupyter's cursor_pos
    const lines = code.split("\n");
    return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column;
  }

  function ask({ rid, type, code, line, column }) {
    const cursor = offset(code, line, column);
    const reply = (content) => {
      if (type === "complete") {
        const types = content.metadata?._jupyter_types_experimental || [];
        post({ type: "reply", rid, prefix: cursor - content.cursor_start,
               matches: (content.matches || []).slice(0, 200).map((name, i) => ({ name, type: types[i]?.type || "" })) });
      } else {
        post({ type: "reply", rid, text: content.found ? String(content.data?.["text/plain"] || "").replace(ANSI, "") : "" });
      }
    };
    request("shell", type === "complete" ? "complete_request" : "inspect_request",
            type === "complete" ? { code, cursor_pos: cursor } : { code, cursor_pos: cursor, detail_level: 0 },
            { reply, lost: () => post({ type: "reply", rid, error: "the connection was lost" }) });
  }

  function commMessage({ rid, message }) {
    const content = { comm_id: message.comm_id, data: message.data || {} };
    if (message.msg_type === "comm_open") Object.assign(content, { target_name: message.target_name });
    send("shell", message.msg_type, content, (message.buffers || []).map(fromBase64));
    post({ type: "reply", rid });
  }

  self.postMessage = (message) => {
    if (message.type === "init") {
      connected = connect().then(() => post({ type: "status", text: `Ready (${where.name})`, ready: true }))
        .catch((error) => {
          post({ type: "status", text: String(error.message || error), kind: "error" });
          throw error;
        });
      return;
    }
    const handle = { run, check, complete: ask, help: ask, comm_msg: commMessage }[message.type];
    if (!handle) return;
    (connected || Promise.reject(new Error("not started")))
      .then(() => handle(message))
      .catch((error) => {
        if (message.type === "run") {
          post({ type: "error", id: message.id, ename: "", evalue: "", traceback: `The code could not run: ${error.message || error}` });
          post({ type: "done", id: message.id, count: 0 });
        } else if (message.rid) post({ type: "reply", rid: message.rid, error: String(error.message || error) });
      });
  };
  self.interrupt = () => connected?.then(() => api(`api/kernels/${kernel.id}/interrupt`, { method: "POST" }));
  self.answerInput = (text) => {
    if (text === null) self.interrupt();
    else send("stdin", "input_reply", { value: text, status: "ok" });
  };
  self.restart = async () => {
    await connected;
    for (const request of requests.values()) request.lost?.();
    requests.clear();
    helpers = null;
    post({ type: "status", text: `Restarting the kernel on ${where.name}…` });
    connected = api(`api/kernels/${kernel.id}/restart`, { method: "POST" }).then(async (response) => {
      if (!response.ok) throw new Error(`${where.name} could not restart the kernel (HTTP ${response.status})`);
      await kernelAnswers();
      post({ type: "status", text: `Ready (${where.name})`, ready: true });
    });
    return connected;
  };

  async function kernelAnswers() {
    // a kernel that has just (re)started drops what it is sent until it answers kernel_info, as JupyterLab knows
    for (let tries = 0; tries < 60; tries++) {
      const answered = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), 1000);
        request("shell", "kernel_info_request", {}, {
          reply() { clearTimeout(timer); resolve(true); },
          lost() { clearTimeout(timer); resolve(false); },
        });
      });
      if (answered) return;
    }
    throw new Error(`the kernel on ${where.name} did not answer after a restart`);
  }
  self.terminate = () => {
    closed = true;
    if (socket) socket.close();
    if (kernel && server) fetch(`${server.url}api/kernels/${kernel.id}`, { method: "DELETE", keepalive: true,
      headers: { Authorization: `token ${server.token}` } }).catch(() => {});
  };
  return self;
}

// ---- what the reader sees of the connection: the status line, Binder's build log, the token dialog ----

function makeUi(say) {
  let log = null;
  return {
    say,
    buildLog() {
      const lines = [];
      const bar = document.querySelector(".compute-bar");
      if (!log && bar) {
        log = el("details", { class: "binder-log" });
        log.append(el("summary", {}, "Binder's build log"), el("pre", {}));
        bar.after(log);
      }
      return {
        add(text) {
          lines.push(text.replace(/\s+$/, ""));
          if (log) log.querySelector("pre").textContent = lines.slice(-2000).join("\n");
        },
      };
    },
    askToken(url, wrong) {
      return new Promise((resolve) => {
        const dialog = el("dialog", { class: "token-dialog", "aria-labelledby": "mystlite-token-title" });
        const form = el("form", { method: "dialog" });
        const field = el("input", { type: "password", autocomplete: "off", spellcheck: "false", id: "mystlite-token" });
        form.append(el("p", { id: "mystlite-token-title" }, wrong ? `That token was not accepted by ${url}. Token:`
                                                             : `This page runs its code on the Jupyter server at ${url}. Its token:`),
                    field, el("p", { class: "token-note" }, "Kept in this tab only (sessionStorage), sent only to that server."));
        const connect = el("button", { type: "submit", value: "connect" }, "Connect");
        const cancel = el("button", { type: "submit", value: "cancel" }, "Cancel");
        form.append(connect, cancel);
        dialog.append(form);
        document.body.append(dialog);
        dialog.addEventListener("close", () => {
          const value = dialog.returnValue === "connect" ? field.value : null;
          dialog.remove();
          resolve(value);
        });
        dialog.showModal();
        field.focus();
      });
    },
  };
}
