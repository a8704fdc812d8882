"""What the server expects from a ticket's probe: regenerated from its sealed seed."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from humangate.crypto.tickets import Ticket
from humangate.probes import binding
from humangate.probes.program import FAMILIES, Program, generate
from humangate.signals.verdicts import Verdict, Verdicts


@functools.lru_cache(maxsize=512)
def _program(seed_hex: str) -> Program:
    return generate(bytes.fromhex(seed_hex))


def program(ticket: Ticket) -> Program:
    """The ticket's program (regenerated from its sealed seed, cached briefly)."""
    return _program(ticket.probe)


def expected_key(ticket: Ticket) -> str:
    return binding.key(ticket.id, program(ticket).answers)


def pow_seed(ticket: Ticket) -> str:
    """The seed the proof-of-work for this ticket is searched over."""
    return binding.pow_seed(ticket.seed, expected_key(ticket))


def family_verdicts(ticket: Ticket, reported: Mapping[str, object]) -> Verdicts:
    """``probe_<family>``: pass when the page's digest matches the server's answer."""
    prog = program(ticket)
    verdicts: Verdicts = {}
    for family in FAMILIES:
        if family not in prog.families:
            continue
        want = binding.digest(ticket.id, family, prog.family_answer(family))
        got = reported.get(family)
        verdicts[f"probe_{family}"] = (
            Verdict.PASS if isinstance(got, str) and got == want else Verdict.FAIL
        )
    return verdicts
