// The challenge page script. It reads the challenge the server rendered into
// #humangate-challenge, runs the listed steps (proof-of-work today; signals and an
// interaction plug in as further steps), posts the solution and follows the redirect.
// The build inlines its imports; it runs under the page's strict CSP (no eval, no
// inline handlers, workers only from 'self').

import { createSearch, newBatch, runFor } from "./pow.js";
import { progressPercent } from "./progress.js";

const MAX_WORKERS = 4;
const MAX_FAILURES = 3;
const RELOAD_DELAY_MS = 1500;
const MAIN_THREAD_SLICE_MS = 20;

// ---------------------------------------------------------------------------- steps

// Each step gets the challenge and the view and resolves to the fields it adds to the
// solve payload. The server lists the steps to run in `steps`, in order.
const STEPS = {
  pow: runProofOfWork,
};

async function runSteps(challenge, view) {
  const payload = { ticket: challenge.ticket, signals: collectSignals() };
  for (const name of challenge.steps || ["pow"]) {
    const step = STEPS[name];
    if (!step) throw new Error(`unknown challenge step: ${name}`);
    Object.assign(payload, await step(challenge, view));
  }
  return payload;
}

// Verdicts only (true/false per check), never raw fingerprint values. The server refuses
// a solve whose page saw navigator.webdriver set: the browser is remote-controlled.
function collectSignals() {
  return { webdriver: navigator.webdriver === true };
}

async function runProofOfWork(challenge, view) {
  const started = performance.now();
  let hashes = 0;
  const onHashes = (count) => {
    hashes += count;
    view.progress(progressPercent(hashes, challenge.difficulty));
  };
  let nonce;
  try {
    nonce = await solveInWorkers(challenge, onHashes);
  } catch {
    // No Worker support, or CSP / a network error stopped the worker script.
    nonce = await solveOnMainThread(challenge, onHashes);
  }
  return { nonce, elapsed_ms: Math.round(performance.now() - started) };
}

// ------------------------------------------------------------------ proof-of-work

/** Splits the nonce space over up to MAX_WORKERS workers: worker k tries k, k + n, ... */
function solveInWorkers({ seed, difficulty, worker_url: workerUrl }, onHashes) {
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
        resolve(data.nonce);
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

async function submit(url, payload) {
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
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

function createView() {
  const status = document.getElementById("humangate-status");
  const progress = document.getElementById("humangate-progress");
  const bar = document.getElementById("humangate-progress-bar");
  const troubleshooting = document.getElementById("humangate-troubleshooting");
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (bar) bar.style.transition = reduceMotion ? "none" : "width 150ms linear";
  let shownPercent = -1;
  return {
    status(text) {
      if (status && text) status.textContent = text;
    },
    progress(percent) {
      if (percent === shownPercent) return; // spare the DOM ten identical updates a second
      shownPercent = percent;
      if (progress) progress.setAttribute("aria-valuenow", String(percent));
      if (bar) bar.style.width = `${percent}%`;
    },
    showTroubleshooting() {
      if (troubleshooting) troubleshooting.hidden = false;
    },
  };
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
  const messages = challenge.messages || {};
  const view = createView();
  const failures = failureCounter(location.pathname);

  const fail = (message) => {
    view.status(message || messages.failed);
    if (failures.increment() >= MAX_FAILURES) {
      view.showTroubleshooting();
      return;
    }
    setTimeout(() => {
      view.status(messages.retrying);
      location.reload();
    }, RELOAD_DELAY_MS);
  };

  if (!navigator.cookieEnabled) {
    view.status(messages.cookies_disabled || messages.failed);
    view.showTroubleshooting();
    return;
  }
  if (failures.count() >= MAX_FAILURES) view.showTroubleshooting();
  view.status(messages.working);

  let payload;
  try {
    payload = await runSteps(challenge, view);
  } catch {
    fail(messages.failed);
    return;
  }
  const result = await submit(challenge.solve_url, payload);
  if (result && result.ok === true && isSameOriginPath(result.redirect)) {
    failures.clear();
    view.progress(100);
    view.status(messages.success);
    location.replace(result.redirect);
  } else {
    fail(result && typeof result.message === "string" ? result.message : messages.failed);
  }
}

main().catch(() => {
  // The page itself is broken (no challenge data): point the visitor at the help.
  const help = document.getElementById("humangate-troubleshooting");
  if (help) help.hidden = false;
});
