"""Service tokens: how a trusted server (an image-resizing worker, a partner's
crawler) passes without a browser, instead of weakening rules for everyone.

``humangate service-token --name imgworker`` seals ``{"svc": "imgworker", "jti": …}``
with the key ring under its own purpose, so a clearance cookie or ticket can never
stand in for one. The server sends it as ``humangate-service-token: <token>``; the
field ``humangate.service.verified`` is true when it opens and is not revoked, and the
owner writes ``Rule("humangate.service.verified", "skip")``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from humangate.crypto.tokens import KeyRing
from humangate.errors import TokenError

HEADER = "humangate-service-token"
PURPOSE = "service"


@dataclass(frozen=True, slots=True)
class ServiceToken:
    name: str
    token_id: str
    expires_at: float | None


def mint(keys: KeyRing, name: str, *, ttl: float | None = None, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    payload: dict[str, object] = {"svc": name, "jti": secrets.token_hex(8), "iat": int(issued)}
    if ttl is not None:
        payload["exp"] = int(issued + ttl)
    return keys.seal(PURPOSE, payload)


class ServiceTokens:
    """Verifies the service-token header; revocation by token id or service name."""

    __slots__ = ("_keys", "_revoked")

    def __init__(self, keys: KeyRing, revoked: Sequence[str] = ()) -> None:
        self._keys = keys
        self._revoked = frozenset(revoked)

    def verify(self, token: str | None, now: float) -> ServiceToken | None:
        if not token:
            return None
        try:
            payload = self._keys.open(PURPOSE, token.strip())
        except TokenError:
            return None
        name, token_id, expires = payload.get("svc"), payload.get("jti"), payload.get("exp")
        if not isinstance(name, str) or not isinstance(token_id, str):
            return None
        if expires is not None and (not isinstance(expires, int) or expires <= now):
            return None
        if name in self._revoked or token_id in self._revoked:
            return None
        return ServiceToken(name, token_id, expires)
