"""Rate limiting rules: one fixed-window counter per rule and characteristic tuple,
kept in the store so that every worker process (and machine, with redis) shares it."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from humangate.effects import Flow, Increment, IsSpent, Spend
from humangate.errors import ConfigError
from humangate.levels import Action
from humangate.rules.values import MISSING, FieldSource

if TYPE_CHECKING:
    from humangate.config import RateLimit
    from humangate.rules.expression import Expression

_PREFIX = re.compile(r"ip\.src/(\d{1,3})")
_HEADER = re.compile(r'http\.request\.headers\["([a-z0-9!#$%&\'*+.^_`|~-]+)"\]')
_PLAIN = frozenset(
    {
        "ip.src",
        "ip.src.asnum",
        "ip.src.country",
        "http.request.clearance.uuid",
        "http.host",
        "http.request.uri.path",
    }
)
IPV6_GROUP = 64  # an IPv6 client is counted per /64, the smallest network one user gets

# Reads one characteristic's value from the request's fields ("" when missing).
Reader = Callable[[FieldSource], str]


def parse_characteristic(name: str) -> Reader:
    """A reader for ``name``; ConfigError for a characteristic humangate cannot count by."""
    if name in _PLAIN:
        return lambda fields: _text(fields.get(name))
    if match := _PREFIX.fullmatch(name):
        bits = int(match.group(1))
        if not 1 <= bits <= 32:
            raise ConfigError("rate_limit.characteristics", f"{name}: IPv4 prefix 1..32")
        return lambda fields: _network(fields.get("ip.src"), bits)
    if match := _HEADER.fullmatch(name):
        header = match.group(1)
        return lambda fields: _header(fields, header)
    raise ConfigError(
        "rate_limit.characteristics",
        f"{name!r}: use ip.src, ip.src/<bits>, ip.src.asnum, ip.src.country, "
        "http.request.clearance.uuid, http.host, http.request.uri.path or "
        'http.request.headers["name"]',
    )


def _text(value: object) -> str:
    return "" if value is MISSING else str(value)


def _network(value: object, bits: int) -> str:
    if isinstance(value, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((value, bits), strict=False))
    if isinstance(value, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((value, IPV6_GROUP), strict=False))
    return ""


def _header(fields: FieldSource, name: str) -> str:
    headers = fields.get("http.request.headers")
    values = headers.get(name) if isinstance(headers, dict) else None
    return ",".join(values) if values else ""


@dataclass(frozen=True, slots=True)
class Limited:
    """A rate limit tripped: take ``action``; ``retry_after`` seconds until it lifts."""

    action: Action
    retry_after: int
    rule: RateLimit


class CompiledRateLimit:
    __slots__ = ("_counting", "_id", "_readers", "expression", "rule")

    def __init__(self, rule: RateLimit, expression: Expression, counting: Expression | None):
        self.rule = rule
        self.expression = expression
        self._counting = counting
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

    def check(self, fields: FieldSource) -> Flow[Limited | None]:
        """Count this request (it matched ``expression``) and say if it is over the limit."""
        rule = self.rule
        values = "\x1f".join(reader(fields) for reader in self._readers)
        key = f"rl:{self._id}:{values}"
        blocked_key = f"rlm:{self._id}:{values}"
        if rule.mitigation_timeout and (yield IsSpent(blocked_key)):
            return Limited(Action(rule.action), rule.mitigation_timeout, rule)
        counts = self._counting is None or self._counting.evaluate(fields)
        # amount=0 reads the counter without counting a request the counting
        # expression excludes.
        total = yield Increment(key, rule.period, 1 if counts else 0)
        assert isinstance(total, int)
        if total <= rule.requests_per_period:
            return None
        retry_after = rule.period
        if rule.mitigation_timeout:
            yield Spend(blocked_key, rule.mitigation_timeout)
            retry_after = rule.mitigation_timeout
        return Limited(Action(rule.action), retry_after, rule)
