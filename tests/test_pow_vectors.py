"""Shared proof-of-work vectors: the browser solver (JavaScript) against the Python
verifier, and the Python reference solver against the browser's verifier."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from humangate import pow

ROOT = Path(__file__).resolve().parent.parent
SOLVE_TOOL = ROOT / "js" / "tools" / "solve.mjs"
NODE = shutil.which("node")


@pytest.fixture(autouse=True)
def _node_required() -> None:
    if NODE is None:
        pytest.fail("needs node on PATH")


# Fixed seeds (reproducible failures) plus shapes the verifier must handle: all-zero and
# all-'f' hex, uppercase, and printable non-hex ASCII (64 bytes is all pow.py requires).
SEEDS = [
    "00" * 32,
    "ff" * 32,
    "0123456789abcdef" * 4,
    "DEADBEEF" * 8,
    "humangate proof-of-work vector seed, exactly sixty-four bytes!!.",
    "3f9c1e0a7b2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d2e4f6a8b0c1d3e",
]
DIFFICULTIES = [1, 8, 14, 17]


def run_node(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sends JSON-lines requests to js/tools/solve.mjs; returns its answers in order."""
    assert NODE is not None
    lines = "".join(json.dumps(request) + "\n" for request in requests)
    completed = subprocess.run(
        [NODE, str(SOLVE_TOOL)],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [json.loads(line) for line in completed.stdout.splitlines()]


def test_seeds_are_puzzle_seeds() -> None:
    assert all(len(seed) == pow.SEED_BYTES and seed.isascii() for seed in SEEDS)


def test_javascript_solutions_pass_the_python_verifier() -> None:
    requests = [
        {"seed": seed, "difficulty": difficulty, "start": start}
        for seed in SEEDS
        for difficulty in DIFFICULTIES
        for start in (0, 2**32 - 1000)
    ]
    answers = run_node(requests)
    assert len(answers) == len(requests)
    for request, answer in zip(requests, answers, strict=True):
        nonce = answer["nonce"]
        assert nonce >= request["start"]
        assert pow.is_solution(request["seed"], nonce, request["difficulty"]), request


def test_javascript_finds_the_same_first_nonce_as_python() -> None:
    requests = [{"seed": seed, "difficulty": 12, "start": 2**32 - 3000} for seed in SEEDS]
    answers = run_node(requests)
    for request, answer in zip(requests, answers, strict=True):
        assert answer["nonce"] == pow.solve(request["seed"], 12, start=request["start"])
        assert answer["hashes"] == answer["nonce"] - request["start"] + 1


def test_python_solutions_pass_the_javascript_verifier() -> None:
    requests: list[dict[str, Any]] = []
    for seed in SEEDS:
        for difficulty in DIFFICULTIES[:3]:
            nonce = pow.solve(seed, difficulty)
            requests.append({"seed": seed, "difficulty": difficulty, "nonce": nonce})
            # The next harder puzzle rejects it unless it happens to clear that bar too.
            harder = pow.is_solution(seed, nonce, difficulty + 1)
            requests.append(
                {"seed": seed, "difficulty": difficulty + 1, "nonce": nonce, "expect": harder}
            )
    answers = run_node(requests)
    for request, answer in zip(requests, answers, strict=True):
        assert answer["valid"] is request.get("expect", True), request


def test_verifiers_agree_on_arbitrary_nonces() -> None:
    nonces = [0, 1, 255, 2**32 - 1, 2**32, 2**40 + 12345, pow.MAX_NONCE]
    requests = [
        {"seed": seed, "difficulty": difficulty, "nonce": nonce}
        for seed in SEEDS[:3]
        for nonce in nonces
        for difficulty in (0, 1, 2, 3)
    ]
    answers = run_node(requests)
    for request, answer in zip(requests, answers, strict=True):
        expected = pow.is_solution(request["seed"], request["nonce"], request["difficulty"])
        assert answer["valid"] is expected, request
