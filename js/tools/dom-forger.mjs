// An adversary for the e2e suite (e2e/test_forgers.py): runs the challenge page's own
// script in Node with a DOM emulator (jsdom or happy-dom) instead of a browser, with
// every missing global filled in from Node, clicks the interaction button when the page
// shows it, and counts how many attempts the server accepts.
//
//   node js/tools/dom-forger.mjs <jsdom|happy-dom> <base url> <path> <attempts>
//
// Prints one JSON line: {"dom", "attempts", "passed", "reasons": {reason: count}}.

import { JSDOM, VirtualConsole } from "jsdom";
import { Window } from "happy-dom";

const UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const [dom, base, path, count] = process.argv.slice(2);
const ATTEMPT_TIMEOUT_MS = 20000;

function client() {
  const jar = new Map();
  return async (url, init = {}) => {
    const headers = {
      "user-agent": UA,
      "accept-language": "en-US,en;q=0.9",
      origin: base,
      ...(init.headers || {}),
    };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
}

function fillGlobals(win) {
  // What a careful forger adds so the page script runs to the end.
  const extras = {
    TextEncoder,
    TextDecoder,
    MessageChannel,
    crypto: globalThis.crypto,
    performance: globalThis.performance,
    matchMedia: () => ({ matches: false, addEventListener() {}, removeEventListener() {} }),
  };
  for (const [name, value] of Object.entries(extras)) {
    try {
      if (!win[name]) win[name] = value;
    } catch {
      // read-only in this emulator: keep its own
    }
  }
}

function openPage(html, url, fetcher) {
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, (tag) =>
    tag.includes('type="application/json"') ? tag : "",
  );
  if (dom === "jsdom") {
    const virtualConsole = new VirtualConsole();
    const page = new JSDOM(markup, { url, runScripts: "dangerously", pretendToBeVisual: true, userAgent: UA, virtualConsole });
    return { win: page.window, close: () => page.window.close() };
  }
  const win = new Window({
    url,
    settings: {
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      enableJavaScriptEvaluation: true, // off by default since v20
      suppressInsecureJavaScriptEnvironmentWarning: true,
      navigator: { userAgent: UA },
    },
  });
  win.document.write(markup);
  return { win, close: () => win.happyDOM.abort().then(() => win.close()) };
}

async function attempt(fetcher) {
  const url = base + path;
  const html = await (await fetcher(url, { headers: { accept: "text/html" } })).text();
  const script = await (await fetcher(`${base}/.humangate/static/challenge.js`)).text();
  const { win, close } = openPage(html, url, fetcher);
  fillGlobals(win);
  let settle;
  const verdict = new Promise((resolve) => (settle = resolve));
  const answers = [];
  win.fetch = async (target, init = {}) => {
    const response = await fetcher(new URL(String(target), url).href, init);
    if (String(target).includes("/solve")) {
      const data = await response.clone().json();
      answers.push(data);
      if (data.ok === true || data.reason !== "interaction_required") settle(data);
    }
    return response;
  };
  const element = win.document.createElement("script");
  element.textContent = script;
  win.document.body.appendChild(element);
  const clicker = setInterval(() => {
    const box = win.document.getElementById("humangate-interaction");
    const button = win.document.getElementById("humangate-interaction-button");
    if (box && button && !box.hidden) button.click();
  }, 50);
  const timer = new Promise((resolve) => setTimeout(() => resolve({ ok: false, reason: "no_answer" }), ATTEMPT_TIMEOUT_MS));
  const result = await Promise.race([verdict, timer]);
  clearInterval(clicker);
  try {
    await close();
  } catch {
    // already gone
  }
  return result;
}

const CONCURRENCY = 8;
const reasons = {};
let passed = 0;
let next = 0;
async function worker() {
  while (next < Number(count)) {
    next++;
    let result;
    try {
      result = await attempt(client());
    } catch (error) {
      result = { ok: false, reason: `error:${error.name}` };
    }
    if (result.ok === true) passed++;
    const reason = result.ok === true ? "passed" : String(result.reason);
    reasons[reason] = (reasons[reason] || 0) + 1;
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
console.log(JSON.stringify({ dom, attempts: Number(count), passed, reasons }));
process.exit(0);
