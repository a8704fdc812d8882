// Progress of a proof-of-work search. The amount of work is random, so the bar shows
// the probability that a solution would have been found by now: 1 - (1 - 2^-d)^hashes.

/** Probability (0..1) that `hashes` tries at `difficulty` bits contain a solution. */
export function solveProbability(hashes, difficulty) {
  if (hashes <= 0) return 0;
  // expm1/log1p keep precision where 2^-d is tiny and (1 - 2^-d) rounds toward 1.
  return -Math.expm1(hashes * Math.log1p(-(2 ** -difficulty)));
}

/**
 * Whole percent for aria-valuenow and the bar. Held at 99 until the solution is
 * actually accepted, so the bar never claims to be done while work continues.
 */
export function progressPercent(hashes, difficulty) {
  return Math.min(99, Math.floor(solveProbability(hashes, difficulty) * 100));
}

/** Expected number of tries for a solution: 2^difficulty. */
export function expectedHashes(difficulty) {
  return 2 ** difficulty;
}
