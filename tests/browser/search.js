// Drives headless Chromium through the DevTools protocol: on a page of a
// served site, types a query into the header's search box, checks the first
// result, moves to it with the arrow key and opens it with Enter; then opens
// /search/?q=… and checks the first result and the facets.
//
// usage: node --experimental-websocket tests/browser/search.js CHROMIUM BASE_URL QUERY FIRST_PATH
// (FIRST_PATH: the expected first result, e.g. measures/专精特新和单项冠军小巨人企业培育/)
"use strict";
const { open } = require("./cdp");
const [chromium, base, query, first] = process.argv.slice(2);

async function main() {
  const { send, evaluate, until, key, done } = await open(chromium);
  const decoded = (expr) => `decodeURIComponent(new URL(${expr}).pathname)`;
  const want = decodeURIComponent(new URL(first, base).pathname);
  const matches = (p) => p === want || p === want + "index.html";

  // 1. The header box on the home page.
  await send("Page.navigate", { url: base + "index.html" });
  // The script makes the box from the header link, with the site's words.
  await until("document.readyState === 'complete' && (f => f && !f.hidden)(document.querySelector('form[data-search-box]'))", "the header search box");
  const box = await evaluate("(f => [f.querySelector('input').placeholder, f.action, document.querySelector('[data-search-link]').hidden].join('|'))(document.querySelector('form[data-search-box]'))");
  if (box !== `搜索政策、措施、指标|${base}search/index.html|true`) return done(1, `FAIL: header box placeholder|action|link hidden: ${box}`);
  await evaluate("document.querySelector('form[data-search-box] input').focus()");
  await send("Input.insertText", { text: query });
  const header = await until(`(() => { const a = document.querySelector('#site-search-panel:not([hidden]) a.search-result__link'); return a && ${decoded("a.href")}; })()`, "header results");
  if (!matches(header)) return done(1, `FAIL: header box: first result ${header}, expected ${want}`);
  const status = await evaluate("document.querySelector('form[data-search-box] [data-search-status]').textContent");
  // The words come from search/labels.js, which pages do not carry.
  if (!/^找到 \d+ 条结果$/.test(status)) return done(1, `FAIL: header box status "${status}" is not the site's label`);
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
main().catch((e) => { console.log("FAIL: " + e.message); process.exit(1); });
