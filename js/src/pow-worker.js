// Proof-of-work Web Worker (classic; the build inlines its imports).
//
// In:  {seed, difficulty, start, stride, engine?}  search start, start + stride, ...
//      engine: "auto" (default: WebAssembly SIMD if it loads, else JavaScript), "js", "wasm"
// In:  {type: "signals"} -> Out: {type: "signals", report} (see signals-worker.js)
// Out: {type: "progress", hashes}          nonces tried since the previous message, ~10/s
//      {type: "found", nonce, hashes, engine}   then the worker idles until terminated
//      {type: "error", message}            bad input, no such engine, or space exhausted

import { createSearch, newBatch, runFor } from "./pow.js";
import { searchBlock } from "./search-block.js";
import { loadSimdBlock } from "./simd.js";
import { workerReport } from "./signals-worker.js";

const PROGRESS_INTERVAL_MS = 100;
// Shipped next to this script, so the page only has to know the worker's URL.
const SIMD_URL = new URL("pow-simd.wasm", self.location.href).href;

/** The fastest block search available, honouring an explicit engine choice. */
async function chooseEngine(preference = "auto") {
  if (preference !== "js") {
    try {
      const block = await loadSimdBlock(SIMD_URL);
      if (block) return { engine: "wasm-simd", block };
    } catch {
      // Blocked (CSP without 'wasm-unsafe-eval'), missing or invalid: use JavaScript.
    }
    if (preference === "wasm") throw new Error("WebAssembly SIMD is unavailable");
  }
  return { engine: "js", block: searchBlock };
}

/**
 * Resolves once the worker's event loop has turned. Without this the search never
 * returns to it, and Chromium only stops a worker whose script keeps running 2 s after
 * terminate() (measured in Chromium 156): the losing workers of a solved puzzle would
 * burn every core for 2 s more. A MessageChannel round trip is not clamped like
 * setTimeout.
 */
function yieldToEventLoop() {
  if (typeof MessageChannel !== "function") return Promise.resolve();
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

async function solve(task) {
  const { engine, block } = await chooseEngine(task.engine);
  const search = createSearch({ ...task, block });
  const batch = newBatch();
  for (;;) {
    const result = runFor(search, PROGRESS_INTERVAL_MS, batch);
    if (result.nonce !== null) {
      self.postMessage({ type: "found", nonce: result.nonce, hashes: result.hashes, engine });
      return;
    }
    self.postMessage({ type: "progress", hashes: result.hashes });
    if (result.exhausted) throw new RangeError("nonce space exhausted");
    await yieldToEventLoop(); // lets terminate() and queued messages through
  }
}

self.onmessage = (event) => {
  // The page also asks a worker of this script for its view of the browser (signals).
  if (event.data && event.data.type === "signals") {
    self.postMessage({ type: "signals", report: workerReport(self) });
    return;
  }
  solve(event.data).catch((error) => {
    self.postMessage({ type: "error", message: String(error && error.message) });
  });
};
