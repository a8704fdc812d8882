// Page-side automation checks (automation-detection.md §6, H1-H7). Every check yields a
// verdict: "pass", "fail", or "na" when the API is unavailable (privacy tools, other
// engines); only these verdicts leave the browser. None of the §3 "never" signals
// (WebGL, screen, fonts, media devices, hardware, timezone as such) is judged.

import { sha256 } from "./sha256.js";
import { cdpProbe } from "./signals-worker.js";

const HEADLESS = /HeadlessChrome/;
const SIGNAL_WORKER_TIMEOUT_MS = 2000;
// BotD's distinctive properties, chromedriver's cdc_ globals, Playwright's bindings.
const AUTOMATION_GLOBALS = [
  "_phantom", "callPhantom", "__nightmare", "_selenium", "callSelenium",
  "_Selenium_IDE_Recorder", "__webdriver_evaluate", "__selenium_evaluate",
  "__webdriver_script_function", "__webdriver_script_func", "__webdriver_script_fn",
  "__fxdriver_evaluate", "__driver_unwrapped", "__webdriver_unwrapped",
  "__driver_evaluate", "__selenium_unwrapped", "__fxdriver_unwrapped",
  "$cdc_asdjflasutopfhvcZLmcfl_", "$chrome_asyncScriptInfo", "domAutomation",
  "domAutomationController", "__playwright__binding__", "__pwInitScripts",
  "__playwright_evaluation_script__", "__puppeteer_evaluation_script__",
  "Cypress", "__lastWatirAlert", "__lastWatirConfirm", "__lastWatirPrompt",
];
const DRIVER_GLOBAL = /^(?:[a-z]{3}_.*_(?:Array|Promise|Symbol)|\$?cdc_|__(?:webdriver|selenium|driver|fxdriver)_)/;
const DRIVER_ATTRIBUTE = /selenium|webdriver|driver/i;
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

const verdict = (failed) => (failed ? "fail" : "pass");

/** Run `check`; an exception means the API is unavailable here: "na". */
function guarded(check) {
  try {
    return check();
  } catch {
    return "na";
  }
}

function chromeMajor(userAgent) {
  const match = /\bChrom(?:e|ium)\/(\d+)/.exec(userAgent);
  return match && !/\bFirefox\//.test(userAgent) ? Number(match[1]) : 0;
}

export function hexDigest(text) {
  const bytes = sha256(new TextEncoder().encode(text));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

export function primaryLanguage(languages) {
  const first = (languages && languages[0]) || "";
  return first.split(",")[0].split(";")[0].trim().toLowerCase();
}

/** A fresh same-origin realm (an attached, hidden, src-less iframe); null if refused. */
function withFreshRealm(doc, use) {
  const frame = doc.createElement("iframe");
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.style.display = "none";
  doc.body.appendChild(frame);
  try {
    return use(frame.contentWindow);
  } finally {
    frame.remove();
  }
}

function automationGlobals(win, doc) {
  for (const name of AUTOMATION_GLOBALS) {
    if (name in win || name in doc) return true;
  }
  for (const name of [...Object.getOwnPropertyNames(win), ...Object.getOwnPropertyNames(doc)]) {
    if (DRIVER_GLOBAL.test(name)) return true;
  }
  return doc.documentElement.getAttributeNames().some((n) => DRIVER_ATTRIBUTE.test(n));
}

function nativeToString(win, realm) {
  const toString = win.Function.prototype.toString;
  if ("prototype" in toString) return "fail";
  try {
    new toString(); // eslint-disable-line new-cap -- a native method is not a constructor
    return "fail";
  } catch {
    // expected
  }
  const other = realm ? realm.Function.prototype.toString : toString;
  // The other realm's untouched toString judges this realm's one (cross-realm check).
  return verdict(!NATIVE.test(other.call(toString)) || !NATIVE.test(toString.call(toString)));
}

function descriptorInChain(object, name) {
  for (let o = object; o; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (descriptor) return descriptor;
  }
  return undefined;
}

function pluginsConsistent(nav, win) {
  if (!("pdfViewerEnabled" in nav) || !nav.plugins) return "na";
  // By spec: exactly the 5 standard PDF plugins when the viewer is enabled, else none.
  const count = nav.plugins.length;
  const typed = !win.PluginArray || nav.plugins instanceof win.PluginArray;
  return verdict(!typed || (count !== 0 && count !== 5) || (!nav.pdfViewerEnabled && count > 0));
}

function uaDataConsistent(nav) {
  const major = chromeMajor(nav.userAgent);
  const brands = nav.userAgentData && nav.userAgentData.brands;
  if (!major || !brands || brands.length === 0) return "na";
  const majors = brands.filter((b) => !/Not.?A.?Brand/i.test(b.brand)).map((b) => Number(b.version));
  return majors.length ? verdict(!majors.includes(major)) : "na";
}

async function notificationMismatch(win, nav) {
  if (!chromeMajor(nav.userAgent) || !win.Notification || !nav.permissions) return "na";
  const status = await nav.permissions.query({ name: "notifications" });
  return verdict(win.Notification.permission === "denied" && status.state === "prompt");
}

/** The Worker's report (see signals-worker.js), or null if no Worker could run. */
function askWorker(workerUrl, timeoutMs = SIGNAL_WORKER_TIMEOUT_MS) {
  return new Promise((resolve) => {
    let worker;
    const done = (value) => {
      clearTimeout(timer);
      if (worker) worker.terminate();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    try {
      worker = new Worker(workerUrl);
      worker.addEventListener("message", ({ data }) => {
        if (data && data.type === "signals") done(data.report);
      });
      worker.addEventListener("error", (event) => {
        event.preventDefault();
        done(null);
      });
      worker.postMessage({ type: "signals" });
    } catch {
      done(null);
    }
  });
}

export function compareWithWorker(nav, timeZone, report) {
  if (!report) return { headless_worker_ua: "na", cdp_worker: "na", worker_consistent: "na" };
  const cdp = report.cdp;
  const differs =
    report.userAgent !== nav.userAgent ||
    report.platform !== nav.platform ||
    report.languages !== Array.from(nav.languages || []).join(",") ||
    report.hardwareConcurrency !== nav.hardwareConcurrency ||
    report.timeZone !== timeZone;
  return {
    headless_worker_ua: verdict(HEADLESS.test(report.userAgent)),
    cdp_worker: cdp ? verdict(cdp.getter || cdp.prepare) : "na",
    worker_consistent: verdict(differs),
  };
}

/** Every page and Worker verdict. `env` is injectable for tests. */
export async function collectSignals(challenge, env = {}) {
  const win = env.window || globalThis;
  const doc = env.document || win.document;
  const nav = win.navigator;
  const ua = nav.userAgent;
  const major = chromeMajor(ua);
  let timeZone = "";
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    // compared as empty
  }
  const report = askWorker(challenge.worker_url);
  const verdicts = {};
  verdicts.webdriver_iframe = guarded(() =>
    withFreshRealm(doc, (frame) => {
      verdicts.native_to_string = guarded(() => nativeToString(win, frame));
      return verdict(frame.navigator.webdriver === true);
    }),
  );
  if (!("native_to_string" in verdicts)) {
    verdicts.native_to_string = guarded(() => nativeToString(win, null));
  }
  verdicts.webdriver = verdict(nav.webdriver === true);
  verdicts.headless_ua = verdict(
    HEADLESS.test(ua) ||
      HEADLESS.test(nav.appVersion || "") ||
      ((nav.userAgentData && nav.userAgentData.brands) || []).some((b) => HEADLESS.test(b.brand)),
  );
  verdicts.automation_globals = guarded(() => verdict(automationGlobals(win, doc)));
  if (major) {
    const probe = cdpProbe(win);
    verdicts.cdp_stack_getter = verdict(probe.getter);
    verdicts.cdp_prepare_stack = verdict(probe.prepare);
  } else {
    verdicts.cdp_stack_getter = "na";
    verdicts.cdp_prepare_stack = "na";
  }
  verdicts.webdriver_descriptor =
    major >= 89 ? verdict(!("webdriver" in nav) || nav.webdriver === undefined) : "na";
  verdicts.navigator_own_props = guarded(() => verdict(Object.getOwnPropertyNames(nav).length > 0));
  verdicts.error_name_descriptor = guarded(() =>
    verdict(Object.getOwnPropertyDescriptor(win.Error.prototype, "name").configurable === false),
  );
  verdicts.div_offset_height = guarded(() =>
    verdict(Object.getOwnPropertyDescriptor(win.HTMLDivElement.prototype, "offsetHeight") !== undefined),
  );
  verdicts.outer_size_descriptor = guarded(() => {
    const descriptor = descriptorInChain(win, "outerWidth");
    return descriptor ? verdict("value" in descriptor) : "na";
  });
  verdicts.iframe_content_window = guarded(() => {
    const frame = doc.createElement("iframe");
    frame.srcdoc = "";
    return verdict(frame.contentWindow !== null);
  });
  verdicts.chrome_app_mock = guarded(() => {
    const app = win.chrome && win.chrome.app;
    return verdict(Boolean(app && app.getIsInstalled && app.getIsInstalled.name === "getDetails"));
  });
  verdicts.plugins_consistent = guarded(() => pluginsConsistent(nav, win));
  verdicts.ua_data_consistent = guarded(() => uaDataConsistent(nav));
  verdicts.ua_match = challenge.ua_hash ? verdict(hexDigest(ua) !== challenge.ua_hash) : "na";
  verdicts.lang_match = challenge.lang_hash
    ? verdict(hexDigest(primaryLanguage(nav.languages || [nav.language])) !== challenge.lang_hash)
    : "na";
  verdicts.chrome_object = major ? verdict(typeof win.chrome === "undefined") : "na";
  verdicts.outer_size_zero = verdict(win.outerWidth === 0 && win.outerHeight === 0);
  try {
    verdicts.notification_permission = await notificationMismatch(win, nav);
  } catch {
    verdicts.notification_permission = "na";
  }
  Object.assign(verdicts, compareWithWorker(nav, timeZone, await report));
  return verdicts;
}
