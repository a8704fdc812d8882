"""What a challenge step is: a Python half (issue / verify) and a JS half of one name.

A step is any object with this shape (a :class:`typing.Protocol`, so plugins need not
import or subclass anything of humangate's to be one). Challenge *types* are ordered lists
of steps (see :mod:`humangate.challenges.types`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from humangate.crypto.tickets import Ticket
from humangate.jsontext import compact
from humangate.signals import Verdicts


@dataclass(frozen=True, slots=True)
class Submission:
    """One solve attempt as a step sees it."""

    ticket: Ticket
    nonce: int
    elapsed_ms: int | None
    signals: Mapping[str, object]  # raw client verdicts, parsed by the signals step
    steps: Mapping[str, object]  # the steps' own answers: payload["steps"]
    header: Callable[[str], str | None]
    user_agent: str
    scheme: str
    host: str
    now: float
    body: bytes = b""  # the exact request body (what the probe step's MAC covers)

    def answer(self, name: str) -> Mapping[str, object]:
        """Step ``name``'s answer from the browser ({} when missing or malformed)."""
        value = self.steps.get(name)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class StepResult:
    """A step's judgement: a failure reason (a tickets.Failure value) and/or verdicts."""

    failure: str | None = None
    verdicts: Verdicts = field(default_factory=dict)
    # This ticket's client presented a valid Private Access Token (humangate.pat): the
    # challenge type may then waive its interaction (and, if configured, other steps).
    attested: bool = False

    @property
    def ok(self) -> bool:
        return self.failure is None


@runtime_checkable
class ChallengeStep(Protocol):
    """A challenge step. ``name`` is also the JS half's name.

    ``script`` is the browser half's source, served at ``{prefix}static/challenges/<name>.js``
    (``None`` for the built-in steps compiled into challenge.js). It must call
    ``humangate.registerStep(name, async (challenge, view, params) => answer)``; the answer
    is posted as ``steps[name]``; :meth:`verify` reads it with ``submission.answer(name)``.

    A step may also have ``issue_json(ticket) -> str``: the same parameters as JSON text,
    exactly as ``humangate.jsontext.compact`` writes ``issue(ticket)``. The built-in steps
    have one, since every challenge page carries their parameters and encoding small
    mappings costs more than writing them; without it, ``issue``'s mapping is encoded.
    """

    @property
    def name(self) -> str: ...

    @property
    def script(self) -> str | None: ...

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        """Parameters for the JS half of this ticket (public: they are in the page)."""
        ...

    def verify(self, submission: Submission) -> StepResult:
        """Judge the browser's answer. Must not trust anything the client could forge
        unless it is bound to the sealed ticket (ids, times, the proof of work)."""
        ...


def params_writer(step: ChallengeStep) -> Callable[[Ticket], str]:
    """What writes ``step``'s parameters for a ticket as JSON text: its own
    ``issue_json`` when it has one, else its ``issue`` encoded."""
    own = getattr(step, "issue_json", None)
    if callable(own):
        return own  # type: ignore[no-any-return]
    return lambda ticket: compact(dict(step.issue(ticket)))
