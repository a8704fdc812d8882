import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { OUTPUTS, isFresh } from "../tools/gen-search.mjs";
import { ENTRIES, buildAll } from "../build.mjs";

test("the generated search sources are up to date with their generator", () => {
  for (const name of Object.keys(OUTPUTS)) assert.ok(isFresh(name), `${name} is stale`);
});

test("every built script is a self-contained classic script", async () => {
  const scripts = Object.entries(await buildAll()).filter(([name]) => name.endsWith(".js"));
  assert.deepEqual(scripts.map(([name]) => name).sort(), Object.keys(ENTRIES).sort());
  for (const [name, contents] of scripts) {
    assert.match(contents, /^\/\/ humangate .*built from js\/src/, name);
    assert.doesNotMatch(contents, /^\s*(?:import|export)\b/m, name);
    assert.doesNotThrow(() => new vm.Script(contents, { filename: name }), name);
  }
});

test("the built worker solves a puzzle end to end", async () => {
  const { "pow-worker.js": source } = await buildAll();
  const posted = [];
  const self = { postMessage: (message) => posted.push(message), location: { href: "http://x/w.js" } };
  vm.runInNewContext(source, { self, performance, TextEncoder, URL });
  const seed = "0123456789abcdef".repeat(4);
  self.onmessage({ data: { seed, difficulty: 12, start: 1, stride: 2, engine: "js" } });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const found = posted.at(-1);
  assert.equal(found.type, "found");
  assert.equal(found.engine, "js");
  assert.equal(found.nonce % 2, 1, "stays on its own interleaved nonces");
  const { isSolution } = await import("../src/pow.js");
  assert.ok(isSolution(seed, found.nonce, 12));
});
