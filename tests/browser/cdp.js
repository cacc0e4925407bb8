// A headless Chromium driven through the DevTools protocol, for the browser
// tests (node --experimental-websocket; no package needed).
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Starts Chromium and attaches to its page. `done(code, msg)` prints the
/// message, stops the browser and exits; a test that hangs fails after
/// `timeoutMs`.
async function open(chromium, { width = 1280, height = 900, timeoutMs = 60000 } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pinakes-chromium-"));
  const browser = spawn(chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--remote-debugging-port=0", "--user-data-dir=" + profile,
    `--window-size=${width},${height}`, "about:blank",
  ], { stdio: "ignore" });
  // However the script ends (a thrown error included), the browser goes too.
  process.on("exit", () => {
    browser.kill();
    try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* still in use */ }
  });
  function done(code, msg) {
    console.log(msg);
    process.exit(code);
  }
  setTimeout(() => done(1, "FAIL: timed out"), timeoutMs).unref();

  // A first start after installing builds the font caches (the CJK fonts
  // are large): on a busy 2-core machine that took over 10 s. The test's
  // own timeout bounds the wait.
  let port;
  const deadline = Date.now() + timeoutMs;
  while (!port && Date.now() < deadline) {
    try {
      port = fs.readFileSync(path.join(profile, "DevToolsActivePort"), "utf8").split("\n")[0];
    } catch (e) { await sleep(50); }
  }
  if (!port) done(1, "FAIL: Chromium did not start");
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
  const evaluate = async (expr) => {
    const r = await send("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true });
    return r.result && r.result.result ? r.result.result.value : undefined;
  };
  /// Polls `expr` every `every` ms until it is truthy; returns its value.
  const until = async (expr, what, { every = 100, tries = 100 } = {}) => {
    for (let i = 0; i < tries; i++) {
      const v = await evaluate(expr);
      if (v) return v;
      await sleep(every);
    }
    throw new Error("timed out waiting for " + what);
  };
  const key = async (k, code) => {
    await send("Input.dispatchKeyEvent", { type: "rawKeyDown", key: k, code: k, windowsVirtualKeyCode: code });
    await send("Input.dispatchKeyEvent", { type: "keyUp", key: k, code: k, windowsVirtualKeyCode: code });
  };
  await send("Page.enable");
  return { send, evaluate, until, key, done };
}

module.exports = { open, sleep };
