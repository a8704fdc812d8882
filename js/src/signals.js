// Page-side automation checks (automation-detection.md §6, H1-H7). Every check yields a
// verdict: "pass", "fail", or "na" when the API is unavailable (privacy tools, other
// engines); only these verdicts leave the browser. None of the §3 "never" signals
// (WebGL, screen, fonts, media devices, hardware, timezone as such) is judged.

import { sha256 } from "./sha256.js";
import { cdpProbe, glIdentity } from "./signals-worker.js";

const HEADLESS = /HeadlessChrome/;
const SIGNAL_WORKER_TIMEOUT_MS = 2000;
const HIGH_ENTROPY_TIMEOUT_MS = 1000;
const HIGH_ENTROPY_HINTS = ["platform", "platformVersion", "architecture", "uaFullVersion", "fullVersionList"];
const GREASE = /Not.?A.?Brand/i;
const SAFARI_OR_IOS = /\bVersion\/\d[\d.]*(?: Mobile\/\w+)? Safari\/|\b(?:iPhone|iPad|iPod)\b/;
// UA-CH platform -> User-Agent tokens (mirrors humangate.signals.headers._PLATFORMS).
// Android's "desktop site" modes send an X11/Linux UA with Android's hints.
const UA_PLATFORM_TOKENS = new Map([
  ["windows", /Windows/],
  ["macos", /Macintosh|Mac OS X/],
  ["linux", /Linux|X11/],
  ["android", /Android|Linux/],
  ["chrome os", /CrOS/],
  ["chromium os", /CrOS/],
]);
// UA-CH platform -> navigator.platform family. navigator.platform is "Win32" on every
// Windows, "MacIntel" on every Mac, "Linux ..." on Linux, Android and ChromeOS.
const PLATFORM_FAMILY = new Map([
  ["windows", "win"],
  ["macos", "mac"],
  ["linux", "linux"],
  ["android", "linux"],
  ["chrome os", "linux"],
  ["chromium os", "linux"],
]);
const DESKTOP_PLATFORMS = new Set(["windows", "macos", "linux"]);
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

/**
 * Firefox (any OS), Safari or an iOS browser (all WebKit): engines without the UA-CH API.
 * Any Chrome/Chromium token (HeadlessChrome too) claims Chromium; a custom UA naming none
 * of these is not judged.
 */
function claimsOtherEngine(userAgent) {
  if (/Chrom(?:e|ium)\//.test(userAgent)) return false;
  return /\b(?:Firefox|FxiOS)\//.test(userAgent) || SAFARI_OR_IOS.test(userAgent);
}

function navigatorPlatformFamily(platform) {
  if (/^Win/.test(platform)) return "win";
  if (/^Mac/.test(platform)) return "mac";
  if (/^Linux/.test(platform)) return "linux";
  return "";
}

const majorOf = (version) => Number(String(version).split(".")[0]);

/**
 * Verdicts on the high-entropy UA-CH values (`values`, from getHighEntropyValues) of a
 * Chromium whose page says `userAgent`, `navPlatform` and low-entropy `brands`.
 * Measured on plain Chromium 156 (Linux): platformVersion is "" there, so it is never
 * judged; Opera-style brands whose own version differs from Chromium's are fine.
 */
export function judgeHighEntropy(userAgent, navPlatform, brands, values) {
  const major = chromeMajor(userAgent);
  if (!major || !values) return { ua_data_hints_consistent: "na", ua_data_blank: "na" };
  const full = Array.isArray(values.fullVersionList) ? values.fullVersionList : null;
  const fullMajors = (full || []).filter((b) => !GREASE.test(b.brand)).map((b) => majorOf(b.version));
  let inconsistent = fullMajors.length > 0 && !fullMajors.includes(major);
  for (const brand of brands || []) {
    const same = (full || []).find((b) => b.brand === brand.brand);
    if (same && !GREASE.test(brand.brand) && majorOf(same.version) !== Number(brand.version)) {
      inconsistent = true;
    }
  }
  if (values.uaFullVersion && fullMajors.length && !fullMajors.includes(majorOf(values.uaFullVersion))) {
    inconsistent = true;
  }
  const platform = String(values.platform || "").toLowerCase();
  if (UA_PLATFORM_TOKENS.has(platform) && !UA_PLATFORM_TOKENS.get(platform).test(userAgent)) {
    inconsistent = true;
  }
  const family = navigatorPlatformFamily(String(navPlatform || ""));
  if (family && PLATFORM_FAMILY.has(platform) && PLATFORM_FAMILY.get(platform) !== family) {
    inconsistent = true; // e.g. stealth's navigator.platform "Win32" on Linux hints
  }
  // Blank values are what a --user-agent override leaves; only a doubt. Checked on
  // desktop platforms only, and never platformVersion (empty on Linux).
  const blank =
    (full !== null && fullMajors.length === 0) || values.architecture === "" || values.uaFullVersion === "";
  const desktop = DESKTOP_PLATFORMS.has(platform) && values.mobile !== true;
  return {
    ua_data_hints_consistent: verdict(inconsistent),
    ua_data_blank: desktop ? verdict(blank) : "na",
  };
}

/** The high-entropy UA-CH values, or null (no API, refused, or slower than a second). */
function highEntropyValues(nav) {
  const data = nav.userAgentData;
  if (!data || typeof data.getHighEntropyValues !== "function") return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), HIGH_ENTROPY_TIMEOUT_MS);
    const done = (value) => {
      clearTimeout(timer);
      resolve(value);
    };
    try {
      data.getHighEntropyValues(HIGH_ENTROPY_HINTS).then(done, () => done(null));
    } catch {
      done(null);
    }
  });
}

async function notificationMismatch(win, nav) {
  if (!chromeMajor(nav.userAgent) || !win.Notification || !nav.permissions) return "na";
  const status = await nav.permissions.query({ name: "notifications" });
  return verdict(win.Notification.permission === "denied" && status.state === "prompt");
}

/** The Worker's report (see signals-worker.js), or null if no Worker could run. */
function askWorker(workerUrl, timeoutMs = SIGNAL_WORKER_TIMEOUT_MS) {
  // No URL: the caller may not start Workers here (JavaScript Detections under a CSP).
  if (!workerUrl) return Promise.resolve(null);
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

/** The SharedWorker's report (same script, see serveSharedWorker), or null. */
function askSharedWorker(win, workerUrl, timeoutMs = SIGNAL_WORKER_TIMEOUT_MS) {
  return new Promise((resolve) => {
    let port = null;
    const done = (value) => {
      clearTimeout(timer);
      if (port) port.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    try {
      // Not a Service Worker: nothing is registered on the site's origin, and a
      // SharedWorker ends with the last page using it. No SharedWorker (Chrome on
      // Android, some embedded browsers): "na".
      if (typeof win.SharedWorker !== "function" || !workerUrl) {
        done(null);
        return;
      }
      const worker = new win.SharedWorker(workerUrl, { name: "humangate-signals" });
      port = worker.port;
      port.onmessage = ({ data }) => {
        if (data && data.type === "signals") done(data.report);
      };
      worker.addEventListener("error", (event) => {
        event.preventDefault();
        done(null);
      });
      port.postMessage({ type: "signals" });
    } catch {
      done(null);
    }
  });
}

export function compareWithSharedWorker(nav, report) {
  if (!report) return { shared_worker_consistent: "na" };
  const differs =
    report.userAgent !== nav.userAgent || report.platform !== nav.platform || HEADLESS.test(report.userAgent);
  return { shared_worker_consistent: verdict(differs) };
}

/**
 * Page vs Worker WebGL identity. No WebGL on either side (software-less, disabled,
 * blocked) is "na": only an inconsistency between the two contexts is judged.
 */
export function compareRenderers(page, worker) {
  if (!page || !worker) return "na";
  if (page.vendor !== worker.vendor || page.renderer !== worker.renderer) return "fail";
  if (page.unmasked !== null && worker.unmasked !== null && page.unmasked !== worker.unmasked) {
    return "fail";
  }
  return "pass";
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
  const sharedReport = askSharedWorker(win, challenge.worker_url);
  const highEntropy = highEntropyValues(nav);
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
  verdicts.ua_data_engine = guarded(() => (claimsOtherEngine(ua) ? verdict("userAgentData" in nav) : "na"));
  verdicts.ua_match = challenge.ua_hash ? verdict(hexDigest(ua) !== challenge.ua_hash) : "na";
  verdicts.lang_match = challenge.lang_hash
    ? verdict(hexDigest(primaryLanguage(nav.languages || [nav.language])) !== challenge.lang_hash)
    : "na";
  verdicts.chrome_object = major ? verdict(typeof win.chrome === "undefined") : "na";
  // Chromium reports a zero outer size for a tab opened in the background (middle
  // click, restored session) until it is first shown: judged on visible pages only.
  verdicts.outer_size_zero = verdict(
    win.outerWidth === 0 && win.outerHeight === 0 && doc.visibilityState !== "hidden",
  );
  try {
    verdicts.notification_permission = await notificationMismatch(win, nav);
  } catch {
    verdicts.notification_permission = "na";
  }
  const brands = (nav.userAgentData && nav.userAgentData.brands) || [];
  try {
    Object.assign(verdicts, judgeHighEntropy(ua, nav.platform, brands, await highEntropy));
  } catch {
    Object.assign(verdicts, { ua_data_hints_consistent: "na", ua_data_blank: "na" });
  }
  const workerSeen = await report;
  Object.assign(verdicts, compareWithWorker(nav, timeZone, workerSeen));
  // The page's own WebGL context only when the Worker had one to compare with.
  verdicts.worker_renderer_consistent =
    workerSeen && workerSeen.renderer
      ? guarded(() => compareRenderers(glIdentity(doc.createElement("canvas")), workerSeen.renderer))
      : "na";
  Object.assign(verdicts, compareWithSharedWorker(nav, await sharedReport));
  return verdicts;
}
