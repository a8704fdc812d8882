"""Verifying a type 2 token against the challenges humangate issued (RFC 9578 §6.4).

The steps, each a reason a token is refused: the token type, the challenge digest
(against a challenge humangate built, never one the client names), the key id (SHA-256
of a trusted issuer's key, past its not-before), the RSASSA-PSS signature (SHA-384,
MGF1-SHA-384, 48-byte salt). Double spending is the caller's: it needs the store.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from humangate.pat.keys import IssuerKeys
from humangate.pat.wire import (
    DIGEST_BYTES,
    Token,
    TokenChallenge,
    UnsupportedType,
    WireError,
    b64decode,
)

SALT_BYTES = 48
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_BYTES)


class Invalid(enum.StrEnum):
    """Why a presented token is not a signal (the label of its count)."""

    MALFORMED = "malformed"  # header grammar, base64url, length
    TOKEN_TYPE = "token_type"  # noqa: S105 - not type 2 (grease and type 1 included)
    CHALLENGE = "challenge"  # not for a challenge humangate issued for this ticket/origin
    KEY_ID = "key_id"  # no trusted key with this id
    KEY_NOT_YET_VALID = "key_not_yet_valid"  # the key's not-before is in the future
    SIGNATURE = "signature"  # the authenticator does not verify
    REPLAYED = "replayed"  # the nonce was spent before
    TICKET = "ticket"  # no valid ticket of this client to redeem for
    UNAVAILABLE = "store_unavailable"  # the nonce could not be spent


@dataclass(frozen=True, slots=True)
class Issued:
    """A challenge humangate issued and the keys of the issuer it names."""

    challenge: TokenChallenge
    issuer: IssuerKeys


@dataclass(frozen=True, slots=True)
class Checked:
    token: Token | None = None
    issuer: str | None = None
    invalid: Invalid | None = None

    @property
    def valid(self) -> bool:
        return self.invalid is None


def index(issued: list[Issued]) -> dict[bytes, Issued]:
    """Issued challenges by their digest, as a token names them."""
    return {item.challenge.digest: item for item in issued}


def check(encoded: str, issued: Mapping[bytes, Issued], now: float) -> Checked:
    """Verify the base64url token ``encoded`` against the ``issued`` challenges."""
    try:
        token = Token.decode(b64decode(encoded))
    except UnsupportedType:
        return Checked(invalid=Invalid.TOKEN_TYPE)
    except WireError:
        return Checked(invalid=Invalid.MALFORMED)
    match = _find(issued, token.challenge_digest)
    if match is None or match.challenge.token_type != token.token_type:
        return Checked(token, invalid=Invalid.CHALLENGE)
    key = match.issuer.by_id().get(token.token_key_id)
    if key is None:
        return Checked(token, match.issuer.name, Invalid.KEY_ID)
    if not key.usable(now):
        return Checked(token, match.issuer.name, Invalid.KEY_NOT_YET_VALID)
    try:
        key.public_key.verify(token.authenticator, token.authenticator_input, _PSS, hashes.SHA384())
    except InvalidSignature:
        return Checked(token, match.issuer.name, Invalid.SIGNATURE)
    return Checked(token, match.issuer.name)


def _find(issued: Mapping[bytes, Issued], digest: bytes) -> Issued | None:
    # Compared in constant time, for form's sake: digests of public challenges.
    for known, item in issued.items():
        if len(digest) == DIGEST_BYTES and hmac.compare_digest(known, digest):
            return item
    return None
