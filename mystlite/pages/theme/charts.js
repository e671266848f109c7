// Draws interactive chart outputs (plotly, vega-lite) with the site's own copies of their libraries. A library
// loads the first time a chart needs it; until then, and if it cannot load, the output's picture or text shows.
(function () {
  var script = document.currentScript;
  var root = new URL(document.body.dataset.root || "./", location.href);
  var shipped = (script.getAttribute("data-chart-libraries") || "").split(" ").filter(Boolean);
  var files = {
    plotly: ["plotly/plotly.min.js"],
    vega: ["vega/vega.min.js", "vega/vega-lite.min.js", "vega/vega-embed.min.js"],
    bokeh: ["bokeh/bokeh.min.js", "bokeh/bokeh-widgets.min.js", "bokeh/bokeh-tables.min.js", "bokeh/bokeh-gl.min.js"],
  };
  var loading = {};

  function loadScript(src) {
    // UMD libraries become globals only when no AMD loader is around (widgets bring require.js)
    var amd = window.define;
    window.define = undefined;
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    }).finally(function () { window.define = amd; });
  }

  function load(name) {
    if (!loading[name]) {
      loading[name] = (files[name] || []).reduce(function (chain, file) {
        return chain.then(function () { return loadScript(new URL("_static/charts/" + file, root).href); });
      }, Promise.resolve());
    }
    return loading[name];
  }

  function dark() {
    return document.documentElement.getAttribute("data-theme") === "dark";
  }

  function draw(box) {
    var name = box.getAttribute("data-library");
    if (box.dataset.drawn || shipped.indexOf(name) < 0) return Promise.resolve(false);
    box.dataset.drawn = "1";
    var spec = JSON.parse(box.querySelector('script[type="application/json"]').textContent);
    return load(name).then(function () {
      if (name === "bokeh") {  // the output's own script: it draws into the div an earlier output made
        new Function(spec)();
        box.hidden = true;
        return true;
      }
      var target = document.createElement("div");
      target.className = "chart";
      if (name === "plotly") {
        var layout = Object.assign({ autosize: true }, spec.layout || {});
        if (dark() && !layout.template) layout.template = { layout: { paper_bgcolor: "#0f1318", plot_bgcolor: "#0f1318",
                                                                     font: { color: "#e6edf3" } } };
        return window.Plotly.newPlot(target, spec.data || [], layout, Object.assign({ responsive: true }, spec.config))
          .then(function () { show(box, target); return true; });
      }
      return window.vegaEmbed(target, spec, { actions: false, theme: dark() ? "dark" : undefined })
        .then(function () { show(box, target); return true; });
    }).catch(function () {
      return false;  // the fallback stays
    });
  }

  function show(box, chart) {
    for (var child of Array.from(box.children)) if (child.tagName !== "SCRIPT") child.hidden = true;
    box.appendChild(chart);
  }

  window.mystliteCharts = {
    canDraw: function (name) { return shipped.indexOf(name) >= 0; },
    draw: draw,
  };
  function drawAll() {
    document.querySelectorAll(".output-chart").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
