"""Rate limiting rules: one fixed-window counter per rule and characteristic tuple,
kept in the store so that every worker process (and machine, with redis) shares it.

Every store operation is yielded (see :mod:`humangate.effects`), never performed here.
"""

from __future__ import annotations

import enum
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from humangate.effects import Flow, Increment, IsSpent, Spend
from humangate.levels import Action
from humangate.rules.characteristics import parse_characteristic
from humangate.rules.fields import RESPONSE_FIELDS
from humangate.rules.values import FieldSource

if TYPE_CHECKING:
    from humangate.config.rules import RateLimit
    from humangate.crypto.clearance import Clearance
    from humangate.rules.expression import Expression


@dataclass(frozen=True, slots=True)
class Limited:
    """A rate limit tripped: take ``action``; ``retry_after`` seconds (at least 1) until
    it lifts for this client; ``since``: when it was exceeded (Unix seconds)."""

    action: Action
    retry_after: int
    rule: RateLimit
    since: int = 0


class Counting(enum.Enum):
    """Whether a request that matched the rule adds to its counter."""

    NOW = "now"  # the counting expression matched (or there is none)
    NO = "no"  # it did not: the counter is read (over the limit is mitigated), not added to
    AFTER_RESPONSE = "after_response"  # it reads the response: decided once the app answered


@dataclass(frozen=True, slots=True)
class PendingCount:
    """Counters to add this request to if, once answered, the counting expression of
    ``limit`` matches (it reads ``http.response.code``)."""

    limit: CompiledRateLimit
    counters: tuple[str, ...]
    fields: FieldSource


class CompiledRateLimit:
    """One rate limiting rule, checked with store operations the caller performs.

    Counters are fixed windows aligned to the clock (window ``now // period``), so the
    time left in a window — the ``Retry-After`` — is known without asking the store.
    """

    __slots__ = ("_challenges", "_counting", "_id", "_readers", "action", "expression", "rule")

    def __init__(self, rule: RateLimit, expression: Expression, counting: Expression | None):
        self.rule = rule
        self.action = Action(rule.action)
        self.expression = expression
        self._counting = counting
        self._challenges = self.action.is_challenge
        self._readers = tuple(parse_characteristic(name) for name in rule.characteristics)
        # Counters are keyed by the rule's definition, so editing a rule starts afresh
        # instead of inheriting counts that meant something else.
        spec = "\x00".join(
            (
                rule.expression,
                *rule.characteristics,
                str(rule.period),
                str(rule.requests_per_period),
            )
        )
        self._id = hashlib.sha256(spec.encode()).hexdigest()[:16]

    @property
    def fields(self) -> frozenset[str]:
        return self.expression.fields

    @property
    def counts_after_response(self) -> bool:
        """Whether the counting expression reads the response (``http.response.code``)."""
        return self._counting is not None and bool(self._counting.fields & RESPONSE_FIELDS)

    def counting(self, fields: FieldSource) -> Counting:
        if self._counting is None:
            return Counting.NOW
        if self.counts_after_response:
            return Counting.AFTER_RESPONSE
        return Counting.NOW if self._counting.evaluate(fields) else Counting.NO

    def counts_response(self, fields: FieldSource, status: int) -> bool:
        """Whether the counting expression matches now that the response is known."""
        return self._counting is not None and self._counting.evaluate(_Answered(fields, status))

    def check(
        self,
        fields: FieldSource,
        now: float,
        clearance: Clearance | None = None,
        later: list[str] | None = None,
    ) -> Flow[Limited | None]:
        """Count this request (it matched ``expression``) and say if it is over the limit.

        A request the counting expression leaves out still *reads* the counter, so a
        client over the limit is mitigated whatever it sends next. When the counting
        expression reads the response, nothing is added now: the counters to add to
        once the app has answered are appended to ``later``.

        With a challenge action, a clearance earned *after* the limit was exceeded is a
        fresh start: that visitor is counted on its own from then on (solving resets the
        counter, as on Cloudflare). One earned before passes nothing.
        """
        how = self.counting(fields)
        key = f"{self._id}:" + "\x1f".join(reader(fields) for reader in self._readers)
        limited = yield from self._over(key, now, how, later)
        if limited is None or not self._challenges or clearance is None:
            return limited
        if clearance.level < self.action.required_level or clearance.issued_at < limited.since:
            return limited  # solved before the limit was exceeded: solve again
        return (yield from self._over(f"{key}\x1e{clearance.id}", now, how, later))

    def _over(
        self, key: str, now: float, how: Counting, later: list[str] | None
    ) -> Flow[Limited | None]:
        rule = self.rule
        timeout = rule.mitigation_timeout
        mark = f"rlm:{key}"
        if timeout and (yield IsSpent(mark)):
            return (yield from self._ongoing(mark, now, timeout, now - timeout))
        window = int(now // rule.period)
        counter = f"rl:{key}:{window}"
        if how is Counting.AFTER_RESPONSE and later is not None:
            later.append(counter)
        total = yield Increment(counter, rule.period, 1 if how is Counting.NOW else 0)
        assert isinstance(total, int)
        if total <= rule.requests_per_period:
            return None
        if timeout:
            # Mitigated for ``timeout`` seconds from now, whatever the counter does.
            return (yield from self._trip(mark, now, timeout))
        left = (window + 1) * rule.period - now  # until this window ends
        if not self._challenges:
            return Limited(self.action, _whole_seconds(left), rule)
        # A challenge needs the moment the limit was exceeded in this window, so that a
        # clearance from before that moment does not pass.
        return (yield from self._trip(f"rlm:{counter}", now, left))

    def _trip(self, mark: str, now: float, ttl: float) -> Flow[Limited]:
        """Over the limit: the first request to see it records when (for ``ttl`` s)."""
        if (yield Spend(mark, ttl)):
            yield Increment(f"{mark}:at", ttl, int(now))
            return Limited(self.action, _whole_seconds(ttl), self.rule, int(now))
        # Another request tripped it: just now, or earlier in this window.
        return (yield from self._ongoing(mark, now, ttl, now))

    def _ongoing(self, mark: str, now: float, ttl: float, unknown: float) -> Flow[Limited]:
        """Already over the limit: since when, and so for how long still.

        ``unknown`` stands in for a start the store cannot give (an outage, or a race
        with the request that tripped it); ``ttl`` is then the wait.
        """
        at = yield Increment(f"{mark}:at", ttl, 0)  # adding 0 reads it
        if type(at) is int and 0 < at <= now + 1:
            timeout = self.rule.mitigation_timeout
            left = min(at + timeout - now, timeout) if timeout else ttl
            return Limited(self.action, _whole_seconds(left), self.rule, at)
        return Limited(self.action, _whole_seconds(ttl), self.rule, int(unknown))


def count_response(pending: Sequence[PendingCount], status: int) -> Flow[None]:
    """Add the answered request to the counters whose counting expression now matches."""
    for item in pending:
        if item.limit.counts_response(item.fields, status):
            for counter in item.counters:
                yield Increment(counter, item.limit.rule.period, 1)


def _whole_seconds(left: float) -> int:
    """Seconds to wait, rounded up, at least 1."""
    return max(1, math.ceil(left))


class _Answered:
    """The request's fields plus the response's, for a counting expression."""

    __slots__ = ("_fields", "_status")

    def __init__(self, fields: FieldSource, status: int) -> None:
        self._fields = fields
        self._status = status

    def get(self, name: str) -> object:
        if name == "http.response.code":
            return self._status
        return self._fields.get(name)
