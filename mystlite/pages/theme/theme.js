// Runs before the page paints: apply the reader's saved light/dark choice (else the system's).
(function () {
  var saved = null;
  try { saved = localStorage.getItem("mystlite-theme"); } catch (e) { /* storage may be blocked */ }
  var dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-theme", dark ? "dark" : "light");
  document.documentElement.classList.add("js"); // the page list becomes a menu only where a script can open it
})();
