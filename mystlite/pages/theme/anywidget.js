// {anywidget} blocks: each loads its ES module from the site (mystmd copied it there) and renders it with a
// small model that follows the anywidget front-end API (get, set, on, off, save_changes, send).
function makeModel(state) {
  var listeners = {};
  return {
    get: function (key) { return state[key]; },
    set: function (key, value) {
      state[key] = value;
      (listeners["change:" + key] || []).forEach(function (cb) { cb(); });
      (listeners["change"] || []).forEach(function (cb) { cb(); });
    },
    on: function (name, cb) { (listeners[name] = listeners[name] || []).push(cb); },
    off: function (name, cb) {
      if (!name) { listeners = {}; return; }
      listeners[name] = (listeners[name] || []).filter(function (other) { return cb && other !== cb; });
    },
    save_changes: function () {},
    send: function () {},
  };
}

document.querySelectorAll(".anywidget[data-esm]").forEach(async function (el) {
  try {
    if (el.dataset.css) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = el.dataset.css;
      document.head.appendChild(link);
    }
    var module = await import(new URL(el.dataset.esm, document.baseURI).href);
    var widget = module.default;
    if (typeof widget === "function") widget = await widget();
    var model = makeModel(JSON.parse(el.dataset.model || "{}"));
    if (widget.initialize) await widget.initialize({ model: model });
    el.textContent = "";
    if (widget.render) await widget.render({ model: model, el: el });
  } catch (err) {
    el.textContent = "This widget could not be loaded: " + err;
    el.classList.add("anywidget-error");
  }
});
