"""Private Access Tokens as the engine uses them: the challenges a ticket's page
announces, the endpoint that redeems a token for that ticket, and the sealed attestation
the solve then reads.

Why an endpoint of its own: a token names its challenge only by digest, so humangate
must know which ticket it answers. The page's script asks ``{prefix}pat?ticket=…``, which
answers 401 with this ticket's ``WWW-Authenticate: PrivateToken`` challenges; a device
that can attest (recent Apple systems) fetches a token from the issuer and repeats the
request with ``Authorization: PrivateToken token=…``. The redemption context is derived
from the ticket id, so the challenge is rebuilt, never stored. A valid token, spent once
through the store, earns an attestation sealed to the ticket; the solve reads it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from humangate.crypto.tickets import Ticket
from humangate.crypto.tokens import KeyRing
from humangate.effects import Flow, Spend
from humangate.errors import StoreError, TokenError
from humangate.http import answers
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.levels import Level
from humangate.pat import headers
from humangate.pat.keys import IssuerKeys, TokenKey, load_issuers
from humangate.pat.settings import PatIssuer, PatPolicy
from humangate.pat.verify import Checked, Invalid, Issued, check, index
from humangate.pat.wire import BLIND_RSA, TokenChallenge, b64encode

logger = logging.getLogger("humangate.pat")

PURPOSE = "pat"
ENDPOINT = "pat"
VALID = "valid"  # the count label of a token that verified (the others: verify.Invalid)
_CONTEXT_LABEL = b"humangate pat redemption context\x00"

Observe = Callable[[str, str, Ticket | None], None]  # (outcome, ray, ticket)


def redemption_context(ticket_id: str) -> bytes:
    """32 bytes, fresh per ticket and rebuilt from it at redemption."""
    return hashlib.sha256(_CONTEXT_LABEL + ticket_id.encode("ascii", "replace")).digest()


def origin_name(host: str) -> str:
    """The host name of a Host header value, lower case, without the port."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@dataclass(frozen=True, slots=True)
class Attestations:
    """Seals "this ticket's client presented a valid token from this issuer"."""

    keys: KeyRing

    def seal(self, ticket: Ticket, issuer: str) -> str:
        return self.keys.seal(PURPOSE, {"t": ticket.id, "i": issuer, "e": ticket.expires_at})

    def issuer_for(self, ticket: Ticket, sealed: object) -> str | None:
        """The issuer named in ``sealed`` if it is an authentic attestation for
        ``ticket``; None for anything else."""
        if not isinstance(sealed, str):
            return None
        try:
            payload = self.keys.open(PURPOSE, sealed)
        except TokenError:
            return None
        if payload.get("t") != ticket.id or not isinstance(payload.get("i"), str):
            return None
        return str(payload["i"])


class PrivateTokens:
    """One engine's Private Access Token support (disabled without issuers)."""

    LEVELS = frozenset((Level.MANAGED, Level.INTERACTIVE))

    def __init__(
        self,
        issuers: tuple[PatIssuer, ...],
        policy: PatPolicy,
        keys: KeyRing,
        *,
        nonce_ttl: int,
        endpoint_url: str,
        observe: Observe,
    ) -> None:
        self._issuers = load_issuers(issuers)
        self.policy = policy
        self.attestations = Attestations(keys)
        self._nonce_ttl = nonce_ttl
        self.endpoint_url = endpoint_url
        self._observe = observe

    @property
    def enabled(self) -> bool:
        return bool(self._issuers)

    def applies(self, level: Level) -> bool:
        return self.enabled and level in self.LEVELS

    # -- challenges ----------------------------------------------------------------------

    def _issued(self, ticket: Ticket, host: str, now: float) -> list[tuple[Issued, TokenKey]]:
        origin = self._origin(host)
        if origin is None:
            return []
        context = redemption_context(ticket.id)
        issued = []
        for issuer in self._issuers:
            key = issuer.preferred(now)
            if key is not None:
                challenge = TokenChallenge(BLIND_RSA, issuer.name, context, origin)
                issued.append((Issued(challenge, issuer), key))
        return issued

    def _origin(self, host: str) -> str | None:
        name = origin_name(host)
        if self.policy.origins:
            return name if name in self.policy.origins else None
        # The Host header as sent: only names that fit in origin_info.
        if not name or not name.isascii() or any(ch in name for ch in ', \t"\\'):
            return None
        return name

    def www_authenticate(
        self, ticket: Ticket, host: str, now: float
    ) -> tuple[tuple[str, str], ...]:
        """The ``WWW-Authenticate`` line of this ticket's challenges (none if no issuer
        key is usable yet or the host is not one of ours)."""
        if not self.applies(ticket.level):
            return ()
        max_age = max(int(ticket.expires_at - now), 0)
        items = [
            headers.format_item(
                headers.SCHEME,
                [
                    ("challenge", b64encode(issued.challenge.encode())),
                    ("token-key", key.encoded),
                    ("max-age", max_age),
                ],
            )
            for issued, key in self._issued(ticket, host, now)
        ]
        return (("www-authenticate", ", ".join(items)),) if items else ()

    # -- redemption ----------------------------------------------------------------------

    def redeem(self, request: Request, ticket: Ticket | None, now: float) -> Flow[Response]:
        """``{prefix}pat?ticket=…``: 401 with the challenges, or the token's verdict."""
        ray = answers.new_ray_id()
        credentials = request.header("authorization")
        presented = credentials is not None and "privatetoken" in credentials.lower()
        if ticket is None or not self.applies(ticket.level):
            if presented:
                self._refused(Invalid.TICKET, ray, None)
            return _no(404, ray)
        challenge = self.www_authenticate(ticket, request.host, now)
        if not presented or credentials is None:
            # Not a token: the 401 that lets a capable client fetch one (others stop here).
            return _no(401, ray, challenge)
        try:
            encoded = headers.private_token_param(credentials, "token")
        except headers.HeaderError:
            encoded = None
        if encoded is None:
            return self._refused(Invalid.MALFORMED, ray, ticket)
        issued = index([item for item, _ in self._issued(ticket, request.host, now)])
        checked = check(encoded, issued, now)
        if not checked.valid or checked.token is None or checked.issuer is None:
            return self._refused(checked.invalid or Invalid.MALFORMED, ray, ticket, checked)
        # Remembered until the ticket (and so every challenge built from it) has expired.
        ttl = max(ticket.expires_at - now, 0) + self._nonce_ttl
        try:
            first_use = yield Spend(f"pat:{checked.token.nonce.hex()}", ttl)
        except StoreError as exc:
            logger.warning("humangate: PAT nonce not spent, token ignored: %s", exc)
            return self._refused(Invalid.UNAVAILABLE, ray, ticket, checked)
        if not first_use:
            return self._refused(Invalid.REPLAYED, ray, ticket, checked)
        self._observe(VALID, ray, ticket)
        logger.debug("pat valid ray=%s issuer=%s ticket_ray=%s", ray, checked.issuer, ticket.ray)
        attestation = self.attestations.seal(ticket, checked.issuer)
        return answers.json_response(200, {"ok": True, "attestation": attestation}, ray)

    def _refused(
        self, why: Invalid, ray: str, ticket: Ticket | None, checked: Checked | None = None
    ) -> Response:
        # Bad tokens are the client's business, not an incident: INFO, names only.
        logger.info(
            "pat invalid ray=%s reason=%s issuer=%s",
            ray,
            why.value,
            (checked.issuer if checked else None) or "-",
        )
        self._observe(why.value, ray, ticket)
        return _no(403, ray)


def _no(status: int, ray: str, extra: tuple[tuple[str, str], ...] = ()) -> Response:
    """No token for this ticket: the page goes on with the normal challenge."""
    return answers.json_response(status, {"ok": False}, ray, extra=extra)


__all__ = ["Attestations", "IssuerKeys", "PrivateTokens", "redemption_context"]
