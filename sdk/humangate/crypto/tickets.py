"""Challenge tickets: what a challenge page carries and the solve endpoint checks.

A ticket is a sealed token (purpose "ticket") holding the puzzle and everything the
solve must match: the exact client IP and a User-Agent hash, an expiry, the level of the
action that challenged, and where to send the visitor afterwards. It is single use: the
solve endpoint spends its id in the store.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from humangate.client.ip import IPAddress
from humangate.crypto.pow import SEED_BYTES
from humangate.crypto.tokens import KeyRing, same_text
from humangate.errors import Failure, TokenError
from humangate.http.redirects import safe_target  # its home; still importable from here
from humangate.immutable import immutable
from humangate.jsontext import string
from humangate.levels import Level
from humangate.signals.headers import primary_language

PURPOSE = "ticket"
__all__ = [
    "PURPOSE",
    "Failure",
    "Ticket",
    "TicketBook",
    "language_hash",
    "safe_target",
    "user_agent_hash",
]


# Every page hashes the visitor's User-Agent and language, and a visitor's requests repeat
# them; the cache is small because both are sent by the client (up to a header's size).
@lru_cache(maxsize=256)
def user_agent_hash(user_agent: str) -> str:
    return hashlib.sha256(user_agent.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def language_hash(accept_language: str | None) -> str:
    """What a page compares its own ``navigator.language`` with: a hash of the primary
    language the request's Accept-Language named."""
    return user_agent_hash(primary_language(accept_language))


@immutable  # built for every challenge page and every solve
class Ticket:
    id: str
    seed: str
    difficulty: int
    level: Level
    client_ip: str
    ua_hash: str
    expires_at: int
    target: str
    ray: str
    probe: str = ""  # hex seed of the probe program (humangate.probes); sealed, never shown
    issued_at: int = 0
    # Where the challenge runs: "" the challenge page, "widget"/"widget-compact" the
    # Turnstile-compatible widget's frame (humangate.challenges.interaction sizes the
    # button's box for it).
    surface: str = ""
    # The rule that challenged ("" for none): the solve is counted under it by whichever
    # worker receives it, with no store lookup by ray.
    rule: str = ""

    @property
    def event_rule(self) -> str | None:
        """The rule that challenged as events name it: None for none."""
        return self.rule or None


_ID_END = 24  # hex characters of a ticket id (96 bits)
_SEED_END = _ID_END + SEED_BYTES  # then the puzzle seed (pow.SEED_BYTES hex characters)
_RANDOM_BYTES = (_SEED_END + 32) // 2  # then a 128-bit probe seed


def _payload(ticket: Ticket) -> str:
    """The sealed form of ``ticket``: the JSON object TicketBook.open reads, written
    around its known fields (every page issues one; the generic encoder cost most of
    sealing it). The surface and the rule are written only when there is one, so
    tickets stay short."""
    optional = f',"w":{string(ticket.surface)}' if ticket.surface else ""
    if ticket.rule:
        optional += f',"u":{string(ticket.rule)}'
    return (
        f'{{"id":"{ticket.id}","s":"{ticket.seed}","d":{ticket.difficulty},'
        f'"l":{int(ticket.level)},"ip":{string(ticket.client_ip)},"ua":"{ticket.ua_hash}",'
        f'"e":{ticket.expires_at},"t":{string(ticket.target)},"r":{string(ticket.ray)},'
        f'"p":"{ticket.probe}","i":{ticket.issued_at}{optional}}}'
    )


class TicketBook:
    """Issues tickets and checks them against the client that brings them back."""

    __slots__ = ("_keys", "_purpose", "_ttl")

    def __init__(self, keys: KeyRing, ttl: int, purpose: str = PURPOSE) -> None:
        self._keys = keys
        self._ttl = ttl
        # Another purpose (JavaScript Detections' "jsd") seals tickets that never open
        # as challenge tickets, nor the other way round.
        self._purpose = purpose

    def issue(
        self,
        *,
        level: Level,
        difficulty: int,
        client_ip: IPAddress | str | None,
        user_agent: str,
        target: str,
        ray: str,
        now: float,
        surface: str = "",
        rule: str = "",
    ) -> tuple[Ticket, str]:
        """A new ticket and its sealed token. ``client_ip`` may be given as its text
        (``str(address)``), which the challenge path has already written."""
        # One read of the system's random source for the id, the puzzle seed and the
        # probe seed (in hex: 24, 64 and 32 characters).
        random = os.urandom(_RANDOM_BYTES).hex()
        # Positional, in the fields' order: binding thirteen keywords cost twice what
        # building the ticket does (test_tickets checks every field lands in its place).
        ticket = Ticket(
            random[:_ID_END],  # id
            random[_ID_END:_SEED_END],  # seed
            int(difficulty),
            level,
            str(client_ip) if client_ip is not None else "",
            user_agent_hash(user_agent),
            int(now) + self._ttl,  # expires_at
            safe_target(target),
            ray,
            random[_SEED_END:],  # probe
            int(now),  # issued_at
            surface,
            rule,
        )
        return ticket, self._keys.seal_json(self._purpose, _payload(ticket))

    def open(self, token: str) -> Ticket:
        """The ticket inside an authentic token; TokenError for anything else."""
        payload = self._keys.open(self._purpose, token)
        try:
            return Ticket(
                id=str(payload["id"]),
                seed=str(payload["s"]),
                difficulty=int(payload["d"]),
                level=Level(payload["l"]),
                client_ip=str(payload["ip"]),
                ua_hash=str(payload["ua"]),
                expires_at=int(payload["e"]),
                target=safe_target(str(payload["t"])),
                ray=str(payload["r"]),
                probe=str(payload["p"]),
                issued_at=int(payload["i"]),
                surface=str(payload.get("w", "")),
                rule=str(payload.get("u", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise TokenError("forged or corrupted ticket") from None

    @staticmethod
    def check_client(
        ticket: Ticket, client_ip: IPAddress | None, user_agent: str, now: float, skew: int
    ) -> Failure | None:
        """Expiry and binding: the solve must come from the exact IP and browser."""
        if now > ticket.expires_at + skew:
            return Failure.EXPIRED
        ip = str(client_ip) if client_ip is not None else ""
        if not same_text(ticket.client_ip, ip):
            return Failure.OTHER_CLIENT
        if not same_text(ticket.ua_hash, user_agent_hash(user_agent)):
            return Failure.OTHER_CLIENT
        return None
