import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { compileSimd } from "../build.mjs";
import { midstate } from "../src/sha256.js";
import { searchBlock } from "../src/search-block.js";
import { simdBlock } from "../src/simd.js";
import { createSearch, isSolution, leadingZeroBits, nonceBytes } from "../src/pow.js";

const { instance } = await WebAssembly.instantiate(await compileSimd());
const simd = simdBlock(instance.exports);
const WORD = 2 ** 32;

const randomSeed = () => randomBytes(32).toString("hex");
const zeroBits = (seed, nonce) =>
  leadingZeroBits(createHash("sha256").update(Buffer.from(seed, "ascii")).update(nonceBytes(nonce)).digest());

/** The first nonce in start, start + stride, ... that node:crypto says solves it. */
function bruteForce(seed, difficulty, start, stride) {
  for (let nonce = start; ; nonce += stride) if (zeroBits(seed, nonce) >= difficulty) return nonce;
}

/** Runs createSearch over the SIMD block until it finds a solution. */
function solveSimd(seed, difficulty, start, stride, limit = 1 << 16) {
  const search = createSearch({ seed, difficulty, start, stride, block: simd });
  let hashes = 0;
  for (;;) {
    const result = search.next(limit);
    hashes += result.hashes;
    if (result.nonce !== null) return { nonce: result.nonce, hashes };
  }
}

test("the SIMD search finds exactly what the JavaScript search finds", () => {
  const cases = [
    { hi: 0, lo: 0, stride: 1 },
    { hi: 0, lo: 1, stride: 4 },
    { hi: 9, lo: 2 ** 32 - 300000, stride: 3 },
    { hi: 2 ** 21 - 1, lo: 5, stride: 7 },
  ];
  for (const { hi, lo, stride } of cases) {
    for (const difficulty of [0, 1, 5, 9, 13, 32]) {
      const mid = midstate(Buffer.from(randomSeed()));
      for (const count of [1, 2, 3, 5, 4096, 100000]) {
        assert.equal(
          simd(mid, difficulty, hi, lo, stride, count),
          searchBlock(mid, difficulty, hi, lo, stride, count),
          JSON.stringify({ hi, lo, stride, difficulty, count }),
        );
      }
    }
  }
});

test("the SIMD search finds exactly the first solution node:crypto finds", () => {
  const cases = [
    { hi: 0, lo: 0, stride: 1 },
    { hi: 0, lo: 2, stride: 3 },
    { hi: 1, lo: 77, stride: 2 },
    { hi: 2 ** 21 - 1, lo: 12345, stride: 5 },
  ];
  for (const { hi, lo, stride } of cases) {
    for (const difficulty of [1, 4, 8, 12]) {
      const seed = randomSeed();
      const expected = bruteForce(seed, difficulty, hi * WORD + lo, stride);
      const found = simd(midstate(Buffer.from(seed)), difficulty, hi, lo, stride, 1e6);
      assert.equal(hi * WORD + found, expected, JSON.stringify({ seed, difficulty, hi, lo, stride }));
    }
  }
});

test("difficulty 0 accepts the first nonce of any batch; 32 needs a zero first word", () => {
  const mid = midstate(Buffer.from(randomSeed()));
  for (const count of [1, 3, 4, 5]) assert.equal(simd(mid, 0, 5, 42, 3, count), 42);
  assert.equal(simd(mid, 0, 0, 2 ** 32 - 1, 1, 1), 2 ** 32 - 1, "a uint32, not -1");
  // 2^-32 per try: 100000 tries all failing is what a correct mask gives.
  assert.equal(simd(mid, 32, 0, 0, 1, 100000), -1);
});

// Found with Python's hashlib (a full SHA-256 per nonce): the first nonce from 0 whose
// hash has at least 20 (it has 22) and at least 24 (it has 25) leading zero bits.
const VECTOR_SEED = "humangate SIMD kernel vector: sixty-four printable ASCII bytes..";
const VECTORS = [
  { difficulty: 20, nonce: 284726, bits: 22 },
  { difficulty: 22, nonce: 284726, bits: 22 },
  { difficulty: 24, nonce: 3655035, bits: 25 },
];

test("the SIMD search finds the fixed high-difficulty vectors, and nothing before them", () => {
  const mid = midstate(Buffer.from(VECTOR_SEED));
  for (const { difficulty, nonce, bits } of VECTORS) {
    assert.equal(zeroBits(VECTOR_SEED, nonce), bits);
    assert.ok(isSolution(VECTOR_SEED, nonce, difficulty));
    assert.equal(simd(mid, bits + 1, 0, nonce, 1, 1), -1, "one bit more is not a solution");
    // The 20- and 22-bit searches cover every nonce from 0; the 24-bit one the last 2**18.
    const from = Math.max(0, nonce - 2 ** 18);
    assert.equal(simd(mid, difficulty, 0, from, 1, nonce - from + 1000), nonce);
    assert.equal(simd(mid, difficulty, 0, from, 1, nonce - from), -1);
  }
  assert.equal(solveSimd(VECTOR_SEED, 20, 0, 1).nonce, 284726);
});

test("createSearch over the SIMD block crosses a high-word boundary without skipping", () => {
  const seed = randomSeed();
  // Start just after the last 12-bit solution below 2**32, so the answer lies above it.
  let last = WORD - 1;
  while (zeroBits(seed, last) < 12) last--;
  for (const stride of [1, 3]) {
    const start = last + 1;
    const expected = bruteForce(seed, 12, start, stride);
    if (stride === 1) assert.ok(expected >= WORD);
    const { nonce, hashes } = solveSimd(seed, 12, start, stride, 777);
    assert.equal(nonce, expected);
    assert.equal(hashes, (expected - start) / stride + 1, "hashes count every nonce tried once");
  }
});

test("the SIMD search never reports lanes past count", () => {
  const mid = midstate(Buffer.from("ab".repeat(32)));
  const first = searchBlock(mid, 8, 0, 0, 1, 1e6);
  for (let count = 1; count <= first; count++) {
    assert.equal(simd(mid, 8, 0, 0, 1, count), -1, `count ${count}`);
  }
  assert.equal(simd(mid, 8, 0, 0, 1, first + 1), first);
});

test("createSearch over the SIMD block solves puzzles", () => {
  const seed = randomSeed();
  const { nonce } = solveSimd(seed, 16, 2 ** 32 - 100000, 3);
  assert.ok(isSolution(seed, nonce, 16));
});
