// Runs the theme's search matcher (themes/default/static/search.js) in Node
// against a built site's index and checks a query set.
//
// usage: node tests/search/run.js SEARCH_JS PUBLIC_DIR QUERIES_JSON TEXTS_JSON
//
// TEXTS_JSON holds [link, text] of each page the index was built from (the index
// keeps positions, not text; tests/search.rs writes it through the library).
// For every query: the results must be exactly the pages whose indexed text
// contains it the way find-in-page would (each term as a substring; a term
// that starts with a letter or digit only at a word start), and the expected
// page must come first. Prints one line per query; exits 1 on any failure.
"use strict";
const fs = require("fs");
const path = require("path");
const [searchJs, publicDir, queriesFile, textsFile] = process.argv.slice(2);
const core = require(path.resolve(searchJs));

function load(name) {
  return new Promise((resolve, reject) => {
    fs.readFile(path.join(publicDir, "search", name + ".js"), "utf8", (err, code) => {
      if (err) return reject(err);
      let data;
      new Function("__pinakesSearch", code)((_, d) => { data = d; });
      resolve(data);
    });
  });
}

const WORD = /[\p{Alphabetic}\p{N}]/u;
function isCjk(ch) { return /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/u.test(ch); }
function isWord(ch) { return ch !== undefined && WORD.test(ch) && !isCjk(ch); }

// The oracle: find-in-page over the page's indexed text.
function contains(norm, term) {
  for (let i = 0; i + term.length <= norm.length; i++) {
    let k = 0;
    while (k < term.length && norm[i + k] === term[k]) k++;
    if (k < term.length) continue;
    if (isWord(term[0]) && isWord(norm[i - 1])) continue;
    return true;
  }
  return false;
}

async function main() {
  const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"));
  const index = new core.Index(load);
  const meta = await index.ready();
  const docs = await Promise.all(meta.docs.map((_, n) => index.doc(n)));
  // [link, text] per page: the links must come back from the index as built.
  const pages = JSON.parse(fs.readFileSync(textsFile, "utf8"));
  if (pages.length !== docs.length) throw new Error(`${pages.length} texts for ${docs.length} pages`);
  pages.forEach(([url], n) => { if (docs[n].url !== url) throw new Error(`page ${n}: link ${docs[n].url}, built ${url}`); });
  const texts = pages.map(([, t]) => core.normalize(t));
  let failures = 0;
  for (const q of queries) {
    const t0 = process.hrtime.bigint();
    const r = await index.search(q.q);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const got = r.hits.map((h) => docs[h.doc].url);
    const terms = q.q.split(/\s+/).filter(Boolean).map((t) => core.normalize(t));
    const want = new Set(docs.map((d, n) => (terms.every((t) => contains(texts[n], t)) ? d.url : null)).filter(Boolean));
    const problems = [];
    const missing = [...want].filter((u) => !got.includes(u));
    const extra = got.filter((u) => !want.has(u));
    if (missing.length) problems.push("missing " + missing.map(decodeURIComponent).join(", "));
    if (extra.length) problems.push("unexpected " + extra.map(decodeURIComponent).join(", "));
    const first = got.length ? decodeURIComponent(got[0]) : "(none)";
    if (q.first && first !== q.first && first !== q.first + "index.html") problems.push(`first is ${first}, expected ${q.first}`);
    if (q.min && got.length < q.min) problems.push(`${got.length} results, expected at least ${q.min}`);
    if (problems.length) failures++;
    console.log(`${problems.length ? "FAIL" : "ok  "} ${q.q} -> ${got.length} pages, first ${first} (${ms.toFixed(1)} ms)${problems.length ? "\n     " + problems.join("\n     ") : ""}`);
  }
  console.log(`${queries.length - failures}/${queries.length} queries as expected`);
  process.exit(failures ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
