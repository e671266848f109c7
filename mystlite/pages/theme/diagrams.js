// Draws {mermaid} diagrams with the site's own copy of mermaid; only pages that have one load this.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.mermaid) return;  // the source stays visible
  var dark = document.documentElement.getAttribute("data-theme") === "dark";
  window.mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default", securityLevel: "strict" });
  window.mermaid.run({ querySelector: "pre.mermaid" });
});
