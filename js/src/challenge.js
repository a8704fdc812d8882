// The challenge page script. It reads the challenge the server rendered into
// #humangate-challenge, runs the listed steps (proof-of-work today; signals and an
// interaction plug in as further steps), posts the solution and follows the redirect.
// The build inlines its imports; it runs under the page's strict CSP (no eval, no
// inline handlers, workers only from 'self').

import { createSearch, newBatch, runFor } from "./pow.js";
import { progressPercent } from "./progress.js";
import { resolveLanguage, textDirection } from "./i18n.js";
import { collectSignals } from "./signals.js";
import { runInteraction } from "./interaction.js";
import { ZERO_PROOF, keyedSeed, runProbe, signBody } from "./probe.js";

const MAX_WORKERS = 4;
const MAX_FAILURES = 3;
const ACTIONABLE_FAILURES = new Set(["failure_other_client", "failure_automated"]);
const RELOAD_DELAY_MS = 1500;
const MAIN_THREAD_SLICE_MS = 20;

// ---------------------------------------------------------------------------- steps

// Each step gets the challenge, the view and its parameters (step_params[name]) and
// resolves to {signals?, answer?, ...top-level fields}: verdicts merge into `signals`
// (verdicts only, never raw values), `answer` goes to `steps[name]`, and anything else
// (the proof-of-work's nonce) to the payload. The server lists the steps in `steps`.
// The probe's key (from its answers) seeds the proof-of-work and signs every post; it
// never leaves the page.
let probeKey = null;

const STEPS = {
  probe: (challenge, view, params) => {
    const { key, digests } = runProbe(params);
    probeKey = key;
    return { answer: { d: digests } };
  },
  pow: (challenge, view) =>
    runProofOfWork(probeKey ? { ...challenge, seed: keyedSeed(challenge.seed, probeKey) } : challenge, view),
  signals: async (challenge) => ({ signals: await collectSignals(challenge) }),
  interaction: () => runInteraction(),
};

// Plugin steps register their JS half here (docs/challenges.md).
globalThis.humangate = Object.freeze({
  registerStep(name, step) {
    if (typeof step === "function" && !(name in STEPS)) STEPS[name] = step;
  },
});

/** A plugin step's script, loaded with the page's CSP nonce; resolves once it ran. */
function loadStepScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    const own = document.querySelector("script[nonce]");
    script.nonce = own ? own.nonce : "";
    script.src = url;
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => reject(new Error(`cannot load ${url}`)));
    document.head.appendChild(script);
  });
}

async function runStep(name, challenge, view, payload) {
  if (!STEPS[name] && challenge.step_scripts && challenge.step_scripts[name]) {
    await loadStepScript(challenge.step_scripts[name]);
  }
  const step = STEPS[name];
  if (!step) throw new Error(`unknown challenge step: ${name}`);
  const params = (challenge.step_params && challenge.step_params[name]) || {};
  const { signals, answer, ...fields } = (await step(challenge, view, params)) || {};
  Object.assign(payload.signals, signals || {});
  if (answer !== undefined) payload.steps[name] = answer;
  Object.assign(payload, fields);
}

async function runSteps(challenge, view) {
  const payload = { ticket: challenge.ticket, signals: {}, steps: {} };
  for (const name of challenge.steps || ["pow"]) await runStep(name, challenge, view, payload);
  return payload;
}

async function runProofOfWork(challenge, view) {
  const started = performance.now();
  let hashes = 0;
  const onHashes = (count) => {
    hashes += count;
    view.progress(progressPercent(hashes, challenge.difficulty));
  };
  let found;
  try {
    found = await solveInWorkers(challenge, onHashes);
  } catch {
    // No Worker (an old browser), or CSP / a network error stopped the worker script:
    // the same search on this thread, in slices, so the page stays responsive.
    found = { nonce: await solveOnMainThread(challenge, onHashes), solver: "main" };
  }
  // `solver` names the engine that found the nonce ("wasm-simd" | "js" in a worker,
  // "main" on this thread): the server logs it for operators and the fallback tests.
  const elapsed_ms = Math.round(performance.now() - started);
  return { nonce: found.nonce, solver: found.solver, elapsed_ms };
}

// ------------------------------------------------------------------ proof-of-work

/**
 * Splits the nonce space over up to MAX_WORKERS workers: worker k tries k, k + n, ...
 * Resolves to {nonce, solver}: the engine the finding worker used.
 */
function solveInWorkers({ seed, difficulty, worker_url: workerUrl }, onHashes) {
  if (typeof Worker !== "function") return Promise.reject(new Error("no Worker"));
  const count = Math.min(navigator.hardwareConcurrency || 2, MAX_WORKERS);
  return new Promise((resolve, reject) => {
    const workers = [];
    const stop = () => workers.forEach((worker) => worker.terminate());
    const fail = (error) => {
      stop();
      reject(error);
    };
    const onMessage = ({ data }) => {
      if (data.type === "progress") {
        onHashes(data.hashes);
      } else if (data.type === "found") {
        stop();
        onHashes(data.hashes);
        resolve({ nonce: data.nonce, solver: data.engine });
      } else {
        fail(new Error(data.message));
      }
    };
    const onError = (event) => {
      event.preventDefault(); // handled here: fall back instead of logging an error
      fail(new Error("worker failed"));
    };
    try {
      for (let k = 0; k < count; k++) {
        const worker = new Worker(workerUrl);
        workers.push(worker);
        worker.addEventListener("message", onMessage);
        worker.addEventListener("error", onError);
        worker.postMessage({ seed, difficulty, start: k, stride: count });
      }
    } catch (error) {
      fail(error);
    }
  });
}

/** The same search in ~20 ms slices, yielding between them so the page stays live. */
async function solveOnMainThread({ seed, difficulty }, onHashes) {
  const search = createSearch({ seed, difficulty });
  const batch = newBatch();
  const nextTask = taskYielder();
  for (;;) {
    const result = runFor(search, MAIN_THREAD_SLICE_MS, batch);
    onHashes(result.hashes);
    if (result.nonce !== null) return result.nonce;
    if (result.exhausted) throw new RangeError("nonce space exhausted");
    await nextTask();
  }
}

// A MessageChannel message queues a new task without setTimeout's 4 ms nesting clamp,
// so input and rendering run between slices at little cost.
function taskYielder() {
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  return () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
}

// ----------------------------------------------------------------------- solving

/** The exact body posted: the payload, signed under the probe key when there is one. */
function solveBody(payload, key) {
  const body = JSON.stringify({ ...payload, proof: ZERO_PROOF });
  return key ? signBody(key, body) : body;
}

async function submit(url, payload) {
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: solveBody(payload, probeKey),
    });
    return await response.json();
  } catch {
    return { ok: false }; // network error or a body that is not JSON
  }
}

function isSameOriginPath(target) {
  if (typeof target !== "string") return false;
  try {
    return new URL(target, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------- page

/**
 * The widget. `say(key)` shows a catalog message and remembers the key, so a switch to
 * another language re-renders the current state instead of resetting it.
 */
function createView(challenge) {
  const byId = (id) => document.getElementById(id);
  const widget = byId("humangate-widget");
  const status = byId("humangate-status");
  const progress = byId("humangate-progress");
  const bar = byId("humangate-progress-bar");
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (bar) bar.style.transition = reduceMotion ? "none" : "width 150ms linear";
  const show = (id) => {
    const element = byId(id);
    if (element) element.hidden = false;
  };
  let messages = challenge.messages || {};
  let shown = { key: "working", text: "" };
  let shownPercent = -1;
  const view = {
    say(key, text) {
      shown = { key, text: text || "" };
      const message = messages[key] || text || messages.failed;
      if (status && message) status.textContent = message;
    },
    progress(percent) {
      if (percent === shownPercent) return; // spare the DOM ten identical updates a second
      shownPercent = percent;
      if (progress) progress.setAttribute("aria-valuenow", String(percent));
      if (bar) bar.style.width = `${percent}%`;
    },
    /** Nothing is working on any more: the progress bar would only mislead. */
    stop() {
      if (widget) widget.classList.add("hg-stopped");
    },
    showTroubleshooting() {
      show("humangate-troubleshooting");
      show("humangate-retry-row");
    },
    /** Re-render every text in `catalog` (language `code`), and lang/dir with it. */
    applyCatalog(code, catalog) {
      messages = { ...messages, ...catalog };
      const page = document.documentElement.hasAttribute("data-humangate-page");
      // On an owner's custom page only the widget is ours to translate.
      const scope = page ? document : widget;
      if (!scope) return;
      for (const element of scope.querySelectorAll("[data-i18n]")) {
        const text = catalog[element.getAttribute("data-i18n")];
        if (typeof text === "string") element.textContent = text;
      }
      for (const element of scope.querySelectorAll("[data-i18n-label]")) {
        const text = catalog[element.getAttribute("data-i18n-label")];
        if (typeof text === "string") element.setAttribute("aria-label", text);
      }
      for (const element of page ? [document.documentElement, widget] : [widget]) {
        if (!element) continue;
        element.lang = code;
        element.dir = textDirection(code);
      }
      view.say(shown.key, shown.text);
    },
  };
  return view;
}

/**
 * The seeds choose the language by navigator.language; the server pre-selected one
 * from Accept-Language for the first paint. Fetch the other catalog only if they differ.
 */
async function switchLanguage(challenge, view) {
  const supported = challenge.languages;
  if (challenge.language_forced || !Array.isArray(supported) || !challenge.i18n_url) return;
  const tags = [navigator.language, ...(navigator.languages || [])];
  const wanted = tags.map((tag) => resolveLanguage(tag, supported)).find(Boolean);
  if (!wanted || wanted === challenge.language) return;
  try {
    const response = await fetch(`${challenge.i18n_url}${wanted}.json`, {
      credentials: "same-origin",
    });
    if (!response.ok) return;
    view.applyCatalog(wanted, await response.json());
  } catch {
    // Keep the server's choice: a readable page beats a perfect language.
  }
}

/** Failed attempts on this path, kept across reloads; storage may be unavailable. */
function failureCounter(path) {
  const key = `humangate:failures:${path}`;
  const read = () => {
    try {
      return Number(sessionStorage.getItem(key)) || 0;
    } catch {
      return 0;
    }
  };
  return {
    count: read,
    increment() {
      const count = read() + 1;
      try {
        sessionStorage.setItem(key, String(count));
      } catch {
        // Without storage every reload starts over; the page still works.
      }
      return count;
    },
    clear() {
      try {
        sessionStorage.removeItem(key);
      } catch {
        // Nothing stored.
      }
    },
  };
}

function readChallenge() {
  return JSON.parse(document.getElementById("humangate-challenge").textContent);
}

async function main() {
  const challenge = readChallenge();
  const view = createView(challenge);
  const widget = document.getElementById("humangate-widget");
  // The inline compat script already explained an unsupported browser; stop here.
  // No Worker is not a reason to give up: the proof-of-work then runs on this thread
  // in slices, and signals that need a Worker report "na" (unavailable, neutral).
  if (widget && widget.classList.contains("hg-unsupported")) return;
  switchLanguage(challenge, view); // in parallel with the work; texts follow when ready
  const failures = failureCounter(location.pathname);
  const retry = document.getElementById("humangate-retry");
  if (retry) retry.addEventListener("click", () => location.reload());

  const fail = (key, text) => {
    const stopping = failures.increment() >= MAX_FAILURES;
    // Once retries stop, "a new one is on its way" would be untrue; reasons that tell
    // the visitor what to change stay, the rest become the plain failure text.
    view.say(stopping && !ACTIONABLE_FAILURES.has(key) ? "failed" : key, text);
    if (stopping) {
      view.stop();
      view.showTroubleshooting();
      return;
    }
    setTimeout(() => {
      view.say("retrying");
      location.reload();
    }, RELOAD_DELAY_MS);
  };

  if (!navigator.cookieEnabled) {
    // The clearance is a cookie: without cookies every solve would loop back here.
    view.stop();
    view.say("cookies_disabled");
    view.showTroubleshooting();
    return;
  }
  if (failures.count() >= MAX_FAILURES) view.showTroubleshooting();
  view.say("working");

  let payload;
  try {
    payload = await runSteps(challenge, view);
  } catch {
    fail("failed");
    return;
  }
  let result = await submit(challenge.solve_url, payload);
  if (result && result.reason === "interaction_required" && challenge.escalation) {
    // Managed challenge with uncertain signals: ask for the interaction on this page and
    // post the same (unspent) ticket again. Hard signals never get this far.
    view.say("failure_interaction_required", result.message);
    try {
      await runStep(challenge.escalation, challenge, view, payload);
    } catch {
      fail("failed");
      return;
    }
    result = await submit(challenge.solve_url, payload);
  }
  if (result && result.ok === true && isSameOriginPath(result.redirect)) {
    failures.clear();
    view.progress(100);
    view.say("success");
    location.replace(result.redirect);
  } else {
    // Our own catalog's text for the reason (it follows a language switch); the
    // server's message when the reason is new to this page.
    const reason = result && typeof result.reason === "string" ? result.reason : "";
    const text = result && typeof result.message === "string" ? result.message : "";
    fail(reason ? `failure_${reason}` : "failed", text);
  }
}

main().catch(() => {
  // The page itself is broken (no challenge data): point the visitor at the help.
  for (const id of ["humangate-troubleshooting", "humangate-retry-row"]) {
    const element = document.getElementById(id);
    if (element) element.hidden = false;
  }
});
