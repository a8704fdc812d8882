import { test } from "node:test";
import assert from "node:assert/strict";
import { expectedHashes, progressPercent, solveProbability } from "../src/progress.js";

test("solveProbability is 1 - (1 - 2^-d)^hashes", () => {
  for (const difficulty of [1, 4, 10, 16]) {
    for (const hashes of [1, 10, 1000, 123456]) {
      const exact = 1 - (1 - 2 ** -difficulty) ** hashes;
      assert.ok(Math.abs(solveProbability(hashes, difficulty) - exact) < 1e-12);
    }
  }
});

test("solveProbability stays precise at high difficulty", () => {
  // (1 - 2^-32) rounds badly in a naive power; the expected count gives 1 - 1/e.
  const p = solveProbability(2 ** 32, 32);
  assert.ok(Math.abs(p - (1 - Math.exp(-1))) < 1e-9, String(p));
  assert.ok(solveProbability(1, 32) > 0);
});

test("solveProbability edges", () => {
  assert.equal(solveProbability(0, 18), 0);
  assert.equal(solveProbability(5, 0), 1);
  assert.ok(solveProbability(2 ** 40, 18) <= 1);
});

test("progressPercent is a whole number held below 100", () => {
  assert.equal(progressPercent(0, 18), 0);
  assert.equal(progressPercent(expectedHashes(18), 18), 63);
  assert.equal(progressPercent(2 ** 30, 18), 99);
  for (const hashes of [1, 77, 5000, 262144, 10 ** 7]) {
    assert.ok(Number.isInteger(progressPercent(hashes, 18)));
  }
});

test("progressPercent never decreases as hashes grow", () => {
  let last = 0;
  for (let hashes = 0; hashes < 2 ** 21; hashes += 4099) {
    const percent = progressPercent(hashes, 18);
    assert.ok(percent >= last);
    last = percent;
  }
});
