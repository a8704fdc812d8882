// Solves or verifies proof-of-work puzzles with the browser solver's own code, so the
// Python side can check the two implementations against each other.
//
//   node js/tools/solve.mjs SEED DIFFICULTY [START]   print the first nonce >= START
//   node js/tools/solve.mjs < requests.jsonl           one JSON answer line per line:
//     {"seed": s, "difficulty": d, "start": n}         -> {"nonce": n, "hashes": h}
//     {"seed": s, "difficulty": d, "nonce": n}         -> {"valid": true|false}

import { createInterface } from "node:readline";
import { createSearch, isSolution } from "../src/pow.js";

function solve(seed, difficulty, start = 0) {
  const search = createSearch({ seed, difficulty, start });
  let hashes = 0;
  for (;;) {
    const result = search.next(1 << 20);
    hashes += result.hashes;
    if (result.nonce !== null) return { nonce: result.nonce, hashes };
    if (result.exhausted) throw new RangeError("nonce space exhausted");
  }
}

function answer(request) {
  const { seed, difficulty, start, nonce } = request;
  if (nonce !== undefined) return { valid: isSolution(seed, nonce, difficulty) };
  return solve(seed, difficulty, start);
}

async function serveLines() {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim()) process.stdout.write(`${JSON.stringify(answer(JSON.parse(line)))}\n`);
  }
}

const [seed, difficulty, start] = process.argv.slice(2);
if (seed === undefined) {
  await serveLines();
} else {
  console.log(solve(seed, Number(difficulty), Number(start || 0)).nonce);
}
