#!/usr/bin/env node
// Cost of search on a built site: for each query, what a first query downloads
// (index metadata, the token shards it needs, the page-text chunks of the
// first 20 results; raw bytes and gzip-compressed, as most static hosts send
// JavaScript) and how long matching takes once those files are loaded
// (median of 20 runs).
//
// usage: node scripts/search_cost.js PUBLIC_DIR QUERY...
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const [publicDir, ...queries] = process.argv.slice(2);
const core = require(path.join(__dirname, "..", "themes/default/static/search.js"));

function loader(log) {
  return (name) => {
    const code = fs.readFileSync(path.join(publicDir, "search", name + ".js"));
    log.push({ name, raw: code.length, gz: zlib.gzipSync(code).length });
    let data;
    new Function("__pinakesSearch", code.toString("utf8"))((_, d) => { data = d; });
    return Promise.resolve(data);
  };
}

(async () => {
  const kb = (n) => (n / 1024).toFixed(0) + " KB";
  for (const q of queries) {
    const log = [];
    const index = new core.Index(loader(log));
    const r = await index.search(q);
    await Promise.all(r.hits.slice(0, 20).map((h) => index.doc(h.doc)));
    const raw = log.reduce((n, f) => n + f.raw, 0);
    const gz = log.reduce((n, f) => n + f.gz, 0);
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      await index.search(q);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`${q}\t${r.hits.length} results\t${log.length} files\t${kb(raw)} raw\t${kb(gz)} gzip\t${times[10].toFixed(1)} ms`);
  }
})();
