"""Challenge tickets: what a challenge page carries and the solve endpoint checks.

A ticket is a sealed token (purpose "ticket") holding the puzzle and everything the
solve must match: the exact client IP and a User-Agent hash, an expiry, the level of the
action that challenged, and where to send the visitor afterwards. It is single use: the
solve endpoint spends its id in the store.
"""

from __future__ import annotations

import hashlib
import secrets

from humangate.client.ip import IPAddress
from humangate.crypto.pow import new_seed
from humangate.crypto.tokens import KeyRing, same_text
from humangate.errors import Failure, TokenError
from humangate.http.redirects import safe_target  # its home; still importable from here
from humangate.immutable import immutable
from humangate.levels import Level

PURPOSE = "ticket"
__all__ = ["PURPOSE", "Failure", "Ticket", "TicketBook", "safe_target", "user_agent_hash"]


def user_agent_hash(user_agent: str) -> str:
    return hashlib.sha256(user_agent.encode("utf-8", "surrogateescape")).hexdigest()[:32]


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
        client_ip: IPAddress | None,
        user_agent: str,
        target: str,
        ray: str,
        now: float,
        surface: str = "",
    ) -> tuple[Ticket, str]:
        ticket = Ticket(
            id=secrets.token_hex(12),
            seed=new_seed(),
            difficulty=difficulty,
            level=level,
            client_ip=str(client_ip) if client_ip is not None else "",
            ua_hash=user_agent_hash(user_agent),
            expires_at=int(now) + self._ttl,
            target=safe_target(target),
            ray=ray,
            probe=secrets.token_hex(16),
            issued_at=int(now),
            surface=surface,
        )
        payload: dict[str, object] = {
            "id": ticket.id,
            "s": ticket.seed,
            "d": ticket.difficulty,
            "l": int(ticket.level),
            "ip": ticket.client_ip,
            "ua": ticket.ua_hash,
            "e": ticket.expires_at,
            "t": ticket.target,
            "r": ticket.ray,
            "p": ticket.probe,
            "i": ticket.issued_at,
        }
        if surface:
            payload["w"] = surface  # only where it is not the page: most tickets stay short
        return ticket, self._keys.seal(self._purpose, payload)

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
