"""The proof-of-work puzzle shared by the Python verifier and the browser solver.

Puzzle: find an integer ``nonce`` (0 <= nonce < 2**53) such that
``SHA-256(seed || nonce.to_bytes(8, "big"))`` starts with at least ``difficulty`` zero
bits. ``seed`` is exactly 64 ASCII bytes (32 random bytes in hex), one whole SHA-256
block, so a solver computes the midstate once and hashes a single final block per nonce.
Verification is one hash.
"""

from __future__ import annotations

import hashlib
import secrets

SEED_BYTES = 64
MAX_NONCE = 2**53 - 1  # largest integer JavaScript represents exactly
MAX_DIFFICULTY = 32


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES // 2)


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def digest(seed: str, nonce: int) -> bytes:
    return hashlib.sha256(seed.encode("ascii") + nonce.to_bytes(8, "big")).digest()


def is_solution(seed: str, nonce: int, difficulty: int) -> bool:
    """One SHA-256: whether ``nonce`` solves the puzzle for ``seed`` at ``difficulty``."""
    if not 0 <= nonce <= MAX_NONCE or len(seed) != SEED_BYTES or not seed.isascii():
        return False
    return leading_zero_bits(digest(seed, nonce)) >= difficulty


def solve(seed: str, difficulty: int, start: int = 0) -> int:
    """Reference solver (tests, ``humangate.testing``, benchmarks): midstate + loop."""
    prefix = hashlib.sha256(seed.encode("ascii"))
    nonce = start
    while True:
        h = prefix.copy()
        h.update(nonce.to_bytes(8, "big"))
        if leading_zero_bits(h.digest()) >= difficulty:
            return nonce
        nonce += 1
