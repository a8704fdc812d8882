"""The server's own answers to a ticket's probe, for tests without a browser.

Only whoever holds the secret key can do this: it opens the sealed ticket and
regenerates the program's answers. The project's own tests and benchmarks solve through
it; an attacker without the key cannot. (Site owners' test suites skip challenges with
:func:`humangate.testing.give_clearance` instead.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from humangate.crypto import pow
from humangate.crypto.tickets import Ticket, TicketBook
from humangate.crypto.tokens import KeyRing
from humangate.jsontext import compact
from humangate.probes import binding
from humangate.probes.expected import expected_key, program


@dataclass(frozen=True, slots=True)
class KnownAnswers:
    ticket: Ticket
    digests: dict[str, str]  # what the page posts as steps.probe.d
    key: str  # never posted: seeds the proof-of-work, signs the body
    pow_seed: str


def known_answers(secret_keys: Sequence[str], token: str, purpose: str = "ticket") -> KnownAnswers:
    """``purpose`` "jsd": a JavaScript Detections ticket (humangate.engine.jsd)."""
    keys = KeyRing(secret_keys, purposes=(purpose,))
    ticket = TicketBook(keys, ttl=60, purpose=purpose).open(token)
    prog = program(ticket)
    digests = {
        family: binding.digest(ticket.id, family, prog.family_answer(family))
        for family in dict.fromkeys(prog.families)
    }
    key = expected_key(ticket)
    return KnownAnswers(ticket, digests, key, binding.pow_seed(ticket.seed, key))


def signed_body(key: str, payload: Mapping[str, object]) -> bytes:
    """``payload`` as the page posts it: JSON with a proof signed under ``key``."""
    body = compact({**payload, binding.PROOF_FIELD: binding.ZERO_PROOF})
    return binding.sign(key, body.encode())


def interaction_evidence(
    challenge: Mapping[str, object],
    how: str = "mouse",
    *,
    pad: float | None = None,
    x: float | None = None,
    y: float | None = None,
) -> dict[str, object]:
    """What the page sends when a person activates the button the ticket placed
    (``steps.interaction``, judged by humangate.challenges.interaction).

    ``how``: "mouse" (pointer and mouse events, then the click, at ``x``/``y`` in px
    relative to the pad, by default the button's centre), "keyboard" (Enter), "space",
    "assistive" (a lone trusted click). ``pad``: the pad's width in px where the page
    decides it (the challenge page; 400 unless given); the widget's pad has its own.
    """
    step_params = challenge["step_params"]
    assert isinstance(step_params, Mapping)
    params = step_params["interaction"]
    assert isinstance(params, Mapping)
    fixed = float(params.get("pad_w") or 0)
    width = fixed or (pad if pad is not None else 400.0)
    left, top = params["left"] * width / 1000, float(params["top"])
    button = [round(left, 1), top, round(params["width"] * width / 1000, 1), params["height"]]
    at_x = x if x is not None else left + button[2] / 2
    at_y = y if y is not None else top + params["height"] / 2

    def event(kind: str, t: float, **fields: object) -> dict[str, object]:
        record: dict[str, object] = {"type": kind, "t": t, "x": at_x, "y": at_y}
        record.update(trusted=True, detail=0, pointer="", key="", same_screen=False)
        record.update(fields)
        return record

    if how == "mouse":
        events = [
            event("pointerdown", 640.0, pointer="mouse"),
            event("mousedown", 640.0),
            event("pointerup", 731.5, pointer="mouse"),
            event("mouseup", 731.5),
            event("click", 731.5, detail=1, pointer="mouse"),
        ]
    elif how == "keyboard":
        events = [event("keydown", 900.0, key="enter", x=0, y=0), event("click", 900.0, x=0, y=0)]
    elif how == "space":
        events = [
            event("keydown", 900.0, key="space", x=0, y=0),
            event("keyup", 980.0, key="space", x=0, y=0),
            event("click", 980.0, x=0, y=0),
        ]
    else:
        events = [event("click", 1200.0, x=0, y=0)]
    return {"pad": [width, float(params["pad"])], "button": button, "events": events}


def solution_body(
    secret_keys: Sequence[str],
    challenge: Mapping[str, object],
    *,
    signals: Mapping[str, object],
    nonce: int | None = None,
    steps: Mapping[str, object] | None = None,
    elapsed_ms: int | None = 5,
    extra: Mapping[str, object] | None = None,
    purpose: str = "ticket",
    interaction: str | None = None,
) -> bytes:
    """The body a real browser posts for ``challenge`` (the page's challenge data).

    ``extra`` adds top-level fields (``solver``...), signed like the rest;
    ``interaction`` a person's activation of the button (see interaction_evidence)
    unless ``steps`` brings one.
    """
    steps = dict(steps or {})
    if interaction is not None and "interaction" not in steps:
        steps["interaction"] = interaction_evidence(challenge, interaction)
    token = str(challenge["ticket"])
    known = known_answers(secret_keys, token, purpose)
    if nonce is None:
        nonce = pow.solve(known.pow_seed, int(str(challenge["difficulty"])))
    payload: dict[str, object] = {
        "ticket": token,
        "nonce": nonce,
        "signals": dict(signals),
        "steps": {**steps, "probe": {"d": known.digests}},
    }
    if elapsed_ms is not None:
        payload["elapsed_ms"] = elapsed_ms
    payload.update(extra or {})
    return signed_body(known.key, payload)
