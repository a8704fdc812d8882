// The challenge steps and how a solution is posted: shared by the challenge page
// (challenge.js) and the Turnstile-compatible widget's frame (turnstile-frame.js).

import { createSearch, newBatch, runFor } from "./pow.js";
import { progressPercent } from "./progress.js";
import { collectSignals } from "./signals.js";
import { runInteraction } from "./interaction.js";
import { ZERO_PROOF, keyedSeed, runProbe, signBody } from "./probe.js";
import { activationEvidence, auditStep, settled, startPointerLog } from "./cdp.js";

const MAX_WORKERS = 4;
const MAIN_THREAD_SLICE_MS = 20;

// ---------------------------------------------------------------------------- steps

// Each step gets the challenge, the view and its parameters (step_params[name]) and
// resolves to {signals?, answer?, evidence?, ...top-level fields}: verdicts merge into
// `signals` (verdicts only, never raw values), `answer` goes to `steps[name]`, `evidence`
// ({name: raw observations}) into `steps` for the server to judge, and anything else
// (the proof-of-work's nonce) to the payload. The server lists the steps in `steps`.
// The probe's key (from its answers) seeds the proof-of-work and signs every post; it
// never leaves the page.
let probeKey = null;
// Pointer positions and presses from the start (cdp.js): the activation's evidence.
const pointerLog = typeof window === "object" ? startPointerLog(window) : null;

// The page carries only the ticket: its program is fetched from probe_url, started
// before the first step so the round trip overlaps the others (runSteps).
let programFetch = null;

/** The ticket's probe program, from the server (engine/routes.py, `{prefix}probe`). */
async function fetchProgram(challenge) {
  const url = `${challenge.probe_url}?ticket=${encodeURIComponent(challenge.ticket)}`;
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`probe program: HTTP ${response.status}`);
  return response.json();
}

const STEPS = {
  probe: async (challenge, view, params) => {
    // Inline (the detection script's ticket answer carries it) or fetched.
    const program = params.p ? params : await (programFetch || fetchProgram(challenge));
    const { key, digests } = runProbe(program);
    probeKey = key;
    return { answer: { d: digests } };
  },
  pow: (challenge, view) =>
    runProofOfWork(probeKey ? { ...challenge, seed: keyedSeed(challenge.seed, probeKey) } : challenge, view),
  signals: async (challenge) => ({ signals: await collectSignals(challenge) }),
  cdp: (challenge, view, params) => auditStep(challenge, params),
  // The widget's frame sets focus_interaction false: it sits inside the site's own form.
  interaction: async (challenge, view, params) => ({
    ...(await runInteraction(params, document, undefined, challenge.focus_interaction !== false)),
    evidence: pointerLog ? { activation: activationEvidence(pointerLog) } : {},
  }),
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

export async function runStep(name, challenge, view, payload) {
  if (!STEPS[name] && challenge.step_scripts && challenge.step_scripts[name]) {
    await loadStepScript(challenge.step_scripts[name]);
  }
  const step = STEPS[name];
  if (!step) throw new Error(`unknown challenge step: ${name}`);
  const params = (challenge.step_params && challenge.step_params[name]) || {};
  const { signals, answer, evidence, ...fields } = (await step(challenge, view, params)) || {};
  Object.assign(payload.signals, signals || {});
  if (answer !== undefined) payload.steps[name] = answer;
  Object.assign(payload.steps, evidence || {});
  Object.assign(payload, fields);
}

export async function runSteps(challenge, view) {
  const payload = { ticket: challenge.ticket, signals: {}, steps: {} };
  const probe = challenge.step_params && challenge.step_params.probe;
  programFetch = probe && !probe.p && challenge.probe_url ? fetchProgram(challenge) : null;
  // Its failure is the probe step's to report, when that step awaits it.
  if (programFetch) programFetch.catch(() => {});
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

export async function submit(url, payload) {
  await settled(); // the hyperlink-auditing ping's cookie (cdp.js), at most 1.5 s
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
