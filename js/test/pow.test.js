import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { midstate } from "../src/sha256.js";
import { searchBlock } from "../src/search-block.js";
import {
  MAX_NONCE,
  createSearch,
  isSolution,
  leadingZeroBits,
  newBatch,
  nonceBytes,
  runFor,
} from "../src/pow.js";

const randomSeed = () => randomBytes(32).toString("hex");

function nodeDigest(seed, nonce) {
  return createHash("sha256").update(Buffer.from(seed, "ascii")).update(nonceBytes(nonce)).digest();
}

/** The first nonce in start, start + stride, ... that node:crypto says solves it. */
function bruteForce(seed, difficulty, start, stride) {
  for (let nonce = start; ; nonce += stride) {
    if (leadingZeroBits(nodeDigest(seed, nonce)) >= difficulty) return nonce;
  }
}

test("nonceBytes is 8 bytes big-endian over the full 53-bit range", () => {
  assert.deepEqual([...nonceBytes(1)], [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual([...nonceBytes(2 ** 32 + 2)], [0, 0, 0, 1, 0, 0, 0, 2]);
  assert.deepEqual([...nonceBytes(MAX_NONCE)], [0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
});

test("leadingZeroBits counts across bytes", () => {
  assert.equal(leadingZeroBits(Uint8Array.of(0x80, 0)), 0);
  assert.equal(leadingZeroBits(Uint8Array.of(0, 0x01)), 15);
  assert.equal(leadingZeroBits(Uint8Array.of(0, 0)), 16);
});

test("searchBlock finds exactly the first solution node:crypto finds", () => {
  const cases = [
    { hi: 0, lo: 0, stride: 1 },
    { hi: 0, lo: 3, stride: 4 },
    { hi: 7, lo: 123456, stride: 3 },
    { hi: 2 ** 21 - 1, lo: 99, stride: 2 },
  ];
  for (const { hi, lo, stride } of cases) {
    for (const difficulty of [1, 4, 8, 12]) {
      const seed = randomSeed();
      const expected = bruteForce(seed, difficulty, hi * 2 ** 32 + lo, stride);
      const found = searchBlock(midstate(Buffer.from(seed)), difficulty, hi, lo, stride, 1e6);
      assert.equal(hi * 2 ** 32 + found, expected, JSON.stringify({ seed, difficulty, hi, lo, stride }));
    }
  }
});

test("searchBlock reports -1 when the range holds no solution", () => {
  const seed = randomSeed();
  const first = bruteForce(seed, 10, 0, 1);
  assert.equal(searchBlock(midstate(Buffer.from(seed)), 10, 0, 0, 1, first), -1);
});

test("difficulty 0 accepts the first nonce; 32 needs a zero first word", () => {
  const mid = midstate(Buffer.from(randomSeed()));
  assert.equal(searchBlock(mid, 0, 5, 42, 1, 10), 42);
  // 2^-32 per try: 10000 tries all failing is what a correct bound gives.
  assert.equal(searchBlock(mid, 32, 0, 0, 1, 10000), -1);
});

test("createSearch crosses the 2**32 boundary without skipping nonces", () => {
  for (const stride of [1, 3, 4]) {
    const seed = randomSeed();
    const start = 2 ** 32 - 5000 - (5000 % stride);
    const expected = bruteForce(seed, 12, start, stride);
    const search = createSearch({ seed, difficulty: 12, start, stride });
    let tried = 0;
    let result;
    do {
      result = search.next(777);
      tried += result.hashes;
    } while (result.nonce === null);
    assert.equal(result.nonce, expected);
    assert.equal(tried, (expected - start) / stride + 1, "hashes count every nonce tried once");
  }
});

test("createSearch stops at MAX_NONCE", () => {
  const search = createSearch({ seed: randomSeed(), difficulty: 32, start: MAX_NONCE - 2, stride: 1 });
  const result = search.next(1000);
  assert.ok(result.hashes <= 3);
  assert.equal(search.next(1000).exhausted, true);
});

test("createSearch validates its input", () => {
  const seed = randomSeed();
  assert.throws(() => createSearch({ seed: "abc", difficulty: 8 }), TypeError);
  assert.throws(() => createSearch({ seed, difficulty: 33 }), RangeError);
  assert.throws(() => createSearch({ seed, difficulty: 8, stride: 0 }), RangeError);
  assert.throws(() => createSearch({ seed, difficulty: 8, start: -1 }), RangeError);
});

test("interleaved workers together find the smallest solution", () => {
  const seed = randomSeed();
  const expected = bruteForce(seed, 10, 0, 1);
  const workers = 3;
  const found = [];
  for (let k = 0; k < workers; k++) {
    const search = createSearch({ seed, difficulty: 10, start: k, stride: workers });
    let result;
    do result = search.next(1 << 16);
    while (result.nonce === null);
    found.push(result.nonce);
  }
  assert.equal(Math.min(...found), expected);
  for (const nonce of found) assert.ok(isSolution(seed, nonce, 10));
});

/** A clock that answers `times` in order: runFor's timing without real time. */
function scriptedClock(times) {
  let read = 0;
  return () => times[Math.min(read++, times.length - 1)];
}

test("runFor grows quick batches, shrinks slow ones and stops at its budget", () => {
  const search = createSearch({ seed: randomSeed(), difficulty: 32 });
  const batch = newBatch();
  // Budget 8 ms, so a batch should take 1 ms: two quick ones (0.1 ms) double the size,
  // then one that takes 8.8 ms halves it and passes the deadline.
  const clock = scriptedClock([0, 0, 0.1, 0.1, 0.2, 0.2, 9]);
  const result = runFor(search, 8, batch, clock);
  assert.equal(result.nonce, null);
  assert.equal(result.hashes, 4096 + 8192 + 16384);
  assert.equal(batch.size, 8192);
});

test("isSolution agrees with node:crypto", () => {
  const seed = randomSeed();
  for (let nonce = 0; nonce < 2000; nonce++) {
    const bits = leadingZeroBits(nodeDigest(seed, nonce));
    assert.equal(isSolution(seed, nonce, bits), true);
    assert.equal(isSolution(seed, nonce, bits + 1), false);
  }
  assert.equal(isSolution(seed, -1, 0), false);
  assert.equal(isSolution(seed, 2 ** 53, 0), false);
});
