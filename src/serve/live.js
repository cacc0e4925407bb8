// pinakes dev server: live reload and the error overlay.
// Served from the dev server only (never part of `pinakes build` output), as
// a file so that it runs under a Content-Security-Policy of `script-src 'self'`.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";
  var server = null; // the server instance this page was loaded from
  var OVERLAY = "pinakes-error-overlay";

  function css(el, rules) {
    // CSSOM properties, not a style attribute: allowed under a strict CSP.
    for (var k in rules) el.style.setProperty(k, rules[k]);
    return el;
  }

  function add(parent, tag, text, rules) {
    var el = document.createElement(tag);
    if (text !== undefined) el.textContent = text; // text, never HTML
    if (rules) css(el, rules);
    parent.appendChild(el);
    return el;
  }

  function clearOverlay() {
    var old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  function showOverlay(report) {
    clearOverlay();
    var box = css(document.createElement("div"), {
      position: "fixed", inset: "0", "z-index": "2147483647", overflow: "auto",
      background: "rgba(20,20,24,.94)", color: "#f3f3f3", padding: "2rem",
      font: "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
    });
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    var n = report.errors;
    add(box, "h2", "pinakes: " + n + (n === 1 ? " error" : " errors") +
      " — showing the last good build", { margin: "0 0 1rem", color: "#ff8080", font: "bold 18px/1.4 sans-serif" });
    report.diagnostics.forEach(function (d) {
      var item = add(box, "section", undefined, {
        margin: "0 0 1rem", padding: ".75rem 1rem", background: "#2a2a30",
        "border-left": "4px solid " + (d.severity === "error" ? "#ff6b6b" : "#f0c040")
      });
      var where = d.file ? d.file + (d.line ? ":" + d.line + ":" + d.column : "") : "";
      if (where) add(item, "div", where, { color: "#9cdcfe" });
      add(item, "div", d.severity + "[" + d.code + "]: " + d.message, { "white-space": "pre-wrap", "font-weight": "bold" });
      if (d.source_line !== null && d.source_line !== undefined) showLine(item, d);
      if (d.hint) add(item, "div", "hint: " + d.hint, { color: "#b5e8a0", "white-space": "pre-wrap" });
    });
    var close = add(box, "button", "×", {
      position: "absolute", top: "1rem", right: "1rem", font: "24px sans-serif",
      background: "none", color: "inherit", border: "0", cursor: "pointer"
    });
    close.setAttribute("aria-label", "close");
    close.addEventListener("click", clearOverlay);
    document.body.appendChild(box);
  }

  // The line of the error with its span marked (columns count characters,
  // so wide Chinese text needs no caret alignment).
  function showLine(parent, d) {
    var chars = Array.from(d.source_line);
    var from = Math.max(0, d.column - 1), to = Math.max(from + 1, (d.end_column || d.column) - 1);
    var pre = add(parent, "pre", undefined, {
      margin: ".5rem 0", padding: ".5rem", background: "#1b1b20", overflow: "auto",
      "white-space": "pre-wrap", "overflow-wrap": "anywhere", font: "inherit"
    });
    add(pre, "span", d.line + " │ ", { color: "#888" });
    add(pre, "span", chars.slice(0, from).join(""));
    add(pre, "mark", chars.slice(from, to).join("") || " ", {
      background: "none", color: "#ff8080", "text-decoration": "underline wavy #ff6b6b"
    });
    add(pre, "span", chars.slice(to).join(""));
  }

  function swapStyles(paths) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    var swapped = false;
    links.forEach(function (link) {
      var url = new URL(link.href, location.href);
      var file = decodeURIComponent(url.pathname).replace(/^\//, "");
      if (url.origin !== location.origin || paths.indexOf(file) < 0) return;
      url.searchParams.set("pinakes", Date.now());
      link.href = url.toString();
      swapped = true;
    });
    if (!swapped) location.reload();
  }

  function connect() {
    var events = new EventSource(base + "/__pinakes/events");
    events.addEventListener("hello", function (e) {
      var id = JSON.parse(e.data).server;
      // A new server (restarted): what it serves may differ from this page.
      if (server !== null && server !== id) location.reload();
      server = id;
      // Tells tools (and the browser tests) that edits will show.
      document.documentElement.setAttribute("data-pinakes-live", "connected");
    });
    events.addEventListener("reload", function () { location.reload(); });
    events.addEventListener("css", function (e) {
      clearOverlay();
      swapStyles(JSON.parse(e.data).paths);
    });
    events.addEventListener("build-error", function (e) {
      showOverlay(JSON.parse(e.data));
    });
    events.addEventListener("ok", clearOverlay);
    // EventSource reconnects by itself; nothing else to do on a drop.
  }

  connect();
})();
