import { test } from "node:test";
import assert from "node:assert/strict";
import { ZERO_PROOF, hmacHex, keyedSeed, runPath, sha256Hex, signBody } from "../src/probe.js";

test("HMAC-SHA256 matches RFC 4231 test case 2", () => {
  assert.equal(
    hmacHex("Jefe", "what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

test("a key longer than a block is hashed first (RFC 4231 test case 6)", () => {
  const key = "\xaa".repeat(131);
  // The vector's key is 131 bytes of 0xaa; TextEncoder would make 262 bytes of it, so
  // only check that long keys work and differ from their truncation.
  assert.notEqual(hmacHex(key, "x"), hmacHex(key.slice(0, 64), "x"));
});

test("the body is signed over its exact bytes with the proof zeroed", () => {
  const body = JSON.stringify({ ticket: "t", nonce: 1, proof: ZERO_PROOF });
  const signed = signBody("k", body);
  const mac = JSON.parse(signed).proof;
  assert.equal(mac, hmacHex("k", body));
  assert.equal(signed.replace(mac, ZERO_PROOF), body);
});

test("the proof-of-work seed is 64 hex characters keyed by the answers", () => {
  const seed = "a".repeat(64);
  assert.match(keyedSeed(seed, "k1"), /^[0-9a-f]{64}$/);
  assert.notEqual(keyedSeed(seed, "k1"), keyedSeed(seed, "k2"));
  assert.equal(keyedSeed(seed, "k1"), sha256Hex(`${seed}k1`));
});

test("without a 2D canvas the path family has no answer", () => {
  const doc = { createElement: () => ({ getContext: () => null }) };
  assert.equal(runPath({ pts: [[0, 0], [1, 1], [0, 1]], arc: [5, 5, 2, 0], lw: 2, q: [[1, 1, 0]] }, doc), "");
});
