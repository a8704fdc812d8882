// Generates the proof-of-work inner loop, fully unrolled, in two forms:
//   js/src/search-block.js   plain JavaScript, one nonce at a time
//   js/src/search-simd.wat   WebAssembly SIMD text, four nonces at a time (i32x4 lanes)
//
// Why generated: V8 runs SHA-256 about twice as fast when the 64 rounds and the message
// schedule live in local constants rather than in arrays (no loads, no bounds checks),
// but 64 hand-written rounds are unreviewable. This script is the readable form. One
// description of the final-block compression drives both targets: it folds what is
// constant in the final block (padding, length, zero words), hoists what does not depend
// on the low nonce word (rounds 0-1 and parts of 2-4), and trims per-round work (see
// compression()). docs/performance-solver.md has the measurements behind each choice.
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

/** Message schedule W16..W63: {words (numbers or names), definitions by index}. */
function schedule(ops) {
  const words = [...BLOCK];
  const definitions = [];
  for (let i = 16; i < 64; i++) {
    const terms = [
      sigma(ops, "s1", words[i - 2]),
      term(ops, words[i - 7]),
      sigma(ops, "s0", words[i - 15]),
      term(ops, words[i - 16]),
    ];
    definitions[i] = ops.define(`w${i}`, sum(ops, terms));
    words[i] = `w${i}`;
  }
  return { words, definitions };
}

// State in single-assignment form: round i defines a<i> and e<i>; b, c, d are earlier
// a's and f, g, h earlier e's. Names for i < 0 are the midstate words m0..m7.
const aName = (i) => (i >= 0 ? `a${i}` : `m${-1 - i}`);
const eName = (i) => (i >= 0 ? `e${i}` : `m${3 - i}`);

// Rounds 2-4 read an h that does not depend on the low nonce word (m5, m4, e0) and a
// constant W, so h + K + W is computed once per call.
const INVARIANT_H = [2, 3, 4];

/**
 * Definitions before the loop (what does not depend on the low nonce word `n`) and
 * inside it, for `ops`. Besides folding constants:
 * - rounds 0 and most of 1 are hoisted (`a1 = a1Base + n`, `e1 = e1Base + n`);
 * - h + K + W of rounds 2-4 and Ch's f ^ g of round 2 are hoisted;
 * - Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)), where b ^ c is the previous round's a ^ b
 *   (x<i> = a<i-1> ^ a<i-2>), so each round pays one xor for it instead of two;
 * - m0 is added into round 63's constant, so a63 is hash word 0; e63 is never computed;
 * - each schedule word is defined just before the round that first reads it (measured in
 *   Chromium 156: ~3 % faster than the whole schedule first, fewer register spills).
 */
function compression(ops) {
  const v = ops.value;
  const outer = [];
  const t0 = sum(ops, [v("m7"), bigSigma1(ops, v("m4")), ops.ch(v("m4"), v("m5"), v("m6")), K[0], v("hi")]);
  outer.push(ops.define("t0", t0));
  outer.push(ops.define("a0", ops.add([v("t0"), bigSigma0(ops, v("m0")), ops.maj(v("m0"), v("m1"), v("m2"))])));
  outer.push(ops.define("e0", ops.add([v("m3"), v("t0")])));
  // Round 1 differs per nonce only by W1 = n, so t1 splits into a constant + n.
  const r1 = sum(ops, [v("m6"), bigSigma1(ops, v("e0")), ops.ch(v("e0"), v("m4"), v("m5")), K[1]]);
  outer.push(ops.define("r1", r1));
  outer.push(ops.define("a1Base", ops.add([v("r1"), bigSigma0(ops, v("a0")), ops.maj(v("a0"), v("m0"), v("m1"))])));
  outer.push(ops.define("e1Base", ops.add([v("m2"), v("r1")])));
  outer.push(ops.define("x1", ops.xor(v("a0"), v("m0"))));
  outer.push(ops.define("fg2", ops.xor(v("e0"), v("m4"))));
  outer.push(ops.define("k63", sum(ops, [v("m0"), K[63]])));

  const { words, definitions } = schedule(ops);
  const inner = [];
  inner.push(ops.define("a1", ops.add([v("a1Base"), v("n")])));
  inner.push(ops.define("e1", ops.add([v("e1Base"), v("n")])));
  for (let i = 2; i < 64; i++) {
    if (definitions[i]) inner.push(definitions[i]);
    const [a, b] = [aName(i - 1), aName(i - 2)];
    const [e, f, g, h] = [eName(i - 1), eName(i - 2), eName(i - 3), eName(i - 4)];
    let hkw = [v(h), K[i], term(ops, words[i])];
    if (INVARIANT_H.includes(i)) {
      outer.push(ops.define(`hk${i}`, sum(ops, hkw)));
      hkw = [v(`hk${i}`)];
    } else if (i === 63) {
      hkw = [v(h), v("k63"), term(ops, words[i])];
    }
    const ch = i === 2 ? ops.xor(v(g), ops.and(v(e), v("fg2"))) : ops.ch(v(e), v(f), v(g));
    inner.push(ops.define(`t${i}`, sum(ops, [hkw[0], bigSigma1(ops, v(e)), ch, ...hkw.slice(1)])));
    inner.push(ops.define(`x${i}`, ops.xor(v(a), v(b))));
    const maj = ops.xor(v(b), ops.and(v(`x${i}`), v(`x${i - 1}`)));
    inner.push(ops.define(`a${i}`, ops.add([v(`t${i}`), ops.add([bigSigma0(ops, v(a)), maj])])));
    if (i < 63) inner.push(ops.define(`e${i}`, ops.add([v(aName(i - 4)), v(`t${i}`)])));
  }
  return { outer, inner };
}

// ------------------------------------------------------------- JavaScript target

const JS = {
  value: (name) => name,
  constant: (c) => String(c),
  add: (terms) => (terms.length === 1 ? terms[0] : `(${terms.join(" + ")}) | 0`),
  xor: (...terms) => `(${terms.join(" ^ ")})`,
  and: (x, y) => `(${x} & ${y})`,
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
  // Hash word 0 (a63) has >= difficulty leading zero bits iff it is below this bound.
  const bound = difficulty >= 32 ? 1 : 2 ** (32 - difficulty);
  let n = lo | 0;
  for (let left = count; left > 0; left--, n = (n + stride) | 0) {
${indent(inner, "    ")}
    if ((a63 >>> 0) < bound) return n >>> 0;
  }
  return -1;
}
`;
}

// ------------------------------------------------------ WebAssembly SIMD target

// Constants live in memory from byte 32 on, one 16-byte splat each: V8 (x64) builds a
// v128.const from immediates with three instructions, two of them on the vector ports
// this loop saturates, but loads one from memory with one instruction on a load port.
const CONSTANTS_AT = 32;

function watOps() {
  const offsets = new Map();
  const constant = (c) => {
    if (!offsets.has(c)) offsets.set(c, CONSTANTS_AT + 16 * offsets.size);
    return `(v128.load offset=${offsets.get(c)} (i32.const 0))`;
  };
  const ops = {
    value: (name) => `(local.get $${name})`,
    constant,
    add: (terms) => terms.reduce((left, right) => `(i32x4.add ${left} ${right})`),
    xor: (...terms) => terms.reduce((left, right) => `(v128.xor ${left} ${right})`),
    and: (x, y) => `(v128.and ${x} ${y})`,
    rotr: (x, r) => `(v128.or (i32x4.shr_u ${x} (i32.const ${r})) (i32x4.shl ${x} (i32.const ${32 - r})))`,
    shr: (x, r) => `(i32x4.shr_u ${x} (i32.const ${r}))`,
    // bitselect(v1, v2, c) takes v1's bits where c is 1: Ch and Maj in one instruction.
    ch: (e, f, g) => `(v128.bitselect ${f} ${g} ${e})`,
    maj: (a, b, c) => `(v128.bitselect ${a} ${b} (v128.xor ${b} ${c}))`,
    define: (name, expr) => `(local.set $${name} ${expr})`,
  };
  /** The data segment holding every constant used so far, as a WAT string literal. */
  const data = () => {
    const hex = [];
    for (const c of offsets.keys()) {
      for (let lane = 0; lane < 4; lane++) {
        for (let byte = 0; byte < 4; byte++) hex.push(`\\${((c >>> (8 * byte)) & 0xff).toString(16).padStart(2, "0")}`);
      }
    }
    return hex.join("");
  };
  return { ops, data };
}

function renderWat() {
  const { ops, data } = watOps();
  const { outer, inner } = compression(ops);
  const locals = [...outer, ...inner].map((line) => line.match(/^\(local\.set \$(\w+)/)[1]);
  const midNames = Array.from({ length: 8 }, (_, i) => `m${i}`);
  const declare = [...midNames, "hi", "n", "step", "mask", "hits", ...locals]
    .map((name) => `(local $${name} v128)`)
    .join(" ");
  const loadMid = midNames.map((name, i) => `(local.set $${name} (i32x4.splat (i32.load offset=${i * 4} (i32.const 0))))`);
  const indent = (lines, pad) => lines.map((line) => pad + line).join("\n");
  // Wrap the data segment's string so the file stays readable.
  const dataLines = data().match(/.{1,96}/g).map((chunk) => `    "${chunk}"`);
  return `;; Generated by js/tools/gen-search.mjs — do not edit; change the generator instead.
;; The proof-of-work inner loop in WebAssembly SIMD: four nonces per iteration, one per
;; i32x4 lane, SHA-256 of the final block only, fully unrolled.
(module
  ;; Bytes 0..31: the midstate as 8 little-endian i32 words, written by the caller.
  ;; Bytes ${CONSTANTS_AT}..: the loop's constants (round constants folded with constant schedule
  ;; words), one i32x4 splat each, read-only.
  (memory (export "memory") 1)
  (data (i32.const ${CONSTANTS_AT})
${dataLines.join("\n")})

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
        ;; a63 is hash word 0 (m0 was folded into round 63).
        (local.set $hits (i32x4.eq (v128.and (local.get $a63) (local.get $mask))
          (v128.const i32x4 0 0 0 0)))
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
