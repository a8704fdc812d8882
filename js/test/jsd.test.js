import { test } from "node:test";
import assert from "node:assert/strict";
import { jsdDetect, jsdNext, jsdOnload, jsdPrefix } from "../src/jsd.js";
import { isSolution } from "../src/pow.js";
import { hmacHex, keyedSeed, ZERO_PROOF } from "../src/probe.js";

test("the prefix comes from the script's own URL, injected or API", () => {
  assert.equal(jsdPrefix("/.humangate/static/jsd.0123456789ab.js", "http://x/"), "/.humangate/");
  assert.equal(jsdPrefix("http://x/gate/jsd/api.js?onload=f", "http://x/"), "/gate/");
});

test("only a plain global name is taken as the onload callback", () => {
  assert.equal(jsdOnload("/.humangate/jsd/api.js?onload=jsdOnload", "http://x/"), "jsdOnload");
  assert.equal(jsdOnload("/.humangate/jsd/api.js?onload=alert(1)", "http://x/"), "");
  assert.equal(jsdOnload("/.humangate/jsd/api.js", "http://x/"), "");
});

test("the next run stays within bounds", () => {
  assert.equal(jsdNext(780, 60), 780);
  assert.equal(jsdNext(1, 60), 30);
  assert.equal(jsdNext(1e9, 60), 3600);
  assert.equal(jsdNext("x", 60), 60);
});

function fakeFetch(answers, calls) {
  return async (url, options = {}) => {
    calls.push({ url, options });
    const { status = 200, body } = answers.shift();
    return { ok: status < 300, status, json: async () => body };
  };
}

test("a fresh result runs nothing", async () => {
  const calls = [];
  const env = { fetch: fakeFetch([{ body: { fresh: true, next: 600 } }], calls) };
  assert.deepEqual(await jsdDetect("/.humangate/", true, env), { ok: true, next: 600 });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, "/.humangate/jsd/ticket");
});

test("a detection posts the probe digests, a solution and signals, signed", async () => {
  const calls = [];
  const ticket = {
    ticket: "T",
    seed: "ab".repeat(32),
    difficulty: 6,
    step_params: { probe: {} },
    worker_url: "/.humangate/static/pow-worker.js",
    post_url: "/.humangate/jsd",
  };
  let seen = null;
  const env = {
    fetch: fakeFetch([{ body: ticket }, { body: { ok: true, next: 780 } }], calls),
    runProbe: () => ({ key: "k", digests: { box: "d" } }),
    collectSignals: async (challenge) => {
      seen = challenge;
      return { webdriver: "pass" };
    },
  };
  assert.deepEqual(await jsdDetect("/.humangate/", false, env), { ok: true, next: 780 });
  assert.equal(seen.worker_url, "", "no Workers when the tag says so");
  const post = calls[1];
  assert.equal(post.url, "/.humangate/jsd");
  assert.equal(post.options.method, "POST");
  const body = JSON.parse(post.options.body);
  assert.equal(body.ticket, "T");
  assert.deepEqual(body.steps, { probe: { d: { box: "d" } } });
  assert.ok(isSolution(keyedSeed(ticket.seed, "k"), body.nonce, 6));
  const unsigned = post.options.body.replace(body.proof, ZERO_PROOF);
  assert.equal(body.proof, hmacHex("k", unsigned));
});

test("a refused post or a failed ticket is not a success", async () => {
  const calls = [];
  const env = { fetch: fakeFetch([{ status: 503, body: {} }], calls) };
  assert.equal((await jsdDetect("/.humangate/", true, env)).ok, false);
});

test("API mode: the built script installs executeOnce under both names and calls onload", async () => {
  const { buildAll } = await import("../build.mjs");
  const { "jsd.js": source } = await buildAll();
  const vm = await import("node:vm");
  const results = [];
  const fetched = [];
  const context = {
    URL,
    setTimeout,
    clearTimeout,
    TextEncoder,
    TextDecoder,
    location: { href: "http://shop.example/page" },
    document: {
      readyState: "complete",
      currentScript: { src: "http://shop.example/.humangate/jsd/api.js?onload=go", dataset: {} },
      querySelector: () => null,
    },
    fetch: async (url) => {
      fetched.push(url);
      return { ok: true, json: async () => ({ fresh: true, next: 600 }) };
    },
  };
  context.window = context;
  context.go = () => {
    context.humangate.jsd.executeOnce({ callback: (result) => results.push(result) });
    context.cloudflare.jsd.executeOnce({ callback: (result) => results.push(`cf:${result}`) });
  };
  vm.runInNewContext(source, context);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(results, ["success", "cf:success"]);
  assert.deepEqual(fetched, ["/.humangate/jsd/ticket"], "executeOnce runs one detection");
  assert.equal(context.humangate.jsd, context.cloudflare.jsd);
});
