// Consistency checks between the page, its Workers and UA-CH (issue 3): SharedWorker
// UA, OffscreenCanvas WebGL renderer, high-entropy client hints, and the catalogue.
// The "real" values below were measured on plain Chromium 156 and Firefox ESR 153 under
// Xvfb (no automation); the "automation" ones on Playwright 1.65 with the same Chromium.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { glIdentity, serveSharedWorker, sharedWorkerReport, workerReport } from "../src/signals-worker.js";
import { collectSignals, compareRenderers, compareWithSharedWorker, judgeHighEntropy } from "../src/signals.js";

const CHROMIUM_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";
const BRANDS = [
  { brand: "Not:A-Brand", version: "8" },
  { brand: "Chromium", version: "156" },
];
// navigator.userAgentData.getHighEntropyValues(...) on plain Chromium 156, Linux.
const REAL_CHROMIUM_HINTS = {
  architecture: "x86",
  bitness: "64",
  brands: BRANDS,
  fullVersionList: [
    { brand: "Not:A-Brand", version: "8.0.0.0" },
    { brand: "Chromium", version: "156.0.8078.79" },
  ],
  mobile: false,
  model: "",
  platform: "Linux",
  platformVersion: "", // empty on Linux: never judged
  uaFullVersion: "156.0.8078.79",
  wow64: false,
};

// -- high-entropy UA-CH -------------------------------------------------------------

test("a real Chromium's high-entropy hints pass (empty platformVersion on Linux)", () => {
  assert.deepEqual(judgeHighEntropy(CHROMIUM_UA, "Linux x86_64", BRANDS, REAL_CHROMIUM_HINTS), {
    ua_data_hints_consistent: "pass",
    ua_data_blank: "pass",
  });
});

test("vendor brands with their own versions (Edge, Opera) are fine", () => {
  const ua = CHROMIUM_UA.replace("Chrome/156.0.0.0", "Chrome/128.0.0.0") + " OPR/114.0.0.0";
  const brands = [
    { brand: "Chromium", version: "128" },
    { brand: "Not;A=Brand", version: "24" },
    { brand: "Opera", version: "114" },
  ];
  const hints = {
    ...REAL_CHROMIUM_HINTS,
    brands,
    fullVersionList: [
      { brand: "Chromium", version: "128.0.6613.186" },
      { brand: "Not;A=Brand", version: "24.0.0.0" },
      { brand: "Opera", version: "114.0.5282.102" },
    ],
    uaFullVersion: "114.0.5282.102",
  };
  assert.equal(judgeHighEntropy(ua, "Linux x86_64", brands, hints).ua_data_hints_consistent, "pass");
  const edge = {
    ...REAL_CHROMIUM_HINTS,
    platform: "Windows",
    platformVersion: "15.0.0",
    fullVersionList: [
      { brand: "Microsoft Edge", version: "156.0.3240.50" },
      { brand: "Chromium", version: "156.0.8078.79" },
    ],
    uaFullVersion: "156.0.3240.50",
  };
  const edgeUa = CHROMIUM_UA.replace("X11; Linux x86_64", "Windows NT 10.0; Win64; x64") + " Edg/156.0.0.0";
  assert.deepEqual(judgeHighEntropy(edgeUa, "Win32", BRANDS, edge), {
    ua_data_hints_consistent: "pass",
    ua_data_blank: "pass",
  });
});

test("a user-agent override (Playwright's user_agent option) contradicts the full versions", () => {
  // Measured: UA says Chrome/120, every hint still says 156.
  const spoofed = CHROMIUM_UA.replace("Chrome/156", "Chrome/120");
  assert.equal(judgeHighEntropy(spoofed, "Linux x86_64", BRANDS, REAL_CHROMIUM_HINTS).ua_data_hints_consistent, "fail");
  // Brands patched in the page but not the full version list.
  const patched = [{ brand: "Chromium", version: "155" }];
  const ua155 = CHROMIUM_UA.replace("Chrome/156", "Chrome/155");
  const hints = { ...REAL_CHROMIUM_HINTS, uaFullVersion: "" };
  assert.equal(judgeHighEntropy(ua155, "Linux x86_64", patched, hints).ua_data_hints_consistent, "fail");
});

test("platform hints must fit the UA and navigator.platform's family", () => {
  // playwright-stealth (measured): navigator.platform "Win32", hints and UA say Linux.
  assert.equal(judgeHighEntropy(CHROMIUM_UA, "Win32", BRANDS, REAL_CHROMIUM_HINTS).ua_data_hints_consistent, "fail");
  const windowsHints = { ...REAL_CHROMIUM_HINTS, platform: "Windows" };
  assert.equal(judgeHighEntropy(CHROMIUM_UA, "Linux x86_64", BRANDS, windowsHints).ua_data_hints_consistent, "fail");
  // Android's "desktop site": an X11/Linux UA with Android hints is a real person.
  const android = { ...REAL_CHROMIUM_HINTS, platform: "Android", mobile: false, architecture: "" };
  assert.deepEqual(judgeHighEntropy(CHROMIUM_UA, "Linux armv81", BRANDS, android), {
    ua_data_hints_consistent: "pass",
    ua_data_blank: "na",
  });
  // A platform name the check does not know is not judged.
  const unknown = { ...REAL_CHROMIUM_HINTS, platform: "Fuchsia" };
  assert.equal(judgeHighEntropy(CHROMIUM_UA, "Linux x86_64", BRANDS, unknown).ua_data_hints_consistent, "pass");
});

test("blank high-entropy hints are a soft doubt on desktop only; other engines are na", () => {
  const blank = { ...REAL_CHROMIUM_HINTS, fullVersionList: [], architecture: "", uaFullVersion: "" };
  assert.deepEqual(judgeHighEntropy(CHROMIUM_UA, "Linux x86_64", BRANDS, blank), {
    ua_data_hints_consistent: "pass",
    ua_data_blank: "fail",
  });
  assert.equal(judgeHighEntropy(CHROMIUM_UA, "Linux x86_64", BRANDS, { ...blank, mobile: true }).ua_data_blank, "na");
  assert.deepEqual(judgeHighEntropy(FIREFOX_UA, "Linux x86_64", [], REAL_CHROMIUM_HINTS), {
    ua_data_hints_consistent: "na",
    ua_data_blank: "na",
  });
  assert.deepEqual(judgeHighEntropy(CHROMIUM_UA, "Linux x86_64", BRANDS, null), {
    ua_data_hints_consistent: "na",
    ua_data_blank: "na",
  });
});

// -- WebGL renderer: page vs Worker ----------------------------------------------------

const FIREFOX_GL = { vendor: "Mozilla", renderer: "llvmpipe, or similar", unmasked: "Mesa/X.org|llvmpipe, or similar" };
const SWIFTSHADER = {
  vendor: "WebKit",
  renderer: "WebKit WebGL",
  unmasked: "Google Inc. (Google)|ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)",
};

test("renderers: equal passes, software or none is never a failure, a spoofed page fails", () => {
  assert.equal(compareRenderers(FIREFOX_GL, { ...FIREFOX_GL }), "pass");
  assert.equal(compareRenderers(SWIFTSHADER, { ...SWIFTSHADER }), "pass");
  // resistFingerprinting: "Mozilla" everywhere, no debug extension on either side.
  const rfp = { vendor: "Mozilla", renderer: "Mozilla", unmasked: null };
  assert.equal(compareRenderers(rfp, { ...rfp }), "pass");
  // No WebGL on one side (--disable-gpu, --disable-webgl, blocklists): not judged.
  assert.equal(compareRenderers(null, SWIFTSHADER), "na");
  assert.equal(compareRenderers(SWIFTSHADER, null), "na");
  // Debug extension on one side only: the masked values are all there is to compare.
  assert.equal(compareRenderers({ ...SWIFTSHADER, unmasked: null }, SWIFTSHADER), "pass");
  // playwright-stealth's webgl.vendor evasion (measured): Intel in the page only.
  const stealth = { ...SWIFTSHADER, unmasked: "Intel Inc.|Intel Iris OpenGL Engine" };
  assert.equal(compareRenderers(stealth, SWIFTSHADER), "fail");
});

function fakeGl({ debug = true } = {}) {
  const lost = { count: 0 };
  const gl = {
    VENDOR: 0x1f00,
    RENDERER: 0x1f01,
    getParameter: (p) => ({ 0x1f00: "WebKit", 0x1f01: "WebKit WebGL", 0x9245: "Google Inc. (Google)", 0x9246: "ANGLE (SwiftShader)" })[p],
    getExtension(name) {
      if (name === "WEBGL_debug_renderer_info") return debug ? { UNMASKED_VENDOR_WEBGL: 0x9245, UNMASKED_RENDERER_WEBGL: 0x9246 } : null;
      if (name === "WEBGL_lose_context") return { loseContext: () => lost.count++ };
      return null;
    },
  };
  return { gl, lost };
}

test("glIdentity reads vendor/renderer, releases the context, and is null without WebGL", () => {
  const { gl, lost } = fakeGl();
  assert.deepEqual(glIdentity({ getContext: () => gl }), {
    vendor: "WebKit",
    renderer: "WebKit WebGL",
    unmasked: "Google Inc. (Google)|ANGLE (SwiftShader)",
  });
  assert.equal(lost.count, 1);
  assert.equal(glIdentity({ getContext: () => fakeGl({ debug: false }).gl }).unmasked, null);
  assert.equal(glIdentity({ getContext: () => null }), null);
  assert.equal(
    glIdentity({
      getContext() {
        throw new Error("blocked");
      },
    }),
    null,
  );
});

test("the Worker reports its OffscreenCanvas renderer, or null without OffscreenCanvas", () => {
  const nav = { userAgent: CHROMIUM_UA, platform: "Linux x86_64", languages: ["en-US"], hardwareConcurrency: 2 };
  const scope = { navigator: nav, console: { debug() {} }, Error: class extends Error {} };
  assert.equal(workerReport(scope).renderer, null);
  const { gl } = fakeGl();
  scope.OffscreenCanvas = class {
    getContext() {
      return gl;
    }
  };
  assert.equal(workerReport(scope).renderer.unmasked, "Google Inc. (Google)|ANGLE (SwiftShader)");
  scope.OffscreenCanvas = class {
    constructor() {
      throw new Error("no");
    }
  };
  assert.equal(workerReport(scope).renderer, null);
});

// -- SharedWorker ----------------------------------------------------------------------

const NAV = { userAgent: CHROMIUM_UA, platform: "Linux x86_64" };

test("page vs SharedWorker: equal passes, a page-only UA override or HeadlessChrome fails", () => {
  assert.deepEqual(compareWithSharedWorker(NAV, sharedWorkerReport({ navigator: NAV })), {
    shared_worker_consistent: "pass",
  });
  // Measured with Playwright's user_agent option: the SharedWorker keeps the real UA.
  const page = { ...NAV, userAgent: CHROMIUM_UA.replace("Chrome/156", "Chrome/120") };
  assert.equal(compareWithSharedWorker(page, NAV).shared_worker_consistent, "fail");
  const headless = { ...NAV, userAgent: CHROMIUM_UA.replace("Chrome/", "HeadlessChrome/") };
  assert.equal(compareWithSharedWorker(NAV, headless).shared_worker_consistent, "fail");
  assert.equal(compareWithSharedWorker({ ...NAV, platform: "Win32" }, NAV).shared_worker_consistent, "fail");
  assert.deepEqual(compareWithSharedWorker(NAV, null), { shared_worker_consistent: "na" });
});

/** A SharedWorker constructor whose worker runs serveSharedWorker with `workerNav`. */
function fakeSharedWorker(workerNav, seen = []) {
  return class {
    constructor(url, options) {
      seen.push({ url, options });
      const listeners = {};
      serveSharedWorker({ navigator: workerNav, addEventListener: (type, fn) => (listeners[type] = fn) });
      const { port1, port2 } = new MessageChannel();
      this.port = port1;
      listeners.connect({ ports: [port2] });
    }

    addEventListener() {}
  };
}

// -- the whole page collection in a minimal fake environment ---------------------------

function fakeElement() {
  return {
    style: {},
    contentWindow: null,
    setAttribute() {},
    remove() {},
    getContext: () => null,
  };
}

function fakeEnv(nav, extra = {}) {
  const document = {
    body: { appendChild() {} },
    documentElement: { getAttributeNames: () => [] },
    createElement: fakeElement,
  };
  const window = {
    navigator: nav,
    document,
    console: { debug() {} },
    Error: class extends Error {},
    Function,
    HTMLDivElement: { prototype: {} },
    outerWidth: 1280,
    outerHeight: 900,
    ...extra,
  };
  return { window, document };
}

function chromiumNav(overrides = {}) {
  return {
    userAgent: CHROMIUM_UA,
    appVersion: CHROMIUM_UA.slice("Mozilla/".length),
    platform: "Linux x86_64",
    languages: ["en-US", "en"],
    language: "en-US",
    hardwareConcurrency: 2,
    webdriver: false,
    userAgentData: {
      brands: BRANDS,
      mobile: false,
      platform: "Linux",
      getHighEntropyValues: async () => REAL_CHROMIUM_HINTS,
    },
    ...overrides,
  };
}

test("collectSignals reports the new checks, and the SharedWorker round trip works", async () => {
  const seen = [];
  const nav = chromiumNav();
  const env = fakeEnv(nav, { SharedWorker: fakeSharedWorker({ ...nav }, seen) });
  const verdicts = await collectSignals({ worker_url: "/w.js" }, env);
  assert.equal(verdicts.shared_worker_consistent, "pass");
  assert.deepEqual(seen, [{ url: "/w.js", options: { name: "humangate-signals" } }]);
  assert.equal(verdicts.ua_data_hints_consistent, "pass");
  assert.equal(verdicts.ua_data_blank, "pass");
  assert.equal(verdicts.ua_data_engine, "na"); // a Chromium UA: nothing to contradict
  assert.equal(verdicts.worker_renderer_consistent, "na"); // no Worker in node
  // A UA override that only reached the page.
  const worker = { ...nav, userAgent: CHROMIUM_UA.replace("Chrome/156", "Chrome/157") };
  const lied = await collectSignals({ worker_url: "/w.js" }, fakeEnv(nav, { SharedWorker: fakeSharedWorker(worker) }));
  assert.equal(lied.shared_worker_consistent, "fail");
});

test("collectSignals: no SharedWorker or UA-CH API is neutral; UA-CH under a Firefox UA fails", async () => {
  const firefox = { ...chromiumNav(), userAgent: FIREFOX_UA, appVersion: "5.0 (X11)" };
  delete firefox.userAgentData;
  const verdicts = await collectSignals({ worker_url: "/w.js" }, fakeEnv(firefox));
  assert.equal(verdicts.shared_worker_consistent, "na");
  assert.equal(verdicts.ua_data_engine, "pass");
  assert.equal(verdicts.ua_data_hints_consistent, "na");
  assert.equal(verdicts.ua_data_blank, "na");
  // A Chromium pretending to be Firefox still has navigator.userAgentData.
  const pretending = { ...chromiumNav(), userAgent: FIREFOX_UA };
  const caught = await collectSignals({ worker_url: "/w.js" }, fakeEnv(pretending));
  assert.equal(caught.ua_data_engine, "fail");
  const safari =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15";
  const fake = await collectSignals({ worker_url: "/w.js" }, fakeEnv({ ...chromiumNav(), userAgent: safari }));
  assert.equal(fake.ua_data_engine, "fail");
  // HeadlessChrome still claims Chromium (headless_ua judges it), and a custom UA that
  // names no engine (a kiosk's Chromium) is not judged.
  for (const userAgent of [CHROMIUM_UA.replace("Chrome/", "HeadlessChrome/"), "Kiosk/2.1 AppleWebKit/537.36"]) {
    const other = await collectSignals({ worker_url: "/w.js" }, fakeEnv({ ...chromiumNav(), userAgent }));
    assert.equal(other.ua_data_engine, "na", userAgent);
  }
});

test("a slow or refusing getHighEntropyValues is na, never a failure", async () => {
  const refusing = chromiumNav();
  refusing.userAgentData = { ...refusing.userAgentData, getHighEntropyValues: () => Promise.reject(new Error("no")) };
  const verdicts = await collectSignals({ worker_url: "/w.js" }, fakeEnv(refusing));
  assert.equal(verdicts.ua_data_hints_consistent, "na");
  assert.equal(verdicts.ua_data_blank, "na");
});

test("the page reports exactly the page and Worker checks of the server's catalogue", async () => {
  const source = readFileSync(new URL("../../sdk/humangate/signals/checks.py", import.meta.url), "utf8");
  const catalogue = [...source.matchAll(/Check\(\s*"(\w+)",\s*_[HS],\s*_(?:P|W),/g)].map((m) => m[1]);
  assert.ok(catalogue.length > 20, "the catalogue parsed");
  const nav = chromiumNav();
  const verdicts = await collectSignals({ worker_url: "/w.js", ua_hash: "x", lang_hash: "y" }, fakeEnv(nav));
  assert.deepEqual(Object.keys(verdicts).sort(), catalogue.sort());
  for (const value of Object.values(verdicts)) assert.ok(["pass", "fail", "na"].includes(value), value);
});

test("a zero outer size counts only on a visible page (background tabs have none yet)", async () => {
  const zero = { outerWidth: 0, outerHeight: 0 };
  const visible = fakeEnv(chromiumNav(), zero);
  visible.document.visibilityState = "visible";
  assert.equal((await collectSignals({}, visible)).outer_size_zero, "fail");
  const hidden = fakeEnv(chromiumNav(), zero);
  hidden.document.visibilityState = "hidden";
  assert.equal((await collectSignals({}, hidden)).outer_size_zero, "pass");
  const shown = fakeEnv(chromiumNav());
  shown.document.visibilityState = "visible";
  assert.equal((await collectSignals({}, shown)).outer_size_zero, "pass");
});
