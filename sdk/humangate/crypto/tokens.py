"""Authenticated, encrypted tokens under a rotating key ring.

Every token humangate hands out (challenge tickets, clearance cookies) is sealed with
AES-256-GCM from the ``cryptography`` package. Each configured secret yields one key per
*purpose* through HKDF, so a ticket can never be replayed as a cookie. The token names
the key it was sealed with (a 4-byte key id), so verification costs one AEAD open, and a
rotated-out secret still opens the tokens it sealed until they expire.

Wire format (URL-safe base64, no padding)::

    version (1) | key id (4) | nonce (12) | ciphertext + tag (16)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from humangate import b64url
from humangate.errors import ConfigError, TokenError
from humangate.jsontext import compact

VERSION = 1
_HEADER = 1 + 4
_NONCE = 12
_TAG = 16
MIN_SECRET_LENGTH = 32
# Anything longer is not ours; refuse before decoding (cookies are at most 4096 bytes).
MAX_TOKEN_LENGTH = 4096


def generate_secret() -> str:
    """A new random secret (256 bits, URL-safe text) for ``secret_keys``."""
    return secrets.token_urlsafe(32)


def _key_id(secret: str) -> bytes:
    return hashlib.sha256(b"humangate key id\x00" + secret.encode()).digest()[:4]


def _derive(secret: str, purpose: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"humangate/v1/" + purpose.encode()
    ).derive(secret.encode())
    return AESGCM(key)


class KeyRing:
    """Seals with the newest secret; opens with any secret still on the ring."""

    __slots__ = ("_ciphers", "_newest", "_sealing")

    def __init__(self, secrets_newest_first: Sequence[str], purposes: Sequence[str]) -> None:
        if not secrets_newest_first:
            raise ConfigError("secret_keys", "at least one secret is required")
        self._ciphers: dict[tuple[bytes, str], AESGCM] = {}
        for index, secret in enumerate(secrets_newest_first):
            if len(secret) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    "secret_keys",
                    f"secret #{index} is too short ({len(secret)} chars; at least "
                    f"{MIN_SECRET_LENGTH}): generate one with `humangate keygen`",
                )
            kid = _key_id(secret)
            for purpose in purposes:
                self._ciphers.setdefault((kid, purpose), _derive(secret, purpose))
        self._newest = _key_id(secrets_newest_first[0])
        # What seal() needs per purpose, made once: the token header, its associated
        # data and the newest key's cipher (every challenge page seals a ticket).
        header = bytes([VERSION]) + self._newest
        self._sealing = {
            purpose: (header, _aad(header, purpose), self._ciphers[(self._newest, purpose)])
            for purpose in purposes
        }

    def seal(self, purpose: str, payload: Mapping[str, Any]) -> str:
        return self.seal_json(purpose, compact(payload))

    def seal_json(self, purpose: str, text: str) -> str:
        """:meth:`seal` for a payload already written as JSON text (a JSON object, as
        :func:`humangate.jsontext.compact` writes it): :meth:`open` returns it parsed."""
        try:
            header, aad, cipher = self._sealing[purpose]
        except KeyError:
            raise TokenError(f"no key for purpose {purpose!r}") from None
        nonce = os.urandom(_NONCE)
        return b64url.encode(header + nonce + cipher.encrypt(nonce, text.encode(), aad))

    def open(self, purpose: str, token: str) -> dict[str, Any]:
        """The payload of an authentic token for ``purpose``; TokenError otherwise."""
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise TokenError("malformed token")
        try:
            raw = b64url.decode(token)  # one spelling per token, the one seal() writes
        except ValueError:  # binascii.Error is one
            raise TokenError("malformed token") from None
        if len(raw) < _HEADER + _NONCE + _TAG or raw[0] != VERSION:
            raise TokenError("malformed token")
        header, nonce, sealed = (
            raw[:_HEADER],
            raw[_HEADER : _HEADER + _NONCE],
            raw[_HEADER + _NONCE :],
        )
        cipher = self._ciphers.get((header[1:], purpose))
        if cipher is None:
            raise TokenError("unknown key")
        try:
            plaintext = cipher.decrypt(nonce, sealed, _aad(header, purpose))
            # Only what seal() writes: no Infinity/NaN, which int() would not convert.
            payload = json.loads(plaintext, parse_constant=_no_constant)
        except (InvalidTag, ValueError):
            raise TokenError("forged or corrupted token") from None
        if not isinstance(payload, dict):
            raise TokenError("forged or corrupted token")
        return payload


def same_text(a: str, b: str) -> bool:
    """Constant-time equality of two strings of any characters (compare_digest alone
    raises TypeError on non-ASCII text, which a decoded token may hold)."""
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in a token")


def _aad(header: bytes, purpose: str) -> bytes:
    return header + b"\x00" + purpose.encode()
