// The proof-of-work puzzle (the Python twin is sdk/humangate/pow.py): find a nonce,
// 0 <= nonce < 2**53, such that SHA-256(seed || nonce as 8 bytes big-endian) starts
// with `difficulty` zero bits. The seed is one whole 64-byte block, so a search hashes
// it once (the midstate) and then compresses a single final block per nonce.

import { sha256, midstate } from "./sha256.js";
import { searchBlock } from "./search-block.js";

export const MAX_NONCE = 2 ** 53 - 1;
export const MAX_DIFFICULTY = 32;
const WORD = 2 ** 32;

/** The seed's bytes; it must be exactly 64 ASCII characters (hex from the server). */
export function seedBytes(seed) {
  if (typeof seed !== "string" || seed.length !== 64 || !/^[\x20-\x7e]*$/.test(seed)) {
    throw new TypeError("seed must be 64 printable ASCII characters");
  }
  return new TextEncoder().encode(seed);
}

/** The nonce as 8 big-endian bytes (high word = floor(n / 2**32), low word = n >>> 0). */
export function nonceBytes(nonce) {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(nonce / WORD));
  view.setUint32(4, nonce >>> 0);
  return bytes;
}

export function leadingZeroBits(digest) {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** Verifies a nonce the slow, obvious way: one full SHA-256 of seed || nonce. */
export function isSolution(seed, nonce, difficulty) {
  if (!Number.isSafeInteger(nonce) || nonce < 0) return false;
  const message = new Uint8Array(72);
  message.set(seedBytes(seed));
  message.set(nonceBytes(nonce), 64);
  return leadingZeroBits(sha256(message)) >= difficulty;
}

function checkDifficulty(difficulty) {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
    throw new RangeError(`difficulty must be an integer in 0..${MAX_DIFFICULTY}`);
  }
}

function checkStep(start, stride) {
  if (!Number.isSafeInteger(start) || start < 0 || start > MAX_NONCE) {
    throw new RangeError("start must be a nonce");
  }
  if (!Number.isInteger(stride) || stride < 1 || stride >= WORD) {
    throw new RangeError("stride must be an integer in 1..2**32-1");
  }
}

/**
 * A resumable search over nonces start, start + stride, start + 2 * stride, ...
 * `next(limit)` tries at most `limit` of them and returns {nonce, hashes}: the solution
 * (or null) and how many nonces it tried; {exhausted: true} once past MAX_NONCE.
 * Interleaving (worker k of n gets start k, stride n) keeps all workers on the lowest
 * nonces, so together they find about the smallest solution.
 */
export function createSearch({ seed, difficulty, start = 0, stride = 1, block = searchBlock }) {
  checkDifficulty(difficulty);
  checkStep(start, stride);
  const mid = midstate(seedBytes(seed));
  let cursor = start;

  function next(limit) {
    if (cursor > MAX_NONCE) return { nonce: null, hashes: 0, exhausted: true };
    const hi = Math.floor(cursor / WORD);
    const lo = cursor % WORD;
    // Stay inside one high word and below MAX_NONCE: the block search cannot carry.
    const inWord = Math.floor((WORD - 1 - lo) / stride) + 1;
    const inRange = Math.floor((MAX_NONCE - cursor) / stride) + 1;
    const count = Math.min(limit, inWord, inRange);
    const found = block(mid, difficulty, hi, lo, stride, count);
    if (found >= 0) {
      return { nonce: hi * WORD + found, hashes: (found - lo) / stride + 1, exhausted: false };
    }
    cursor += count * stride;
    return { nonce: null, hashes: count, exhausted: false };
  }

  return { next };
}

/**
 * Runs `search` for about `budgetMs`, in batches sized to take ~1/8 of the budget each
 * so the clock is read rarely. `batch` carries the learned batch size between calls.
 * Returns {nonce, hashes, exhausted} like search.next, summed over the batches.
 */
export function runFor(search, budgetMs, batch, now = () => performance.now()) {
  const deadline = now() + budgetMs;
  let hashes = 0;
  for (;;) {
    const started = now();
    const result = search.next(batch.size);
    hashes += result.hashes;
    if (result.nonce !== null || result.exhausted) return { ...result, hashes };
    const finished = now();
    tuneBatch(batch, finished - started, budgetMs / 8);
    if (finished >= deadline) return { nonce: null, hashes, exhausted: false };
  }
}

/** Doubles or halves the batch size toward `targetMs` per batch. */
function tuneBatch(batch, tookMs, targetMs) {
  if (tookMs < targetMs / 2 && batch.size < 2 ** 24) batch.size *= 2;
  else if (tookMs > targetMs * 2 && batch.size > 256) batch.size /= 2;
}

export function newBatch() {
  return { size: 4096 };
}
