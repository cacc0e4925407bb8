// Runs axe-core in headless Chromium over pages of a built site, at each
// width and color scheme, and reports the critical and serious violations.
//
// usage: node --experimental-websocket tests/browser/axe.js CHROMIUM AXE_JS BASE_URL PAGE...
// (PAGE: a path under BASE_URL, query included, e.g. search/index.html?q=数字化)
"use strict";
const fs = require("fs");
const { open, sleep } = require("./cdp");
const [chromium, axePath, base, ...pages] = process.argv.slice(2);
const WIDTHS = [1280, 390];
const SCHEMES = ["light", "dark"];

async function main() {
  const { send, evaluate, until, done } = await open(chromium, { timeoutMs: 300000 });
  const axe = fs.readFileSync(axePath, "utf8");
  const lines = [];
  let bad = 0;
  for (const width of WIDTHS) {
    await send("Emulation.setDeviceMetricsOverride", { width, height: 900, deviceScaleFactor: 1, mobile: width < 600 });
    for (const scheme of SCHEMES) {
      await send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: scheme }] });
      for (const page of pages) {
        await send("Page.navigate", { url: base + page });
        await until("document.readyState === 'complete'", "load of " + page);
        if (page.includes("?q=")) await until("document.querySelector('#search-results li')", "search results");
        await sleep(100);
        await evaluate(axe + "\n;true");
        const found = await evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) =>
          r.violations.filter((v) => v.impact === "critical" || v.impact === "serious")
            .map((v) => v.impact + " " + v.id + " (" + v.nodes.length + "): " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")))`);
        if (!Array.isArray(found)) return done(1, `FAIL: axe did not run on ${page}`);
        bad += found.length;
        lines.push(`${width}px ${scheme} ${page}: ${found.length ? found.join("; ") : "0"}`);
      }
    }
  }
  done(bad ? 1 : 0, (bad ? "FAIL: " : "ok: ") + `${pages.length} pages x ${WIDTHS.length} widths x ${SCHEMES.length} schemes, ${bad} critical or serious\n` + lines.join("\n"));
}
main().catch((e) => { console.log("FAIL: " + e.message); process.exit(1); });
