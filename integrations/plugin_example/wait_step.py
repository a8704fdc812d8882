"""The Python half of the "wait" step: hand out the delay, verify it really passed."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

from humangate.challenges import StepResult, Submission
from humangate.tickets import Ticket

DEFAULT_TICKET_TTL = 300  # humangate's default Config.ticket_ttl


class WaitStep:
    """The visitor waits ``seconds``, then confirms with the page's button.

    The wait is checked on the server against the sealed ticket's lifetime, so a client
    cannot skip it by answering early: the ticket was issued at ``expires_at - ttl``.
    """

    name = "wait"

    def __init__(self, seconds: int = 3, ticket_ttl: int = DEFAULT_TICKET_TTL) -> None:
        self.seconds = seconds
        self.ticket_ttl = ticket_ttl
        self.script: str | None = (
            resources.files(__package__).joinpath("wait.js").read_text(encoding="utf-8")
        )

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        return {"seconds": self.seconds}

    def verify(self, submission: Submission) -> StepResult:
        answer = submission.answer(self.name)
        issued_at = submission.ticket.expires_at - self.ticket_ttl
        if answer.get("confirmed") is not True or answer.get("trusted") is not True:
            return StepResult("step_failed")
        if submission.now < issued_at + self.seconds:
            return StepResult("step_failed")  # answered before the wait was over
        return StepResult()
