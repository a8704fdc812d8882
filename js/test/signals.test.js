import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cdpProbe, workerReport } from "../src/signals-worker.js";
import { compareWithWorker, hexDigest, primaryLanguage } from "../src/signals.js";

test("hexDigest matches the server's user_agent_hash (sha256 hex, 32 chars)", () => {
  const ua = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0.0.0 Safari/537.36";
  const expected = createHash("sha256").update(ua).digest("hex").slice(0, 32);
  assert.equal(hexDigest(ua), expected);
});

test("primaryLanguage mirrors humangate.signals.primary_language", () => {
  assert.equal(primaryLanguage(["en-US", "en"]), "en-us");
  assert.equal(primaryLanguage([]), "");
});

test("the CDP probe restores Error.prepareStackTrace and sees no client here", () => {
  const hook = () => "page's own";
  const scope = { console: { debug() {} }, Error: class extends Error {} };
  scope.Error.prepareStackTrace = hook;
  assert.deepEqual(cdpProbe(scope), { getter: false, prepare: false });
  assert.equal(scope.Error.prepareStackTrace, hook);
});

test("the CDP probe fires when the console serialises the error", () => {
  // What a DevTools-protocol client with Runtime enabled does: read the stack.
  const scope = { console: { debug: (error) => void error.stack }, Error };
  const saved = Error.prepareStackTrace;
  assert.deepEqual(cdpProbe(scope), { getter: true, prepare: true });
  assert.equal(Error.prepareStackTrace, saved);
});

const NAV = {
  userAgent: "Mozilla/5.0 Chrome/130.0.0.0",
  platform: "Linux x86_64",
  languages: ["en-US"],
  hardwareConcurrency: 8,
};

test("page and Worker agreeing pass; any difference fails; no Worker is neutral", () => {
  const report = { ...workerReport({ navigator: NAV, console: { debug() {} }, Error }), timeZone: "UTC" };
  assert.deepEqual(compareWithWorker(NAV, "UTC", report), {
    headless_worker_ua: "pass",
    cdp_worker: "pass",
    worker_consistent: "pass",
  });
  // Stealth patches the page's hardwareConcurrency; the Worker keeps the real one.
  assert.equal(compareWithWorker({ ...NAV, hardwareConcurrency: 4 }, "UTC", report).worker_consistent, "fail");
  const headless = { ...report, userAgent: "Mozilla/5.0 HeadlessChrome/130.0.0.0" };
  assert.equal(compareWithWorker(NAV, "UTC", headless).headless_worker_ua, "fail");
  assert.deepEqual(compareWithWorker(NAV, "UTC", null), {
    headless_worker_ua: "na",
    cdp_worker: "na",
    worker_consistent: "na",
  });
});
