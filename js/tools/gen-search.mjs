// Generates the proof-of-work inner loop, fully unrolled, in two forms:
//   js/src/search-block.js   plain JavaScript, one nonce at a time
//   js/src/search-simd.wat   WebAssembly SIMD text, four nonces at a time (i32x4 lanes)
//
// Why generated: V8 runs SHA-256 about twice as fast when the 64 rounds and the message
// schedule live in local constants rather than in arrays (no loads, no bounds checks),
// but 64 hand-written rounds are unreviewable. This script is the readable form. One
// description of the final-block compression drives both targets: it folds what is
// constant in the final block (padding, length, zero words) and hoists rounds 0-1,
// which do not depend on the low nonce word.
//
//   node js/tools/gen-search.mjs          rewrite both files
//   node js/tools/gen-search.mjs --check  exit 1 if either is stale

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const srcPath = (name) => fileURLToPath(new URL(`../src/${name}`, import.meta.url));
export const OUTPUTS = { "search-block.js": renderJs, "search-simd.wat": renderWat };

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
].map((k) => k | 0);

// Final block words: [hi, lo, 0x80000000, 0 x 12, 576 bits]. Numbers are folded at
// generation time; strings name runtime values.
const BLOCK = ["hi", "n", 0x80000000 | 0, ...new Array(12).fill(0), 576];

// ------------------------------------------------------------- the computation

const rotr = (x, r) => (x >>> r) | (x << (32 - r));
const FOLD = {
  s0: (x) => rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3),
  s1: (x) => rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10),
};

/** A schedule word as a sum term: numbers stay numbers (to fold), names become values. */
const term = (ops, word) => (typeof word === "number" ? word : ops.value(word));

/** Small sigma of a schedule word: folded when the word is a number. */
function sigma(ops, which, word) {
  if (typeof word === "number") return FOLD[which](word);
  const x = ops.value(word);
  const [r1, r2, shift] = which === "s0" ? [7, 18, 3] : [17, 19, 10];
  return ops.xor(ops.rotr(x, r1), ops.rotr(x, r2), ops.shr(x, shift));
}

const bigSigma0 = (ops, a) => ops.xor(ops.rotr(a, 2), ops.rotr(a, 13), ops.rotr(a, 22));
const bigSigma1 = (ops, e) => ops.xor(ops.rotr(e, 6), ops.rotr(e, 11), ops.rotr(e, 25));

/** Adds terms (numbers or expressions), folding the numbers into one constant. */
function sum(ops, terms) {
  const constant = terms.filter((t) => typeof t === "number").reduce((s, t) => (s + t) | 0, 0);
  const rest = terms.filter((t) => typeof t !== "number");
  if (constant !== 0 || rest.length === 0) rest.push(ops.constant(constant));
  return ops.add(rest);
}

/** Message schedule W16..W63 as definitions; returns the word table (numbers or names). */
function schedule(ops, out) {
  const w = [...BLOCK];
  for (let i = 16; i < 64; i++) {
    const terms = [
      sigma(ops, "s1", w[i - 2]),
      term(ops, w[i - 7]),
      sigma(ops, "s0", w[i - 15]),
      term(ops, w[i - 16]),
    ];
    out.push(ops.define(`w${i}`, sum(ops, terms)));
    w[i] = `w${i}`;
  }
  return w;
}

// State in single-assignment form: round i defines a<i> and e<i>; b, c, d are earlier
// a's and f, g, h earlier e's. Names for i < 0 are the midstate words m0..m7.
const aName = (i) => (i >= 0 ? `a${i}` : `m${-1 - i}`);
const eName = (i) => (i >= 0 ? `e${i}` : `m${3 - i}`);

/** t1 (with the schedule word `word`, which may be 0) and t2 of round i. */
function roundParts(ops, i, word) {
  const [a, b, c] = [aName(i - 1), aName(i - 2), aName(i - 3)].map(ops.value);
  const [e, f, g] = [eName(i - 1), eName(i - 2), eName(i - 3)].map(ops.value);
  const h = ops.value(eName(i - 4));
  const t1 = sum(ops, [h, bigSigma1(ops, e), ops.ch(e, f, g), K[i], term(ops, word)]);
  const t2 = ops.add([bigSigma0(ops, a), ops.maj(a, b, c)]);
  return { t1, t2, d: ops.value(aName(i - 4)) };
}

/** Round i: defines t<i>, a<i> and, unless nothing reads it, e<i>. */
function round(ops, out, i, word, needE) {
  const { t1, t2, d } = roundParts(ops, i, word);
  out.push(ops.define(`t${i}`, t1));
  out.push(ops.define(`a${i}`, ops.add([ops.value(`t${i}`), t2])));
  if (needE) out.push(ops.define(`e${i}`, ops.add([d, ops.value(`t${i}`)])));
}

/** Definitions before the loop (rounds 0-1) and inside it (the rest), for `ops`. */
function compression(ops) {
  const outer = [];
  round(ops, outer, 0, "hi", true);
  // Round 1 differs per nonce only by W1 = n, so t1 splits into a constant + n.
  const { t1, t2, d } = roundParts(ops, 1, 0);
  outer.push(ops.define("r1", t1));
  outer.push(ops.define("a1Base", ops.add([ops.value("r1"), t2])));
  outer.push(ops.define("e1Base", ops.add([d, ops.value("r1")])));

  const inner = [];
  const w = schedule(ops, inner);
  inner.push(ops.define("a1", ops.add([ops.value("a1Base"), ops.value("n")])));
  inner.push(ops.define("e1", ops.add([ops.value("e1Base"), ops.value("n")])));
  for (let i = 2; i < 64; i++) round(ops, inner, i, w[i], i < 63);
  return { outer, inner };
}

// ------------------------------------------------------------- JavaScript target

const JS = {
  value: (name) => name,
  constant: (c) => String(c),
  add: (terms) => (terms.length === 1 ? terms[0] : `(${terms.join(" + ")}) | 0`),
  xor: (...terms) => `(${terms.join(" ^ ")})`,
  rotr: (x, r) => `((${x} >>> ${r}) | (${x} << ${32 - r}))`,
  shr: (x, r) => `(${x} >>> ${r})`,
  ch: (e, f, g) => `(${g} ^ (${e} & (${f} ^ ${g})))`,
  maj: (a, b, c) => `((${a} & ${b}) | (${c} & (${a} | ${b})))`,
  define: (name, expr) => `const ${name} = ${expr};`,
};

function renderJs() {
  const { outer, inner } = compression(JS);
  const indent = (lines, pad) => lines.map((line) => pad + line).join("\n");
  return `// Generated by js/tools/gen-search.mjs — do not edit; change the generator instead.
// The proof-of-work inner loop: SHA-256 of the final block only, fully unrolled.

/**
 * Searches nonces hi:lo, hi:lo+stride, ... (\`count\` of them) for one whose hash, from
 * midstate \`mid\` (8 Int32 words), starts with at least \`difficulty\` (0..32) zero bits.
 * lo + (count - 1) * stride must stay below 2**32; callers split ranges there.
 * Returns the winning low word as a uint32, or -1.
 */
export function searchBlock(mid, difficulty, hi, lo, stride, count) {
  const m0 = mid[0] | 0, m1 = mid[1] | 0, m2 = mid[2] | 0, m3 = mid[3] | 0;
  const m4 = mid[4] | 0, m5 = mid[5] | 0, m6 = mid[6] | 0, m7 = mid[7] | 0;
  hi |= 0;
${indent(outer, "  ")}
  // Hash word 0 has >= difficulty leading zero bits iff it is below this bound.
  const bound = difficulty >= 32 ? 1 : 2 ** (32 - difficulty);
  let n = lo | 0;
  for (let left = count; left > 0; left--, n = (n + stride) | 0) {
${indent(inner, "    ")}
    if (((m0 + a63) >>> 0) < bound) return n >>> 0;
  }
  return -1;
}
`;
}

// ------------------------------------------------------ WebAssembly SIMD target

const lanes = (c) => `(v128.const i32x4 ${c} ${c} ${c} ${c})`;
const WAT = {
  value: (name) => `(local.get $${name})`,
  constant: lanes,
  add: (terms) => terms.reduce((left, right) => `(i32x4.add ${left} ${right})`),
  xor: (...terms) => terms.reduce((left, right) => `(v128.xor ${left} ${right})`),
  rotr: (x, r) => `(v128.or (i32x4.shr_u ${x} (i32.const ${r})) (i32x4.shl ${x} (i32.const ${32 - r})))`,
  shr: (x, r) => `(i32x4.shr_u ${x} (i32.const ${r}))`,
  // bitselect(v1, v2, c) takes v1's bits where c is 1: Ch and Maj in one instruction.
  ch: (e, f, g) => `(v128.bitselect ${f} ${g} ${e})`,
  maj: (a, b, c) => `(v128.bitselect ${a} ${b} (v128.xor ${b} ${c}))`,
  define: (name, expr) => `(local.set $${name} ${expr})`,
};

function renderWat() {
  const { outer, inner } = compression(WAT);
  const locals = [...outer, ...inner].map((line) => line.match(/^\(local\.set \$(\w+)/)[1]);
  const midNames = Array.from({ length: 8 }, (_, i) => `m${i}`);
  const declare = [...midNames, "hi", "n", "step", "mask", "hits", ...locals]
    .map((name) => `(local $${name} v128)`)
    .join(" ");
  const loadMid = midNames.map((name, i) => `(local.set $${name} (i32x4.splat (i32.load offset=${i * 4} (i32.const 0))))`);
  const indent = (lines, pad) => lines.map((line) => pad + line).join("\n");
  return `;; Generated by js/tools/gen-search.mjs — do not edit; change the generator instead.
;; The proof-of-work inner loop in WebAssembly SIMD: four nonces per iteration, one per
;; i32x4 lane, SHA-256 of the final block only, fully unrolled.
(module
  ;; Bytes 0..31: the midstate as 8 little-endian i32 words, written by the caller.
  (memory (export "memory") 1)

  ;; Tries nonces hi:lo + k * stride for k = 0 .. count - 1 and returns the first k whose
  ;; hash word 0 has no bit of \`zeroMask\` set, or -1. lo + (count - 1) * stride must
  ;; stay below 2**32; lanes past \`count\` are computed but never reported.
  (func (export "search") (param $hiWord i32) (param $lo i32) (param $stride i32)
      (param $count i32) (param $zeroMask i32) (result i32)
    (local $i i32) (local $lane i32)
    ${declare}
${indent(loadMid, "    ")}
    (local.set $hi (i32x4.splat (local.get $hiWord)))
${indent(outer, "    ")}
    (local.set $n (i32x4.add (i32x4.splat (local.get $lo))
      (i32x4.mul (i32x4.splat (local.get $stride)) (v128.const i32x4 0 1 2 3))))
    (local.set $step (i32x4.splat (i32.shl (local.get $stride) (i32.const 2))))
    (local.set $mask (i32x4.splat (local.get $zeroMask)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
${indent(inner, "        ")}
        (local.set $hits (i32x4.eq (v128.and (i32x4.add (local.get $m0) (local.get $a63))
          (local.get $mask)) ${lanes(0)}))
        (if (v128.any_true (local.get $hits))
          (then
            ;; Lanes are in nonce order, so the lowest hit lane is the first solution.
            (local.set $lane (i32.ctz (i32x4.bitmask (local.get $hits))))
            (if (i32.lt_u (i32.add (local.get $i) (local.get $lane)) (local.get $count))
              (then (return (i32.add (local.get $i) (local.get $lane)))))
            (return (i32.const -1))))
        (local.set $n (i32x4.add (local.get $n) (local.get $step)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (i32.const -1))
)
`;
}

// ------------------------------------------------------------------------ CLI

export function isFresh(name) {
  return readFileSync(srcPath(name), "utf8") === OUTPUTS[name]();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  for (const [name, render] of Object.entries(OUTPUTS)) {
    if (!check) writeFileSync(srcPath(name), render());
    else if (!isFresh(name)) {
      console.error(`js/src/${name} is stale: run node js/tools/gen-search.mjs`);
      process.exitCode = 1;
    }
  }
}
