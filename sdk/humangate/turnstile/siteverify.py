"""Siteverify: a backend redeems a widget token with its secret. Sans-IO.

:func:`parse_request` reads a form or JSON body; :meth:`Siteverifier.verify` is a flow
(see :mod:`humangate.effects`) that yields the store operations making a token single
use across every worker and machine sharing the store, and returns the answer. Every
refusal is one of Turnstile's documented error codes; nothing here raises on input.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

from humangate.effects import Flow, IsSpent, Spend
from humangate.errors import StoreError, TokenError
from humangate.http.request import json_object
from humangate.turnstile.sitekeys import DUMMY_TOKEN, TEST_SECRETS, SitekeyBook
from humangate.turnstile.tokens import MAX_TOKEN_CHARS, WidgetSeal, WidgetToken

MAX_BODY = 8 * 1024  # secret + a 2048-character token + remoteip + key, with room to spare
MAX_IDEMPOTENCY_KEY = 128
TEST_HOSTNAME = "example.com"  # what the test secrets report, as Turnstile's do

MISSING_SECRET = "missing-input-secret"  # noqa: S105 - error codes, not secrets
INVALID_SECRET = "invalid-input-secret"  # noqa: S105
MISSING_RESPONSE = "missing-input-response"
INVALID_RESPONSE = "invalid-input-response"
BAD_REQUEST = "bad-request"
DUPLICATE = "timeout-or-duplicate"
INTERNAL_ERROR = "internal-error"
ERROR_CODES = (
    MISSING_SECRET,
    INVALID_SECRET,
    MISSING_RESPONSE,
    INVALID_RESPONSE,
    BAD_REQUEST,
    DUPLICATE,
    INTERNAL_ERROR,
)


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    secret: str = ""
    response: str = ""
    remoteip: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True, slots=True)
class SiteverifyResult:
    """Siteverify's answer. ``sitekey`` is for metrics only; it is not sent."""

    success: bool
    error_codes: tuple[str, ...] = ()
    challenge_ts: str | None = None
    hostname: str | None = None
    action: str | None = None
    cdata: str | None = None
    sitekey: str | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"success": self.success, "error-codes": list(self.error_codes)}
        if self.success:
            data.update(
                challenge_ts=self.challenge_ts,
                hostname=self.hostname,
                action=self.action,
                cdata=self.cdata,
            )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SiteverifyResult:
        """The answer a remote siteverify sent (unknown or odd fields are ignored)."""
        codes = data.get("error-codes")
        texts = {
            name: value if isinstance(value := data.get(name), str) else None
            for name in ("challenge_ts", "hostname", "action", "cdata")
        }
        return cls(
            success=data.get("success") is True,
            error_codes=tuple(c for c in codes if isinstance(c, str))
            if isinstance(codes, list)
            else (),
            **texts,
        )


def failure(*codes: str, sitekey: str | None = None) -> SiteverifyResult:
    return SiteverifyResult(False, codes, sitekey=sitekey)


def parse_request(content_type: str | None, body: bytes) -> VerifyRequest | None:
    """The fields of a form or JSON body; None when the body is malformed."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if len(body) > MAX_BODY:
        return None
    values: Mapping[str, object]
    if kind == "application/json":
        data = json_object(body)
        if data is None:
            return None
        values = data
    elif kind in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
            form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
        except (UnicodeDecodeError, ValueError):
            return None
        if any(len(items) > 1 for items in form.values()):
            return None  # two secrets or two tokens: refuse rather than pick one
        values = {name: items[0] for name, items in form.items()}
    else:
        return None
    fields: dict[str, str] = {}
    for name in ("secret", "response", "remoteip", "idempotency_key"):
        value = values.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            return None
        fields[name] = value
    return VerifyRequest(**fields)


def iso_timestamp(unix_ms: int) -> str:
    """``2022-02-28T15:14:30.096Z``, the shape Turnstile's challenge_ts has."""
    moment = datetime.fromtimestamp(unix_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{unix_ms % 1000:03d}Z"


def _same_ip(given: str, recorded: str) -> bool | None:
    """Whether ``given`` names the recorded client; None when it is no address at all."""
    try:
        ip = ipaddress.ip_address(given.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not recorded:
        return True  # the solve's address was unknown: nothing to compare against
    return ip == ipaddress.ip_address(recorded)


def _valid_idempotency_key(key: str) -> bool:
    return 0 < len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable()


class Siteverifier:
    """Checks tokens for the configured sitekeys and the test keys."""

    __slots__ = ("_book", "_clock", "_seal")

    def __init__(
        self, book: SitekeyBook, seal: WidgetSeal, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._book = book
        self._seal = seal
        self._clock = clock

    def verify(self, request: VerifyRequest | None) -> Flow[SiteverifyResult]:
        early = precheck(request, self._clock())
        if early is not None or request is None:
            return early or failure(BAD_REQUEST)
        sitekey = self._book.for_secret(request.secret)
        if sitekey is None:
            return failure(INVALID_SECRET)
        key = sitekey.sitekey
        if len(request.response) > MAX_TOKEN_CHARS or request.response == DUMMY_TOKEN:
            return failure(INVALID_RESPONSE, sitekey=key)
        try:
            token = self._seal.open(request.response)
        except TokenError:
            return failure(INVALID_RESPONSE, sitekey=key)
        # Another sitekey's token, or a host this sitekey no longer allows.
        if token.sitekey != key or not sitekey.allows_host(token.hostname):
            return failure(INVALID_RESPONSE, sitekey=key)
        now = self._clock()
        if now > token.expires_at:
            return failure(DUPLICATE, sitekey=key)
        # A remoteip that is no address at all is not checked, as Turnstile does not
        # validate it strictly (clients send "None" or ""); a real other address fails.
        if request.remoteip and _same_ip(request.remoteip, token.client_ip) is False:
            return failure(INVALID_RESPONSE, sitekey=key)
        return (yield from self._redeem(token, request.idempotency_key, now))

    def _redeem(
        self, token: WidgetToken, idempotency_key: str, now: float
    ) -> Flow[SiteverifyResult]:
        """Spend the token once; a retry with the idempotency key of the spend that won
        gets the same success again."""
        ttl = max(token.expires_at - now, 0) + 60
        retry_key = ""
        if idempotency_key:
            digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
            retry_key = f"turnstile-retry:{token.id}:{digest}"
        try:
            first = yield Spend(f"turnstile:{token.id}", ttl)
            if first and retry_key:
                yield Spend(retry_key, ttl)
            elif not first and not (retry_key and (yield IsSpent(retry_key))):
                return failure(DUPLICATE, sitekey=token.sitekey)
        except StoreError:
            # Single use cannot be checked: never a success; the backend may retry.
            return failure(INTERNAL_ERROR, sitekey=token.sitekey)
        return SiteverifyResult(
            True,
            (),
            challenge_ts=iso_timestamp(token.solved_ms),
            hostname=token.hostname,
            action=token.action,
            cdata=token.cdata,
            sitekey=token.sitekey,
        )


def precheck(request: VerifyRequest | None, now: float) -> SiteverifyResult | None:
    """The answers that need no sitekey and no store: a malformed request, missing
    fields, and the test secrets (which accept only the dummy token, as documented)."""
    if request is None:
        return failure(BAD_REQUEST)
    missing = (MISSING_SECRET,) if not request.secret else ()
    if not request.response:
        missing = (*missing, MISSING_RESPONSE)
    if missing:
        return failure(*missing)
    if request.idempotency_key and not _valid_idempotency_key(request.idempotency_key):
        return failure(BAD_REQUEST)
    if request.secret not in TEST_SECRETS:
        return None
    if request.response != DUMMY_TOKEN:
        return failure(INVALID_SECRET)
    code = TEST_SECRETS[request.secret]
    if code is not None:
        return failure(code)
    return SiteverifyResult(
        True,
        (),
        challenge_ts=iso_timestamp(int(now * 1000)),
        hostname=TEST_HOSTNAME,
        action="",
        cdata="",
    )
