// Jupyter widgets on the page: @jupyter-widgets/html-manager (self-hosted from npm, loaded with require.js) as
// the widget manager, and the page's Python as its kernel. Comm messages travel through the worker: from
// Python as "comm" messages, to Python with send(); binary buffers go as base64.

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const tag = document.createElement("script");
    tag.src = src;
    tag.onload = resolve;
    tag.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(tag);
  });
}

const toBase64 = (buffer) => {
  const bytes = new Uint8Array(buffer.buffer ? buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
                                             : buffer);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
};
const fromBase64 = (text) => new DataView(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer);

// Changes sent to Python and not yet answered. A model holds back its next change until the one before is
// answered (the manager's throttle), so a cell run meanwhile must wait for both, or Python sees a stale value.
let inFlight = 0;
let settledWaiters = [];

function sent() {
  inFlight -= 1;
  if (inFlight === 0) for (const resolve of settledWaiters.splice(0)) resolve();
}

// One end of a comm, as the widget manager expects it (IClassicComm). Python answers each message after it has
// handled it; the model's "idle" callback then lets it send the next update (the manager throttles meanwhile).
class PageComm {
  constructor(id, target, send) {
    this.comm_id = id;
    this.target_name = target;
    this.send_ = send;
    this.onMessage = null;
    this.onClose = null;
  }

  message(msgType, data, callbacks, metadata, buffers) {
    if (!this.send_) return this.comm_id;  // a stored widget: no Python to tell
    const message = { msg_type: msgType, comm_id: this.comm_id, target_name: this.target_name, data: data || {},
                      metadata: metadata || {}, buffers: (buffers || []).map(toBase64) };
    inFlight += 1;
    this.send_(message).then(() => {
      const idle = { content: { execution_state: "idle" }, parent_header: {}, header: {} };
      // a held-back change is sent from inside this callback, so it is in flight before this one is counted off
      if (callbacks && callbacks.iopub && callbacks.iopub.status) callbacks.iopub.status(idle);
    }).finally(sent);
    return this.comm_id;
  }

  open(data, callbacks, metadata, buffers) { return this.message("comm_open", data, callbacks, metadata, buffers); }
  send(data, callbacks, metadata, buffers) { return this.message("comm_msg", data, callbacks, metadata, buffers); }
  close(data, callbacks, metadata, buffers) { return this.message("comm_close", data, callbacks, metadata, buffers); }
  on_msg(callback) { this.onMessage = callback; }
  on_close(callback) { this.onClose = callback; }
}

export async function createWidgets({ libraries, send }) {
  // require.js makes later UMD scripts register as AMD modules: charts.js hides it while loading its libraries
  await loadScript(new URL("require.js", libraries).href);
  await loadScript(new URL("libembed-amd.js", libraries).href);
  const { HTMLManager } = await new Promise((resolve, reject) =>
    window.requirejs(["@jupyter-widgets/html-manager"], resolve, reject));

  const comms = new Map();

  class PageManager extends HTMLManager {
    async _create_comm(targetName, modelId, data, metadata, buffers) {
      const comm = new PageComm(modelId, targetName, send);
      comms.set(comm.comm_id, comm);
      if (data || metadata) comm.open(data, undefined, metadata, buffers);
      return comm;
    }

    _get_comm_info() {
      return Promise.resolve({});
    }
  }

  // widget modules beyond the built-in controls: anywidget, from the site (its own AMD module)
  const loader = (module) => (module === "anywidget"
    ? new Promise((resolve, reject) => window.requirejs([new URL("anywidget.js", libraries).href], resolve, reject))
    : Promise.reject(new Error(`the widget module ${module} is not on this site`)));
  const manager = new PageManager({ loader });

  return {
    // null when every change on the page has reached Python; else a promise of that moment
    settled() {
      return inFlight === 0 ? null : new Promise((resolve) => settledWaiters.push(resolve));
    },

    async receive(message) {
      const content = message.content || {};
      const buffers = (message.buffers || []).map(fromBase64);
      const msg = { content, metadata: message.metadata || {}, buffers, header: { msg_type: message.msg_type },
                    parent_header: {}, channel: "iopub" };
      if (message.msg_type === "comm_open") {
        const comm = new PageComm(content.comm_id, content.target_name, send);
        comms.set(content.comm_id, comm);
        if (content.target_name === "jupyter.widget") await manager.handle_comm_open(comm, msg);
      } else if (message.msg_type === "comm_msg") {
        const comm = comms.get(content.comm_id);
        if (comm && comm.onMessage) await comm.onMessage(msg);
      } else if (message.msg_type === "comm_close") {
        const comm = comms.get(content.comm_id);
        comms.delete(content.comm_id);
        if (comm && comm.onClose) await comm.onClose(msg);
      }
    },

    async restore(state) {  // a notebook's stored widget state: models with no Python behind them
      await manager.set_state(state);
    },

    async show(view, element) {
      try {
        const model = await manager.get_model(view.model_id);
        const shown = await manager.create_view(model);
        await manager.display_view(shown, element);
        return true;
      } catch (error) {
        return false;  // a widget whose Python side is gone (or unknown): its text stays
      }
    },
  };
}
