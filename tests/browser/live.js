// What an editor sees in the browser while `pinakes serve --watch` runs:
// on an open policy page, saves an edit and waits for it to show; breaks a
// wikilink and reads the error overlay (the place, the line with the link
// marked, the hint); fixes it and waits for the page to
// come back; changes the stylesheet and checks it is swapped without a
// reload. Prints the time from each save to the change on screen.
//
// usage: node --experimental-websocket tests/browser/live.js CHROMIUM PAGE_URL SITE_ROOT POLICY_FILE
"use strict";
const fs = require("fs");
const path = require("path");
const { open } = require("./cdp");
const [chromium, url, root, policy] = process.argv.slice(2);

async function main() {
  const { send, evaluate, until, done } = await open(chromium, { width: 390, height: 844 });
  const file = path.join(root, policy);
  const original = fs.readFileSync(file, "utf8");
  const connected = "document.readyState === 'complete' && document.documentElement.dataset.pinakesLive === 'connected'";
  // Polled often: the time from a save to the screen is what is reported.
  const fast = { every: 5, tries: 2000 };
  const timed = async (expr, what) => {
    const start = Date.now();
    await until(expr, what, fast);
    return Date.now() - start;
  };

  await send("Page.navigate", { url });
  await until(connected, "the page and its live-reload connection");

  // 1. An edit shows after a reload.
  const text = "浏览器里看到的修改。";
  fs.writeFileSync(file, original + "\n" + text + "\n");
  const edit = await timed(`document.body && document.body.innerText.includes('${text}')`, "the edit");
  await until(connected, "the reloaded page's connection");

  // 2. A broken wikilink: the overlay says where and what to do.
  const broken = original.replace("[[先进制造业集群培育]]", "[[先进制造业集群培养]]");
  if (broken === original) return done(1, "FAIL: the policy has no link to break");
  const line = original.split("\n").findIndex((l) => l.includes("[[先进制造业集群培育]]")) + 1;
  fs.writeFileSync(file, broken);
  const shown = await timed("document.getElementById('pinakes-error-overlay')", "the error overlay");
  const overlay = await evaluate("document.getElementById('pinakes-error-overlay').innerText");
  for (const want of [`${policy}:${line}:`, "先进制造业集群培养", "hint: did you mean `先进制造业集群培育`"]) {
    if (!overlay.includes(want)) return done(1, `FAIL: the overlay lacks "${want}":\n${overlay}`);
  }
  const marked = await evaluate("document.querySelector('#pinakes-error-overlay pre mark').textContent");
  if (marked !== "[[先进制造业集群培养]]") return done(1, `FAIL: the overlay marks "${marked}", not the link`);

  // 3. Fixed: the overlay goes and the page is back, edit included.
  fs.writeFileSync(file, original + "\n" + text + "\n");
  const fixed = await timed(`!document.getElementById('pinakes-error-overlay') && document.body.innerText.includes('${text}')`, "the fixed page");
  await until(connected, "the reloaded page's connection");

  // 4. A stylesheet change is swapped in place: the page is not reloaded.
  await evaluate("window.__notReloaded = true");
  const css = path.join(root, "static", "style.css");
  fs.mkdirSync(path.dirname(css), { recursive: true });
  fs.writeFileSync(css, await (await fetch(new URL("/style.css", url))).text() + "\nbody { outline: 3px solid rgb(255, 0, 0); }\n");
  const swapped = await timed("getComputedStyle(document.body).outlineColor === 'rgb(255, 0, 0)'", "the new stylesheet");
  if (!(await evaluate("window.__notReloaded === true"))) return done(1, "FAIL: the page reloaded for a stylesheet change");

  fs.writeFileSync(file, original);
  done(0, `ok: save to screen: edit ${edit} ms, error overlay ${shown} ms (${policy}:${line}), fixed ${fixed} ms, stylesheet swapped in ${swapped} ms without a reload`);
}
main().catch((e) => { console.log("FAIL: " + e.message); process.exit(1); });
