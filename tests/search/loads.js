// Prints, for each query, the index files a first query loads (a fresh index
// each time) and the number of results.
//
// usage: node tests/search/loads.js SEARCH_JS PUBLIC_DIR QUERY...
"use strict";
const fs = require("fs");
const path = require("path");
const [searchJs, publicDir, ...queries] = process.argv.slice(2);
const core = require(path.resolve(searchJs));

(async () => {
  for (const q of queries) {
    const loaded = [];
    const index = new core.Index((name) => {
      loaded.push(name);
      const code = fs.readFileSync(path.join(publicDir, "search", name + ".js"), "utf8");
      let data;
      new Function("__pinakesSearch", code)((_, d) => { data = d; });
      return Promise.resolve(data);
    });
    const r = await index.search(q);
    console.log(`${q}\t${r.hits.length}\t${loaded.sort().join(" ")}`);
  }
})().catch((e) => { console.error(e); process.exit(2); });
