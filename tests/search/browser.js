// Drives headless Chromium through the DevTools protocol: on a page of a
// served site, types a query into the header's search box, checks the first
// result, moves to it with the arrow key and opens it with Enter; then opens
// /search/?q=… and checks the first result and the facets.
//
// usage: node --experimental-websocket tests/search/browser.js CHROMIUM BASE_URL QUERY FIRST_PATH
// (FIRST_PATH: the expected first result, e.g. measures/专精特新和单项冠军小巨人企业培育/)
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const [chromium, base, query, first] = process.argv.slice(2);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pinakes-chromium-"));
const browser = spawn(chromium, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
  "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,900", "about:blank",
], { stdio: "ignore" });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function done(code, msg) {
  console.log(msg);
  browser.kill();
  try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* still in use */ }
  process.exit(code);
}
setTimeout(() => done(1, "FAIL: timed out"), 60000).unref();

async function devtoolsPort() {
  for (let i = 0; i < 200; i++) {
    try {
      return fs.readFileSync(path.join(profile, "DevToolsActivePort"), "utf8").split("\n")[0];
    } catch (e) { await sleep(50); }
  }
  throw new Error("Chromium did not start");
}

async function main() {
  const port = await devtoolsPort();
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(targets.find((t) => t.type === "page").webSocketDebuggerUrl);
  await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.id && waiting.has(m.id)) { waiting.get(m.id)(m); waiting.delete(m.id); }
  };
  const send = (method, params = {}) => new Promise((r) => {
    waiting.set(++id, r);
    ws.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async (expr) => (await send("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true })).result.result.value;
  const until = async (expr, what) => {
    for (let i = 0; i < 100; i++) {
      const v = await evaluate(expr);
      if (v) return v;
      await sleep(100);
    }
    throw new Error("timed out waiting for " + what);
  };
  const key = async (k, code) => {
    await send("Input.dispatchKeyEvent", { type: "rawKeyDown", key: k, code: k, windowsVirtualKeyCode: code });
    await send("Input.dispatchKeyEvent", { type: "keyUp", key: k, code: k, windowsVirtualKeyCode: code });
  };
  const decoded = (expr) => `decodeURIComponent(new URL(${expr}).pathname)`;
  const want = decodeURIComponent(new URL(first, base).pathname);
  const matches = (p) => p === want || p === want + "index.html";

  // 1. The header box on the home page.
  await send("Page.enable");
  await send("Page.navigate", { url: base + "index.html" });
  await until("document.readyState === 'complete' && !document.querySelector('form[data-search-box]').hidden", "the header search box");
  await evaluate("document.querySelector('form[data-search-box] input').focus()");
  await send("Input.insertText", { text: query });
  const header = await until(`(() => { const a = document.querySelector('#site-search-panel:not([hidden]) a.search-result__link'); return a && ${decoded("a.href")}; })()`, "header results");
  if (!matches(header)) return done(1, `FAIL: header box: first result ${header}, expected ${want}`);
  const status = await evaluate("document.querySelector('form[data-search-box] [data-search-status]').textContent");
  await key("ArrowDown", 40);
  const focused = await evaluate(`document.activeElement.matches('a.search-result__link') && ${decoded("document.activeElement.href")}`);
  if (!matches(focused)) return done(1, `FAIL: ArrowDown focused ${focused}`);
  await key("Enter", 13);
  const landed = await until(`location.pathname !== '/index.html' && document.readyState === 'complete' && ${decoded("location.href")}`, "navigation");
  if (!matches(landed)) return done(1, `FAIL: Enter opened ${landed}`);

  // 2. The search page with ?q=.
  await send("Page.navigate", { url: base + "search/index.html?q=" + encodeURIComponent(query) });
  const page = await until(`(() => { const a = document.querySelector('#search-results a.search-result__link'); return a && ${decoded("a.href")}; })()`, "search page results");
  if (!matches(page)) return done(1, `FAIL: search page: first result ${page}, expected ${want}`);
  const facets = await evaluate("document.querySelectorAll('[data-search-facets] input[type=checkbox]').length");
  const mark = await evaluate("document.querySelector('#search-results mark') && document.querySelector('#search-results mark').textContent");
  const ms = await evaluate("document.querySelector('[data-search-page]').getAttribute('data-search-ms')");
  if (!facets) return done(1, "FAIL: no facets on the search page");
  if (!mark) return done(1, "FAIL: no highlighted match");

  // 3. A filter by keyboard: Space on the first kind keeps the focus there
  //    and leaves only results of that kind.
  await evaluate("document.querySelector('[data-search-facets] input[name=kind]').focus()");
  const kind = await evaluate("document.activeElement.value");
  const before = await evaluate("document.querySelectorAll('#search-results li').length");
  await key(" ", 32);
  await send("Input.dispatchKeyEvent", { type: "char", text: " " });
  const kinds = await until(`(() => { const l = document.querySelectorAll('#search-results a .kind'); return l.length && Array.from(l).every((k) => k.classList.contains('kind--${kind}')) && l.length; })()`, "filtered results");
  const still = await evaluate("document.activeElement.name + ':' + document.activeElement.value + ':' + document.activeElement.checked");
  if (still !== `kind:${kind}:true`) return done(1, `FAIL: focus after filtering is on ${still}`);
  done(0, `ok: "${query}" -> ${want} first (header box: ${status}; Enter opened it; search page: ${facets} facet options, highlight "${mark}", ${ms} ms; filter ${kind}: ${before} -> ${kinds} results, focus kept)`);
}
main().catch((e) => done(1, "FAIL: " + e.message));
