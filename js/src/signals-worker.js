// Signals seen from inside a dedicated Worker (H2 worker UA, H4 CDP probe, H6 values,
// OffscreenCanvas WebGL renderer) and a SharedWorker (UA and platform).
// Stealth kits patch the page with init scripts that never run in workers, and a CDP
// User-Agent override does not reach them, so the Worker is the honest witness. Its raw
// values go only to the page (postMessage), which compares them and reports verdicts.

/** Whether a DevTools-protocol client serialised a logged Error (both probe variants). */
export function cdpProbe(scope) {
  let touched = false;
  // Variant 1: a user-defined `stack` getter runs when V8 builds the console event
  // (older Chromium; getErrorProperty skips it on current builds).
  try {
    const error = new Error("humangate");
    Object.defineProperty(error, "stack", {
      configurable: true,
      get() {
        touched = true;
        return "";
      },
    });
    scope.console.debug(error);
  } catch {
    // console missing or locked down: no verdict from this variant.
  }
  const getter = touched;
  touched = false;
  // Variant 2: the native `stack` accessor still calls Error.prepareStackTrace while the
  // event is built. A fresh Error each time: its stack is formatted only once.
  const ErrorType = scope.Error;
  const saved = ErrorType.prepareStackTrace;
  try {
    ErrorType.prepareStackTrace = (error, frames) => {
      touched = true;
      return typeof saved === "function" ? saved(error, frames) : String(error);
    };
    scope.console.debug(new ErrorType("humangate"));
  } catch {
    // As above.
  } finally {
    ErrorType.prepareStackTrace = saved; // restore the page's own hook (or its absence)
  }
  return { getter, prepare: touched };
}

/**
 * The WebGL vendor and renderer a canvas (or OffscreenCanvas) context reports, or null
 * when there is no WebGL (software or no WebGL is normal: only page vs Worker is judged).
 * `unmasked` is null where WEBGL_debug_renderer_info is unavailable (e.g. Firefox with
 * resistFingerprinting). The context is released right away.
 */
export function glIdentity(canvas) {
  let gl = null;
  try {
    gl = canvas.getContext("webgl");
  } catch {
    return null;
  }
  if (!gl) return null;
  try {
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    return {
      vendor: String(gl.getParameter(gl.VENDOR)),
      renderer: String(gl.getParameter(gl.RENDERER)),
      unmasked: info
        ? `${gl.getParameter(info.UNMASKED_VENDOR_WEBGL)}|${gl.getParameter(info.UNMASKED_RENDERER_WEBGL)}`
        : null,
    };
  } catch {
    return null;
  } finally {
    try {
      const lose = gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
    } catch {
      // released with the canvas anyway
    }
  }
}

function offscreenRenderer(scope) {
  try {
    return typeof scope.OffscreenCanvas === "function" ? glIdentity(new scope.OffscreenCanvas(1, 1)) : null;
  } catch {
    return null;
  }
}

/** What a SharedWorker reports: the values a page-only User-Agent override misses. */
export function sharedWorkerReport(scope) {
  return { userAgent: scope.navigator.userAgent, platform: scope.navigator.platform };
}

/** Answer {type: "signals"} on every port connecting to this SharedWorker. */
export function serveSharedWorker(scope) {
  scope.addEventListener("connect", (event) => {
    const port = event.ports[0];
    port.onmessage = ({ data }) => {
      if (data && data.type === "signals") {
        port.postMessage({ type: "signals", report: sharedWorkerReport(scope) });
      }
    };
  });
}

// The page also starts this script (pow-worker.js) as a SharedWorker; it then only
// answers on its ports. A SharedWorker lives while the page does: nothing persists.
if (typeof SharedWorkerGlobalScope === "function" && self instanceof SharedWorkerGlobalScope) {
  serveSharedWorker(self);
}

/** What the Worker reports to the page. */
export function workerReport(scope) {
  const nav = scope.navigator;
  const chromium = /\bChrom(?:e|ium)\//.test(nav.userAgent);
  let timeZone = "";
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    // Intl unavailable: compared as empty on both sides.
  }
  return {
    userAgent: nav.userAgent,
    platform: nav.platform,
    languages: Array.from(nav.languages || []).join(","),
    hardwareConcurrency: nav.hardwareConcurrency,
    timeZone,
    // The probe is V8/CDP-specific; other engines are not judged by it.
    cdp: chromium ? cdpProbe(scope) : null,
    renderer: offscreenRenderer(scope),
  };
}
