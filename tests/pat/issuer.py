"""A test-only Privacy Pass issuer and client: blind RSA (RFC 9474,
RSABSSA-SHA384-PSS-Deterministic) from ``cryptography`` primitives and Python integers.

It mints real type 2 tokens for humangate's challenges exactly as an attesting device
and its issuer would: the client blinds the token input, the issuer signs blindly, the
client unblinds. Never use it outside tests: no constant-time arithmetic, no attester.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from humangate.pat.keys import RSASSA_PSS_SHA384
from humangate.pat.wire import BLIND_RSA, Token, b64encode

HASH_BYTES = 48  # SHA-384
SALT_BYTES = 48
MODULUS_BYTES = 256


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def rsassa_pss_spki(public_key: rsa.RSAPublicKey) -> bytes:
    """The SubjectPublicKeyInfo with the id-RSASSA-PSS algorithm RFC 9578 §6.5 asks for."""
    rsa_public = public_key.public_bytes(Encoding.DER, PublicFormat.PKCS1)
    bit_string = b"\x03" + _der_length(len(rsa_public) + 1) + b"\x00" + rsa_public
    body = RSASSA_PSS_SHA384 + bit_string
    return b"\x30" + _der_length(len(body)) + body


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha384(seed + struct.pack("!I", counter)).digest()
        counter += 1
    return out[:length]


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    """RFC 8017 §9.1.1 with SHA-384 and MGF1-SHA-384."""
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.sha384(message).digest()
    h = hashlib.sha384(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - HASH_BYTES - 2) + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, _mgf1(h, em_len - HASH_BYTES - 1), strict=True))
    first = masked[0] & (0xFF >> (8 * em_len - em_bits))
    return bytes([first]) + masked[1:] + h + b"\xbc"


@dataclass
class TestIssuer:
    """An issuer with a fresh 2048-bit key (``name`` is what challenges name)."""

    name: str = "issuer.test"
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    signed: int = 0

    __test__ = False  # not a pytest class

    @property
    def spki(self) -> bytes:
        return rsassa_pss_spki(self.private_key.public_key())

    @property
    def token_key(self) -> str:
        return b64encode(self.spki)

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.spki).digest()

    def directory(self, not_before: int | None = None) -> dict[str, object]:
        entry: dict[str, object] = {"token-type": BLIND_RSA, "token-key": self.token_key}
        if not_before is not None:
            entry["not-before"] = not_before
        return {"issuer-request-uri": f"https://{self.name}/token-request", "token-keys": [entry]}

    # -- the issuer's half: BlindSign (RFC 9474 §4.3) -----------------------------------

    def blind_sign(self, blinded_msg: bytes) -> bytes:
        numbers = self.private_key.private_numbers()
        n = numbers.public_numbers.n
        m = int.from_bytes(blinded_msg, "big")
        if m >= n:
            raise ValueError("message representative out of range")
        s = pow(m, numbers.d, n)
        if pow(s, numbers.public_numbers.e, n) != m:
            raise ValueError("signing failure")
        self.signed += 1
        return s.to_bytes(MODULUS_BYTES, "big")

    # -- the client's half: Blind and Finalize (RFC 9474 §4.2, §4.4) -------------------

    def mint(self, challenge: bytes, *, nonce: bytes | None = None) -> bytes:
        """A type 2 token for the encoded TokenChallenge ``challenge``."""
        nonce = nonce if nonce is not None else os.urandom(32)
        token_input = (
            struct.pack("!H", BLIND_RSA) + nonce + hashlib.sha256(challenge).digest() + self.key_id
        )
        public = self.private_key.public_key().public_numbers()
        n, e = public.n, public.e
        encoded = emsa_pss_encode(token_input, n.bit_length() - 1, secrets.token_bytes(SALT_BYTES))
        m = int.from_bytes(encoded, "big")
        while True:
            r = secrets.randbelow(n - 2) + 2
            if math.gcd(r, n) == 1:
                break
        blinded = (m * pow(r, e, n)) % n
        blind_sig = self.blind_sign(blinded.to_bytes(MODULUS_BYTES, "big"))
        signature = (int.from_bytes(blind_sig, "big") * pow(r, -1, n)) % n
        authenticator = signature.to_bytes(MODULUS_BYTES, "big")
        # Finalize checks the unblinded signature before the client uses it.
        self.private_key.public_key().verify(
            authenticator,
            token_input,
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_BYTES),
            hashes.SHA384(),
        )
        token = Token(BLIND_RSA, nonce, token_input[34:66], self.key_id, authenticator)
        return token.encode()
