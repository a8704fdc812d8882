// Signals seen from inside a dedicated Worker (H2 worker UA, H4 CDP probe, H6 values).
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
  };
}
