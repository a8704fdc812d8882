"""The widget's sealed values: the context a frame carries to its solve, and the token.

Both are sealed with the project's key ring (AES-GCM, rotating secrets), each under its
own purpose, so neither can pass for the other or for a ticket or clearance cookie.
The token is bound to the sitekey, the embedding page's host name and the client that
solved (its address and a User-Agent hash); it is single use, which siteverify enforces
through the store.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from humangate.crypto.tokens import KeyRing
from humangate.errors import TokenError

TOKEN_PURPOSE = "turnstile"  # noqa: S105 - a key-derivation label
CONTEXT_PURPOSE = "turnstile-context"
PURPOSES = (TOKEN_PURPOSE, CONTEXT_PURPOSE)
TOKEN_TTL = 300  # seconds, as Turnstile documents
MAX_TOKEN_CHARS = 2048

ACTION = re.compile(r"[A-Za-z0-9_-]{0,32}")
CDATA = re.compile(r"[A-Za-z0-9_-]{0,255}")


def valid_action(action: str) -> bool:
    return ACTION.fullmatch(action) is not None


def valid_cdata(cdata: str) -> bool:
    return CDATA.fullmatch(cdata) is not None


@dataclass(frozen=True, slots=True)
class WidgetContext:
    """What a frame was rendered for; its solve must bring it back with the same ticket."""

    ticket_id: str
    sitekey: str
    hostname: str
    action: str
    cdata: str


@dataclass(frozen=True, slots=True)
class WidgetToken:
    id: str
    sitekey: str
    hostname: str
    action: str
    cdata: str
    client_ip: str
    ua_hash: str
    solved_ms: int  # when the challenge was solved, Unix milliseconds
    expires_at: int  # Unix seconds


class WidgetSeal:
    """Seals and opens contexts and tokens under one key ring."""

    __slots__ = ("_keys",)

    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys

    def seal_context(self, context: WidgetContext) -> str:
        return self._keys.seal(
            CONTEXT_PURPOSE,
            {
                "t": context.ticket_id,
                "k": context.sitekey,
                "h": context.hostname,
                "a": context.action,
                "c": context.cdata,
            },
        )

    def open_context(self, sealed: str) -> WidgetContext:
        payload = self._keys.open(CONTEXT_PURPOSE, sealed)
        try:
            return WidgetContext(
                str(payload["t"]),
                str(payload["k"]),
                str(payload["h"]),
                str(payload["a"]),
                str(payload["c"]),
            )
        except KeyError:
            raise TokenError("forged or corrupted widget context") from None

    def issue(
        self, context: WidgetContext, *, client_ip: str, ua_hash: str, now: float
    ) -> tuple[WidgetToken, str]:
        token = WidgetToken(
            id=secrets.token_hex(12),
            sitekey=context.sitekey,
            hostname=context.hostname,
            action=context.action,
            cdata=context.cdata,
            client_ip=client_ip,
            ua_hash=ua_hash,
            solved_ms=int(now * 1000),
            expires_at=int(now) + TOKEN_TTL,
        )
        sealed = self._keys.seal(
            TOKEN_PURPOSE,
            {
                "id": token.id,
                "k": token.sitekey,
                "h": token.hostname,
                "a": token.action,
                "c": token.cdata,
                "ip": token.client_ip,
                "ua": token.ua_hash,
                "s": token.solved_ms,
                "e": token.expires_at,
            },
        )
        return token, sealed

    def open(self, sealed: str) -> WidgetToken:
        """The token inside an authentic value; TokenError for anything else."""
        if len(sealed) > MAX_TOKEN_CHARS:
            raise TokenError("token too long")
        payload = self._keys.open(TOKEN_PURPOSE, sealed)
        try:
            return WidgetToken(
                id=str(payload["id"]),
                sitekey=str(payload["k"]),
                hostname=str(payload["h"]),
                action=str(payload["a"]),
                cdata=str(payload["c"]),
                client_ip=str(payload["ip"]),
                ua_hash=str(payload["ua"]),
                solved_ms=int(payload["s"]),
                expires_at=int(payload["e"]),
            )
        except (KeyError, TypeError, ValueError):
            raise TokenError("forged or corrupted widget token") from None
