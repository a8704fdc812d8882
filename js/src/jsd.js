// JavaScript Detections (docs/js-detections.md): the invisible script humangate injects
// into HTML pages (or an owner loads as {prefix}jsd/api.js?onload=fn). It asks
// {prefix}jsd/ticket for a detection ticket, runs the ticket's probe program, a light
// proof-of-work and the challenge page's own signal checks, and posts them to
// {prefix}jsd. The server judges them and keeps the result in the clearance cookie for
// 15 minutes; the script runs again before that on a page left open. It shows nothing,
// writes to no storage, makes no inline script or style, and starts Workers only when
// the injected tag allows it (the page's CSP does: data-workers="0" when it does not).

import { createSearch, newBatch, runFor } from "./pow.js";
import { ZERO_PROOF, keyedSeed, runProbe, signBody } from "./probe.js";
import { collectSignals } from "./signals.js";

const JSD_SLICE_MS = 8;
const JSD_RETRY_S = 60;
const JSD_MIN_NEXT_S = 30;
const JSD_MAX_NEXT_S = 3600;
const JSD_API = "jsd/api.js";
const JSD_RUNNING = Symbol.for("humangate.jsd");

/** The prefix humangate serves under, from this script's own URL. */
export function jsdPrefix(src, base) {
  const path = new URL(src, base).pathname;
  for (const marker of [JSD_API, "static/"]) {
    const at = path.lastIndexOf(marker);
    if (at > 0) return path.slice(0, at);
  }
  return "/.humangate/";
}

/** The `onload` callback name of an API-mode URL, if it is a plain global name. */
export function jsdOnload(src, base) {
  const name = new URL(src, base).searchParams.get("onload") || "";
  return /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : "";
}

/** Seconds until the next run: the server's word, kept within sane bounds. */
export function jsdNext(value, fallback) {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) return fallback;
  return Math.min(Math.max(seconds, JSD_MIN_NEXT_S), JSD_MAX_NEXT_S);
}

function jsdYield() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The proof-of-work on this thread, in short slices (it is light: a few thousand hashes). */
async function jsdSolve(seed, difficulty) {
  const search = createSearch({ seed, difficulty });
  const batch = newBatch();
  for (;;) {
    const result = runFor(search, JSD_SLICE_MS, batch);
    if (result.nonce !== null) return result.nonce;
    if (result.exhausted) throw new RangeError("nonce space exhausted");
    await jsdYield();
  }
}

async function jsdJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

/** One detection. Resolves to {ok, next}: whether it ran and was recorded, and when to run again. */
export async function jsdDetect(prefix, workers, env = {}) {
  const fetchImpl = env.fetch || globalThis.fetch.bind(globalThis);
  const response = await fetchImpl(`${prefix}jsd/ticket`, {
    credentials: "same-origin",
    cache: "no-store",
    headers: { accept: "application/json" },
  });
  const data = await jsdJson(response);
  if (!response.ok) return { ok: false, next: JSD_RETRY_S };
  if (data.fresh) return { ok: true, next: jsdNext(data.next, JSD_RETRY_S) };
  const challenge = { ...data, worker_url: workers ? data.worker_url : "" };
  const probe = (env.runProbe || runProbe)(data.step_params.probe);
  const nonce = await jsdSolve(keyedSeed(data.seed, probe.key), data.difficulty);
  const signals = await (env.collectSignals || collectSignals)(challenge);
  const payload = { ticket: data.ticket, nonce, signals, steps: { probe: { d: probe.digests } } };
  const body = signBody(probe.key, JSON.stringify({ ...payload, proof: ZERO_PROOF }));
  const posted = await fetchImpl(data.post_url || `${prefix}jsd`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body,
  });
  const result = await jsdJson(posted);
  const ok = posted.ok && result.ok === true;
  return { ok, next: ok ? jsdNext(result.next, JSD_RETRY_S) : JSD_RETRY_S };
}

/** Run now, then again before the result expires, for as long as the page is open. */
function jsdKeepRunning(prefix, workers) {
  const run = () =>
    jsdDetect(prefix, workers).then(
      ({ next }) => setTimeout(run, next * 1000),
      () => setTimeout(run, JSD_RETRY_S * 1000),
    );
  if (typeof requestIdleCallback === "function") requestIdleCallback(run, { timeout: 2000 });
  else setTimeout(run, 0);
}

/** API mode: window.humangate.jsd.executeOnce({callback}) (and window.cloudflare.jsd). */
function jsdInstallApi(prefix, workers) {
  let once = null;
  const api = Object.freeze({
    executeOnce(options = {}) {
      if (!once) {
        once = jsdDetect(prefix, workers).then(
          ({ ok }) => (ok ? "success" : "error"),
          () => "error",
        );
      }
      const callback = options && options.callback;
      // "success" says the detection ran and was recorded, not that the visitor passed.
      if (typeof callback === "function") once.then((result) => callback(result));
      return once;
    },
  });
  window.humangate = Object.freeze({ ...(window.humangate || {}), jsd: api });
  window.cloudflare = Object.freeze({ ...(window.cloudflare || {}), jsd: api });
}

function jsdStart() {
  const script = document.currentScript;
  if (!script || !script.src || window[JSD_RUNNING]) return;
  window[JSD_RUNNING] = true;
  const prefix = jsdPrefix(script.src, location.href);
  const workers = script.dataset.workers !== "0";
  if (new URL(script.src, location.href).pathname.endsWith(JSD_API)) {
    jsdInstallApi(prefix, workers);
    const onload = jsdOnload(script.src, location.href);
    if (onload && typeof window[onload] === "function") window[onload]();
    return;
  }
  // The injected copy. An owner who placed the API script on this page runs it there.
  const placed = () => document.querySelector(`script[src*="${JSD_API}"]`);
  const begin = () => {
    if (!placed()) jsdKeepRunning(prefix, workers);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", begin, { once: true });
  else begin();
}

if (typeof document !== "undefined" && typeof window !== "undefined") jsdStart();
