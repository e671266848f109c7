// Offline full-text search over every page. The index (_static/search-index.json) is written at build
// time; it is fetched the first time the reader searches. Press "/" or the search button.
(function () {
  var index = null, dialog, input, list;
  var root = document.body.getAttribute("data-root") || "./";

  function words(text) { return text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(Boolean); }

  var loading = null;
  function load() {  // one fetch, however fast the reader types
    if (!loading) {
      loading = fetch(root + "_static/search-index.json").then(function (r) { return r.json(); })
        .then(function (data) { index = data.pages; return index; });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function score(page, terms) {
    var total = 0, title = page.title.toLowerCase(), body = page.text.toLowerCase();
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i], hit = 0;
      if (title.indexOf(t) >= 0) hit += 10;
      page.headings.forEach(function (h) { if (h[1].toLowerCase().indexOf(t) >= 0) hit += 5; });
      var at = body.indexOf(t);
      if (at >= 0) hit += 1 + Math.min(5, body.split(t).length - 1) * 0.2;
      if (!hit) return 0;  // every word must occur
      total += hit;
    }
    return total;
  }

  function snippet(text, term) {
    var at = text.toLowerCase().indexOf(term);
    if (at < 0) return text.slice(0, 160);
    var start = Math.max(0, at - 60);
    return (start ? "…" : "") + text.slice(start, at + 100) + "…";
  }

  function show(query) {
    var terms = words(query);
    list.textContent = "";
    if (!terms.length) return;
    load().then(function (pages) {
      if (input.value !== query) return;  // the reader typed on: a newer search shows its results
      list.textContent = "";
      var found = pages.map(function (p) { return [score(p, terms), p]; })
        .filter(function (x) { return x[0] > 0; }).sort(function (a, b) { return b[0] - a[0]; }).slice(0, 20);
      if (!found.length) {
        var none = document.createElement("li");
        none.textContent = "No page matches.";
        list.appendChild(none);
      }
      found.forEach(function (x) {
        var p = x[1], li = document.createElement("li"), a = document.createElement("a");
        var heading = p.headings.find(function (h) { return h[1].toLowerCase().indexOf(terms[0]) >= 0; });
        a.href = root + p.url + (heading ? "#" + heading[0] : "");
        a.textContent = p.title + (heading ? " › " + heading[1] : "");
        var small = document.createElement("p");
        small.textContent = snippet(p.text, terms[0]);
        li.appendChild(a); li.appendChild(small); list.appendChild(li);
      });
    }).catch(function () { list.textContent = "The search index could not be loaded."; });
  }

  function open() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "search-dialog";
      dialog.setAttribute("aria-label", "Search");
      dialog.innerHTML = '<form method="dialog"><input type="search" placeholder="Search this site" ' +
        'aria-label="Search this site" autocomplete="off"></form><ul class="search-results"></ul>';
      document.body.appendChild(dialog);
      input = dialog.querySelector("input");
      list = dialog.querySelector("ul");
      input.addEventListener("input", function () { show(input.value); });
      dialog.addEventListener("click", function (e) { if (e.target === dialog) dialog.close(); });
    }
    dialog.showModal();
    input.focus();
    input.select();
  }

  var button = document.querySelector(".search-toggle");
  if (button) { button.hidden = false; button.addEventListener("click", open); }
  document.addEventListener("keydown", function (e) {
    var typing = /INPUT|TEXTAREA/.test(e.target.tagName) || e.target.isContentEditable;
    if (e.key === "/" && !typing) { e.preventDefault(); open(); }
  });
})();
