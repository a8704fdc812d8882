"""The Privacy Pass wire structures (RFC 9577 §2.1-2.2, RFC 9578 §6): TokenChallenge and
the type 2 (Blind RSA, 2048-bit) Token, with the padded base64url encoding both use."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

BLIND_RSA = 0x0002
"""The only token type humangate verifies: publicly verifiable with the issuer's key."""

GREASE_TYPES = frozenset(
    (
        *(0x0000, 0x02AA, 0x1132, 0x2E96, 0x3CD3, 0x4473, 0x5A63, 0x6D32, 0x7F3F),
        *(0x8D07, 0x916B, 0xA6A4, 0xBEAB, 0xC3F3, 0xDA42, 0xE944, 0xF057),
    )
)
"""Token types reserved so that clients learn to ignore types they do not know."""

NONCE_BYTES = 32
DIGEST_BYTES = 32
KEY_ID_BYTES = 32
AUTHENTICATOR_BYTES = 256  # Nk for a 2048-bit RSA key
TOKEN_BYTES = 2 + NONCE_BYTES + DIGEST_BYTES + KEY_ID_BYTES + AUTHENTICATOR_BYTES  # 354
CONTEXT_BYTES = 32


class WireError(ValueError):
    """Bytes or text that are not a well-formed structure."""


def b64encode(data: bytes) -> str:
    """base64url *with* padding, as RFC 9577 requires."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict padded base64url; anything else (standard alphabet, missing padding,
    stray characters) is a WireError."""
    if len(text) % 4 or any(ch in text for ch in "+/\n\r \t"):
        raise WireError("not padded base64url")
    try:
        return base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise WireError("not padded base64url") from None


@dataclass(frozen=True, slots=True)
class TokenChallenge:
    token_type: int
    issuer_name: str
    redemption_context: bytes = b""
    origin_info: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.token_type <= 0xFFFF:
            raise WireError("token_type out of range")
        if not 1 <= len(self.issuer_name.encode("ascii")) <= 0xFFFF:
            raise WireError("issuer_name must be 1..65535 ASCII bytes")
        if len(self.redemption_context) not in (0, CONTEXT_BYTES):
            raise WireError("redemption_context must be 0 or 32 bytes")
        if len(self.origin_info.encode("ascii")) > 0xFFFF:
            raise WireError("origin_info too long")

    def encode(self) -> bytes:
        issuer = self.issuer_name.encode("ascii")
        origins = self.origin_info.encode("ascii")
        return b"".join(
            (
                struct.pack("!HH", self.token_type, len(issuer)),
                issuer,
                struct.pack("!B", len(self.redemption_context)),
                self.redemption_context,
                struct.pack("!H", len(origins)),
                origins,
            )
        )

    @property
    def digest(self) -> bytes:
        """SHA-256 of the encoded challenge: what a token names as challenge_digest."""
        return hashlib.sha256(self.encode()).digest()

    @classmethod
    def decode(cls, data: bytes) -> TokenChallenge:
        reader = _Reader(data)
        token_type = reader.uint(2)
        issuer = reader.take(reader.uint(2))
        context = reader.take(reader.uint(1))
        origins = reader.take(reader.uint(2))
        reader.end()
        try:
            return cls(token_type, issuer.decode("ascii"), context, origins.decode("ascii"))
        except UnicodeDecodeError:
            raise WireError("names must be ASCII") from None


@dataclass(frozen=True, slots=True)
class Token:
    """A type 2 token: the authenticator is an RSASSA-PSS signature over the rest."""

    token_type: int
    nonce: bytes
    challenge_digest: bytes
    token_key_id: bytes
    authenticator: bytes

    @property
    def authenticator_input(self) -> bytes:
        return (
            struct.pack("!H", self.token_type)
            + self.nonce
            + self.challenge_digest
            + (self.token_key_id)
        )

    def encode(self) -> bytes:
        return self.authenticator_input + self.authenticator

    @classmethod
    def decode(cls, data: bytes) -> Token:
        """A type 2 token of exactly 354 bytes. Other types raise :class:`UnsupportedType`
        (they cannot be verified here, grease types included); wrong lengths WireError."""
        if len(data) < 2:
            raise WireError("truncated token")
        token_type = struct.unpack("!H", data[:2])[0]
        if token_type != BLIND_RSA:
            raise UnsupportedType(token_type)
        if len(data) != TOKEN_BYTES:
            raise WireError(f"a type 2 token is {TOKEN_BYTES} bytes, not {len(data)}")
        reader = _Reader(data[2:])
        return cls(
            token_type,
            reader.take(NONCE_BYTES),
            reader.take(DIGEST_BYTES),
            reader.take(KEY_ID_BYTES),
            reader.take(AUTHENTICATOR_BYTES),
        )


class UnsupportedType(WireError):
    def __init__(self, token_type: int) -> None:
        kind = "grease" if token_type in GREASE_TYPES else "unsupported"
        super().__init__(f"{kind} token type 0x{token_type:04x}")
        self.token_type = token_type


class _Reader:
    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise WireError("truncated")
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def end(self) -> None:
        if self._pos != len(self._data):
            raise WireError("trailing bytes")
