// Small page behaviours: the theme switch, the page list on narrow screens, and tab sets.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.documentElement;
  var themeButton = document.querySelector(".theme-toggle");
  if (themeButton) {
    themeButton.addEventListener("click", function () {
      var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("mystlite-theme", next); } catch (e) { /* not saved, still switched */ }
    });
  }
  var navButton = document.querySelector(".nav-toggle");
  if (navButton) {
    navButton.addEventListener("click", function () {
      var open = document.body.classList.toggle("nav-open");
      navButton.setAttribute("aria-expanded", String(open));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
        document.body.classList.remove("nav-open");
        navButton.setAttribute("aria-expanded", "false");
        navButton.focus();
      }
    });
  }
  // A block that scrolls can be reached and scrolled with the keyboard: it takes the focus (WCAG 2.1.1).
  function focusableScrolling() {
    document.querySelectorAll("pre, .highlight, .table-wrap, .output").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  focusableScrolling();
  window.addEventListener("resize", focusableScrolling);
  document.addEventListener("mystlite:outputs", focusableScrolling); // new outputs from the in-page runtime
  document.querySelectorAll(".tab-set").forEach(function (set) {
    set.querySelectorAll(".tab-label").forEach(function (label) {
      label.addEventListener("click", function () {
        set.querySelectorAll(".tab-label").forEach(function (other) {
          other.setAttribute("aria-selected", String(other === label));
        });
        set.querySelectorAll(":scope > .tab-panel").forEach(function (panel) {
          panel.hidden = panel.id !== label.dataset.tab;
        });
      });
    });
  });
});
