import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { compileSimd } from "../build.mjs";
import { midstate } from "../src/sha256.js";
import { searchBlock } from "../src/search-block.js";
import { simdBlock } from "../src/simd.js";
import { createSearch, isSolution } from "../src/pow.js";

const { instance } = await WebAssembly.instantiate(await compileSimd());
const simd = simdBlock(instance.exports);

test("the SIMD search finds exactly what the JavaScript search finds", () => {
  const cases = [
    { hi: 0, lo: 0, stride: 1 },
    { hi: 0, lo: 1, stride: 4 },
    { hi: 9, lo: 2 ** 32 - 300000, stride: 3 },
    { hi: 2 ** 21 - 1, lo: 5, stride: 7 },
  ];
  for (const { hi, lo, stride } of cases) {
    for (const difficulty of [0, 1, 5, 9, 13]) {
      const mid = midstate(Buffer.from(randomBytes(32).toString("hex")));
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

test("the SIMD search never reports lanes past count", () => {
  const mid = midstate(Buffer.from("ab".repeat(32)));
  const first = searchBlock(mid, 8, 0, 0, 1, 1e6);
  for (let count = 1; count <= first; count++) {
    assert.equal(simd(mid, 8, 0, 0, 1, count), -1, `count ${count}`);
  }
  assert.equal(simd(mid, 8, 0, 0, 1, first + 1), first);
});

test("createSearch over the SIMD block solves puzzles", () => {
  const seed = randomBytes(32).toString("hex");
  const search = createSearch({ seed, difficulty: 16, start: 2 ** 32 - 100000, stride: 3, block: simd });
  let result;
  do result = search.next(1 << 16);
  while (result.nonce === null);
  assert.ok(isSolution(seed, result.nonce, 16));
});
