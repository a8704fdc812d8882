"""Issuer token keys: parsing, key ids, the key file ``humangate pat fetch-keys`` writes,
and reloading it when it changes.

A type 2 token key is a DER SubjectPublicKeyInfo whose algorithm is id-RSASSA-PSS with
SHA-384, MGF1-SHA-384 and a 48-byte salt (RFC 9578 §6.5); its key id is the SHA-256 of
those DER bytes. DER is canonical, so "these exact parameters" is "these exact bytes".
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from humangate.errors import ConfigError
from humangate.pat.settings import PatIssuer
from humangate.pat.wire import BLIND_RSA, WireError, b64decode

logger = logging.getLogger("humangate.pat")

# AlgorithmIdentifier { id-RSASSA-PSS, RSASSA-PSS-params { sha384, mgf1(sha384), 48 } }
RSASSA_PSS_SHA384 = bytes.fromhex(
    "303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a3018"
    "06092a864886f70d010108300b0609608648016503040202a203020130"
)
RELOAD_CHECK_SECONDS = 10.0
MAX_KEY_FILE = 1024 * 1024


class KeyFormatError(ValueError):
    """A token key that is not a 2048-bit RSASSA-PSS (SHA-384) SPKI."""


@dataclass(frozen=True, slots=True)
class TokenKey:
    spki: bytes
    key_id: bytes
    public_key: RSAPublicKey
    not_before: int | None = None

    @property
    def encoded(self) -> str:
        from humangate.pat.wire import b64encode  # noqa: PLC0415 - tiny, avoids a cycle

        return b64encode(self.spki)

    def usable(self, now: float) -> bool:
        return self.not_before is None or self.not_before <= now


def parse_token_key(spki: bytes, not_before: int | None = None) -> TokenKey:
    """The key in ``spki``; KeyFormatError unless it is what RFC 9578 §6.5 asks for."""
    algorithm = _algorithm_identifier(spki)
    if algorithm != RSASSA_PSS_SHA384:
        raise KeyFormatError("not an RSASSA-PSS SHA-384 (salt 48) SubjectPublicKeyInfo")
    try:
        key = load_der_public_key(spki)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"unreadable public key: {exc}") from None
    if not isinstance(key, RSAPublicKey) or key.key_size != 2048:
        raise KeyFormatError("a type 2 token key is a 2048-bit RSA key")
    return TokenKey(spki, hashlib.sha256(spki).digest(), key, not_before)


def _algorithm_identifier(spki: bytes) -> bytes:
    """The DER AlgorithmIdentifier inside a SubjectPublicKeyInfo SEQUENCE."""
    try:
        start, _ = _der_element(spki, 0, 0x30)
        _, end = _der_element(spki, start, 0x30)
    except IndexError:
        raise KeyFormatError("not a DER SubjectPublicKeyInfo") from None
    return spki[start:end]


def _der_element(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    """(start of contents, end of element) of the DER element with ``tag`` at ``pos``."""
    if data[pos] != tag:
        raise IndexError("unexpected tag")
    length = data[pos + 1]
    header = 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 3:
            raise IndexError("unsupported length")
        length = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
        header += count
    end = pos + header + length
    if end > len(data):
        raise IndexError("truncated")
    return pos + header, end


def key_from_text(text: str, not_before: int | None = None) -> TokenKey:
    """A token key given as padded base64url (the directory's and the header's form)."""
    try:
        return parse_token_key(b64decode(text), not_before)
    except WireError as exc:
        raise KeyFormatError(str(exc)) from None


def directory_keys(document: Mapping[str, object]) -> list[TokenKey]:
    """The type 2 keys of an issuer directory document, in the issuer's order.

    Keys of other types (type 1 needs the issuer's private key to verify) are left out;
    a malformed type 2 key is an error, not silently dropped."""
    entries = document.get("token-keys")
    if not isinstance(entries, list):
        raise KeyFormatError('no "token-keys" list')
    keys = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("token-type") != BLIND_RSA:
            continue
        text, not_before = entry.get("token-key"), entry.get("not-before")
        if not isinstance(text, str):
            raise KeyFormatError('a "token-key" is not a string')
        if not_before is not None and (
            isinstance(not_before, bool) or not isinstance(not_before, int)
        ):
            raise KeyFormatError('"not-before" must be a Unix time')
        keys.append(key_from_text(text, not_before))
    return keys


def read_key_file(path: str) -> tuple[str, list[TokenKey]]:
    """(issuer name, keys) from a file ``humangate pat fetch-keys`` wrote."""
    return parse_key_file(path, _read(path))


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise KeyFormatError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_KEY_FILE:
        raise KeyFormatError(f"{path} is larger than {MAX_KEY_FILE} bytes")
    return raw


def parse_key_file(path: str, raw: bytes) -> tuple[str, list[TokenKey]]:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise KeyFormatError(f"{path} is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("issuer"), str):
        raise KeyFormatError(
            f'{path} has no "issuer" name (write it with humangate pat fetch-keys)'
        )
    return document["issuer"], directory_keys(document)


def issuer_from_file(path: str) -> PatIssuer:
    try:
        name, _ = read_key_file(path)
    except KeyFormatError as exc:
        raise ConfigError("private_access_tokens", str(exc)) from None
    return PatIssuer(name, keys_file=path)


class IssuerKeys:
    """One trusted issuer's keys as of now: inline keys plus its key file, which is
    re-read at most every few seconds and parsed again when its bytes changed, so a
    rotation needs no restart. A file that turns bad keeps the last good keys."""

    def __init__(self, issuer: PatIssuer, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = issuer.name
        self._path = issuer.keys_file
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self._inline = tuple(key_from_text(text) for text in issuer.token_keys)
        except KeyFormatError as exc:
            raise ConfigError("private_access_tokens", f"{issuer.name}: {exc}") from None
        self._from_file: tuple[TokenKey, ...] = ()
        self._digest = b""
        self._checked = float("-inf")
        if self._path is not None:
            try:
                self._load(self._path)
            except KeyFormatError as exc:
                raise ConfigError("private_access_tokens", str(exc)) from None

    def known(self) -> tuple[TokenKey, ...]:
        """Every known key, usable or not yet (not-before is the caller's to check)."""
        if self._path is not None and self._clock() - self._checked >= RELOAD_CHECK_SECONDS:
            self._maybe_reload(self._path)
        return (*self._inline, *self._from_file)

    def by_id(self) -> dict[bytes, TokenKey]:
        return {key.key_id: key for key in self.known()}

    def preferred(self, now: float) -> TokenKey | None:
        """The first usable key (directories list keys in order of preference)."""
        return next((key for key in self.known() if key.usable(now)), None)

    def _maybe_reload(self, path: str) -> None:
        with self._lock:
            self._checked = self._clock()
            try:
                self._load(path)
            except KeyFormatError as exc:
                logger.warning("humangate: PAT key file %s not reloaded: %s", path, exc)

    def _load(self, path: str) -> None:
        # The bytes, not the modification time: a coarse clock can give two writes one time.
        raw = _read(path)
        digest = hashlib.sha256(raw).digest()
        if digest == self._digest:
            return
        name, keys = parse_key_file(path, raw)
        if name.lower() != self.name.lower():
            raise KeyFormatError(f"{path} holds keys of {name!r}, not {self.name!r}")
        first = not self._digest
        self._from_file, self._digest = tuple(keys), digest
        if not first:
            logger.info("humangate: reloaded PAT keys for %s from %s", self.name, path)


def load_issuers(issuers: Sequence[PatIssuer]) -> tuple[IssuerKeys, ...]:
    return tuple(IssuerKeys(issuer) for issuer in issuers)
