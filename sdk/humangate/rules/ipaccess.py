"""IP access rules: the first phase, matched on the client's address, network, ASN or
country before any expression runs (Cloudflare's "IP Access rules")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from humangate.client.ip import IPAddress
from humangate.levels import Action
from humangate.rules.targets import Target, parse_target

if TYPE_CHECKING:
    from humangate.config.rules import IPAccessRule

# Cloudflare: the most specific target wins (IP before range before ASN before
# country), except that an allow always beats a block.
_SPECIFICITY = {"ip": 0, "ip_range": 1, "asn": 2, "country": 3}


@dataclass(frozen=True, slots=True)
class AccessMatch:
    action: Action
    rule: IPAccessRule


class IPAccessTable:
    """The compiled IP access rules. Geo lookups happen only if a rule needs them."""

    __slots__ = ("_entries", "needs_asn", "needs_country")

    def __init__(self, rules: Sequence[IPAccessRule]) -> None:
        entries = [(parse_target(rule.value), rule) for rule in rules]
        entries.sort(key=lambda pair: _SPECIFICITY[pair[0].kind])  # stable: config order kept
        self._entries = tuple(entries)
        self.needs_asn = any(t.kind == "asn" for t, _ in entries)
        self.needs_country = any(t.kind == "country" for t, _ in entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def match(
        self,
        ip: IPAddress | None,
        asn: Callable[[], int | None],
        country: Callable[[], str | None],
    ) -> AccessMatch | None:
        """The rule that applies to ``ip``: any matching allow, else the most specific."""
        first: AccessMatch | None = None
        for target, rule in self._entries:
            if not _matches(target, ip, asn, country):
                continue
            if rule.action is Action.ALLOW:
                return AccessMatch(Action.ALLOW, rule)
            if first is None:
                first = AccessMatch(rule.action, rule)
        return first


def _matches(
    target: Target,
    ip: IPAddress | None,
    asn: Callable[[], int | None],
    country: Callable[[], str | None],
) -> bool:
    if ip is None:
        return False
    if target.network is not None:
        return ip.version == target.network.version and ip in target.network
    if target.asn is not None:
        return asn() == target.asn
    return country() == target.country
