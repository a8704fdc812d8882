import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULTS,
  attributeParams,
  frameSize,
  frameUrl,
  normalizeParams,
  resolveCallback,
} from "../src/turnstile-params.js";
import { frameErrorCode, isFromParent, isRetryable } from "../src/turnstile-protocol.js";

const SITEKEY = "0x4AAAAAAAhgDemoManaged";

function element(attributes) {
  return { attributes: Object.entries(attributes).map(([name, value]) => ({ name, value })) };
}

test("data-* attributes become parameters; data-cdata is cData", () => {
  const params = attributeParams(
    element({ class: "cf-turnstile", "data-sitekey": SITEKEY, "data-cdata": "abc", "data-theme": "dark" }),
  );
  assert.deepEqual(params, { sitekey: SITEKEY, cData: "abc", theme: "dark" });
});

test("defaults are Turnstile's documented ones", () => {
  const { params, error } = normalizeParams({ sitekey: SITEKEY }, {});
  assert.equal(error, null);
  for (const [name, value] of Object.entries(DEFAULTS)) assert.equal(params[name], value, name);
  assert.equal(params["response-field-name"], "cf-turnstile-response");
  assert.equal(params["retry-interval"], 8000);
});

test("render() parameters override attributes; camelCase names are accepted", () => {
  const { params } = normalizeParams(
    { sitekey: SITEKEY, theme: "dark" },
    { theme: "light", refreshExpired: "manual", "retry-interval": 1000 },
  );
  assert.equal(params.theme, "light");
  assert.equal(params["refresh-expired"], "manual");
  assert.equal(params["retry-interval"], 1000);
});

test("callbacks: functions, or global function names from data attributes", () => {
  const scope = { onToken: () => "named" };
  const direct = () => "direct";
  const { params } = normalizeParams({ sitekey: SITEKEY, callback: "onToken" }, { "error-callback": direct }, scope);
  assert.equal(params.callback(), "named");
  assert.equal(params["error-callback"], direct);
  assert.equal(resolveCallback("missing", scope), undefined);
  assert.equal(resolveCallback(42, scope), undefined);
});

test("response-field takes booleans and their spellings", () => {
  assert.equal(normalizeParams({ sitekey: SITEKEY, "response-field": "false" }).params["response-field"], false);
  assert.equal(normalizeParams({ sitekey: SITEKEY, "response-field": "true" }).params["response-field"], true);
});

const INVALID = [
  [{ sitekey: "" }, "110100"],
  [{ sitekey: "has spaces in it" }, "110100"],
  [{ action: "a".repeat(33) }, "110420"],
  [{ action: "no spaces" }, "110420"],
  [{ cData: "c".repeat(256) }, "110430"],
  [{ cData: "<b>" }, "110430"],
  [{ theme: "pink" }, "102001"],
  [{ size: "huge" }, "102002"],
  [{ appearance: "never" }, "102003"],
  [{ execution: "later" }, "102004"],
  [{ retry: "sometimes" }, "102005"],
  [{ "retry-interval": 0 }, "102006"],
  [{ "retry-interval": 900000 }, "102006"],
  [{ "retry-interval": "soon" }, "102006"],
  [{ "refresh-expired": "always" }, "102007"],
  [{ "refresh-timeout": "always" }, "102008"],
  [{ language: "not a tag" }, "102009"],
];

for (const [override, code] of INVALID) {
  test(`invalid ${JSON.stringify(override)} is error ${code}`, () => {
    assert.equal(normalizeParams({ sitekey: SITEKEY, ...override }, {}).error, code);
  });
}

test("valid edge values pass", () => {
  const { error } = normalizeParams(
    { sitekey: SITEKEY, action: "a".repeat(32), cData: "c".repeat(255), "retry-interval": 899999, language: "pt-BR" },
    {},
  );
  assert.equal(error, null);
});

test("reCAPTCHA's invisible size runs on execute()", () => {
  const { params, error } = normalizeParams({ sitekey: SITEKEY, size: "invisible" }, {});
  assert.equal(error, null);
  assert.equal(params.execution, "execute");
});

test("frame sizes follow the documented dimensions", () => {
  assert.deepEqual(frameSize("normal"), { width: "300px", height: "65px", minWidth: "" });
  assert.deepEqual(frameSize("compact"), { width: "150px", height: "140px", minWidth: "" });
  assert.deepEqual(frameSize("flexible"), { width: "100%", height: "65px", minWidth: "300px" });
});

test("the frame URL carries only what the page asked for", () => {
  const { params } = normalizeParams({ sitekey: SITEKEY, action: "login", cData: "x" }, {});
  const url = new URL(frameUrl("https://gate.example/.humangate/turnstile/v0/", params, "w1", "https://shop.example", "ar"));
  assert.equal(url.pathname, "/.humangate/turnstile/v0/frame");
  assert.equal(url.searchParams.get("k"), SITEKEY);
  assert.equal(url.searchParams.get("o"), "https://shop.example");
  assert.equal(url.searchParams.get("a"), "login");
  assert.equal(url.searchParams.get("c"), "x");
  assert.equal(url.searchParams.get("l"), "ar"); // language auto: the browser's
});

test("the frame acts only on its parent's messages from the declared origin", () => {
  const parent = {};
  const message = { source: "humangate-turnstile", type: "execute" };
  assert.ok(isFromParent({ source: parent, origin: "https://a.example", data: message }, "https://a.example", parent));
  assert.ok(!isFromParent({ source: parent, origin: "https://evil.example", data: message }, "https://a.example", parent));
  assert.ok(!isFromParent({ source: {}, origin: "https://a.example", data: message }, "https://a.example", parent));
  assert.ok(!isFromParent({ source: parent, origin: "https://a.example", data: "execute" }, "https://a.example", parent));
});

test("error codes: retryable families as documented", () => {
  for (const code of ["102001", "103000", "104000", "106000", "110600", "110620", "300010", "600010"]) {
    assert.ok(isRetryable(code), code);
  }
  for (const code of ["100000", "105000", "110100", "110200", "110420", "110500", "200100"]) {
    assert.ok(!isRetryable(code), code);
  }
  assert.equal(frameErrorCode({ ok: false, reason: "automated" }), "600010");
  assert.equal(frameErrorCode(null), "300030");
});
