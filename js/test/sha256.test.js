import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { midstate, sha256 } from "../src/sha256.js";

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const nodeSha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

test("sha256 matches node:crypto at every length around the padding boundaries", () => {
  for (let length = 0; length <= 300; length++) {
    const input = randomBytes(length);
    assert.equal(hex(sha256(input)), nodeSha256(input), `length ${length}`);
  }
});

test("sha256 matches node:crypto for random longer inputs", () => {
  for (let i = 0; i < 50; i++) {
    const input = randomBytes(300 + Math.floor(Math.random() * 5000));
    assert.equal(hex(sha256(input)), nodeSha256(input));
  }
});

test("sha256 of the standard test vectors", () => {
  const ascii = (s) => new TextEncoder().encode(s);
  assert.equal(hex(sha256(ascii(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(hex(sha256(ascii("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("midstate rejects anything but one 64-byte block", () => {
  assert.equal(midstate(randomBytes(64)).length, 8);
  assert.throws(() => midstate(randomBytes(63)), RangeError);
});
