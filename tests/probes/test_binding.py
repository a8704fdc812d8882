"""Binding: the answers key the proof-of-work and a MAC over the whole body, per ticket."""

from __future__ import annotations

import json
from typing import Any

import pytest

from humangate import pow
from humangate.challenges import Submission
from humangate.levels import Level
from humangate.probes import binding
from humangate.probes.expected import expected_key, family_verdicts, program
from humangate.probes.oracle import signed_body
from humangate.probes.step import PROBE_SECONDS, ProbeStep
from humangate.signals import PAGE_CHECKS, passing_signals
from humangate.signals.verdicts import Verdict
from humangate.tickets import Failure, Ticket, TicketBook
from humangate.tokens import KeyRing
from tests.conftest import SECRET

BOOK = TicketBook(KeyRing([SECRET], purposes=("ticket",)), 300)


def _ticket(now: float = 1000.0, level: Level = Level.MANAGED) -> Ticket:
    ticket, _ = BOOK.issue(
        level=level, difficulty=4, client_ip=None, user_agent="ua", target="/",
        ray="0" * 16, now=now,
    )  # fmt: skip
    return ticket


def _digests(ticket: Ticket, answers: dict[str, str] | None = None) -> dict[str, str]:
    prog = program(ticket)
    return {
        f: binding.digest(ticket.id, f, (answers or {}).get(f, prog.family_answer(f)))
        for f in dict.fromkeys(prog.families)
    }


def _body(ticket: Ticket, key: str, digests: dict[str, str], **signals: str) -> bytes:
    payload: dict[str, Any] = {
        "ticket": "t",
        "nonce": 0,
        "signals": {**{k: v for k, v in passing_signals().items() if k in PAGE_CHECKS}, **signals},
        "steps": {"probe": {"d": digests}},
    }
    return signed_body(key, payload)


def _submission(ticket: Ticket, body: bytes, now: float = 1001.0) -> Submission:
    data = json.loads(body)
    return Submission(
        ticket=ticket, nonce=data["nonce"], elapsed_ms=None, signals=data["signals"],
        steps=data["steps"], header=lambda name: None, user_agent="ua", scheme="http",
        host="h", now=now, body=body,
    )  # fmt: skip


def test_the_right_answers_pass() -> None:
    ticket = _ticket()
    result = ProbeStep().verify(
        _submission(ticket, _body(ticket, expected_key(ticket), _digests(ticket)))
    )
    assert result.ok, result.verdicts
    assert set(result.verdicts) == {"probe_box", "probe_path", "probe_style", "probe_binding"}


def test_answers_of_ticket_a_are_refused_on_ticket_b() -> None:
    a, b = _ticket(), _ticket()
    body = _body(b, expected_key(a), _digests(a))
    result = ProbeStep().verify(_submission(b, body))
    assert result.failure == Failure.AUTOMATED.value
    assert all(v is Verdict.FAIL for v in result.verdicts.values())


def test_a_nonce_found_for_ticket_a_answers_solves_nothing_for_b() -> None:
    a = _ticket()
    b = Ticket(**{**{s: getattr(a, s) for s in Ticket.__slots__}, "probe": _ticket().probe})
    nonce = pow.solve(binding.pow_seed(a.seed, expected_key(a)), 12)
    assert pow.is_solution(binding.pow_seed(a.seed, expected_key(a)), nonce, 12)
    # Same puzzle seed, other probe answers: the keyed seed differs.
    assert binding.pow_seed(b.seed, expected_key(b)) != binding.pow_seed(a.seed, expected_key(a))


def test_mixing_in_other_signals_breaks_the_mac() -> None:
    ticket = _ticket()
    body = _body(ticket, expected_key(ticket), _digests(ticket), webdriver="fail")
    swapped = body.replace(b'"webdriver":"fail"', b'"webdriver":"pass"')
    result = ProbeStep().verify(_submission(ticket, swapped))
    assert result.verdicts["probe_binding"] is Verdict.FAIL
    assert result.verdicts["probe_box"] is Verdict.PASS  # the digests alone are not enough


def test_a_mac_under_a_guessed_key_fails() -> None:
    ticket = _ticket()
    body = _body(ticket, "0" * 64, _digests(ticket))
    assert ProbeStep().verify(_submission(ticket, body)).verdicts["probe_binding"] is Verdict.FAIL


@pytest.mark.parametrize("proof", [b"", b',"proof":"' + b"1" * 64 + b'"'])
def test_missing_or_duplicated_proof_fails(proof: bytes) -> None:
    ticket = _ticket()
    body = _body(ticket, expected_key(ticket), _digests(ticket))
    body = body[:-1] + proof + b"}" if proof else body.replace(b'"proof":"', b'"other":"')
    assert not binding.mac_valid(expected_key(ticket), body)


def test_tolerance_does_not_cover_a_one_unit_miss() -> None:
    # Real engines round to the exact units; one unit off anywhere is a wrong answer.
    ticket = _ticket()
    box = program(ticket).family_answer("box")
    first, rest = box.split(",", 1)
    near = f"{int(first) + 1},{rest}"
    verdicts = family_verdicts(ticket, _digests(ticket, {"box": near}))
    assert verdicts["probe_box"] is Verdict.FAIL and verdicts["probe_path"] is Verdict.PASS
    flipped = program(ticket).family_answer("path")
    flipped = ("1" if flipped[0] == "0" else "0") + flipped[1:]
    assert (
        family_verdicts(ticket, _digests(ticket, {"path": flipped}))["probe_path"] is Verdict.FAIL
    )


def test_time_limit_without_an_interaction() -> None:
    ticket = _ticket(now=1000.0)
    body = _body(ticket, expected_key(ticket), _digests(ticket))
    late = 1000.0 + PROBE_SECONDS + 1
    assert ProbeStep().verify(_submission(ticket, body, now=late)).failure == Failure.EXPIRED.value
    assert ProbeStep().verify(_submission(ticket, body, now=late - 2)).ok
    # A person clicking the button may take longer: the ticket's own expiry then applies
    # (the interaction step judges the evidence; a verdict in the signals buys nothing).
    claimed = _body(ticket, expected_key(ticket), _digests(ticket), interaction="pass")
    verdict = ProbeStep().verify(_submission(ticket, claimed, now=late))
    assert verdict.failure == Failure.EXPIRED.value
    as_evidence = signed_body(
        expected_key(ticket),
        {"ticket": "t", "nonce": 0, "signals": {},
         "steps": {"probe": {"d": _digests(ticket)}, "interaction": {"pointer": [1, 2]}}},
    )  # fmt: skip
    assert ProbeStep().verify(_submission(ticket, as_evidence, now=late)).ok
    # A js challenge has no interaction: claiming one buys no time.
    js = _ticket(now=1000.0, level=Level.NON_INTERACTIVE)
    clicked = signed_body(
        expected_key(js),
        {"ticket": "t", "nonce": 0, "signals": {},
         "steps": {"probe": {"d": _digests(js)}, "interaction": {"pointer": [1, 2]}}},
    )  # fmt: skip
    assert ProbeStep().verify(_submission(js, clicked, now=late)).failure == Failure.EXPIRED.value


def test_the_page_gets_the_program_and_the_ticket_id_but_not_the_seed() -> None:
    ticket = _ticket()
    params = ProbeStep().issue(ticket)
    assert params["t"] == ticket.id
    assert ticket.probe not in json.dumps(params)
