"""Siteverify's rules and every error code (reference §1.3, §1.4), without a web server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from humangate.effects import run_sync
from humangate.errors import StoreError
from humangate.stores import MemoryStore
from humangate.tokens import KeyRing
from humangate.turnstile import DUMMY_TOKEN
from humangate.turnstile.sitekeys import Sitekey, SitekeyBook
from humangate.turnstile.siteverify import (
    MAX_BODY,
    Siteverifier,
    SiteverifyResult,
    VerifyRequest,
    iso_timestamp,
    parse_request,
)
from humangate.turnstile.tokens import MAX_TOKEN_CHARS, PURPOSES, WidgetContext, WidgetSeal
from tests.conftest import OLD_SECRET, SECRET
from tests.turnstile.support import (
    OLD_WIDGET_SECRET,
    OTHER_SECRET,
    OTHER_SITEKEY,
    SITEKEY,
    WIDGET_SECRET,
)

NOW = 1_800_000_000.0
CLIENT_IP = "198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def seal() -> WidgetSeal:
    return WidgetSeal(KeyRing([SECRET], purposes=PURPOSES))


@pytest.fixture
def verifier(seal: WidgetSeal, clock: Clock) -> Siteverifier:
    book = SitekeyBook(
        [
            Sitekey(SITEKEY, [WIDGET_SECRET, OLD_WIDGET_SECRET], hostnames=["example.org"]),
            Sitekey(OTHER_SITEKEY, [OTHER_SECRET], hostnames=["example.org"]),
        ]
    )
    return Siteverifier(book, seal, clock=clock)


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    store = MemoryStore()
    yield store
    store.close()


def token(
    seal: WidgetSeal,
    *,
    sitekey: str = SITEKEY,
    hostname: str = "shop.example.org",
    action: str = "login",
    cdata: str = "session-42",
    at: float = NOW,
) -> str:
    context = WidgetContext("ticket-id", sitekey, hostname, action, cdata)
    return seal.issue(context, client_ip=CLIENT_IP, ua_hash="ua", now=at)[1]


def check(
    verifier: Siteverifier,
    store: MemoryStore,
    response: str,
    secret: str = WIDGET_SECRET,
    **kw: str,
) -> SiteverifyResult:
    return run_sync(verifier.verify(VerifyRequest(secret, response, **kw)), store)


def codes(result: SiteverifyResult) -> list[str]:
    assert not result.success
    return list(result.error_codes)


def test_a_fresh_token_verifies_once_with_its_fields(verifier, store, seal) -> None:
    value = token(seal)
    result = check(verifier, store, value)
    assert result.success
    assert result.as_json() == {
        "success": True,
        "error-codes": [],
        "challenge_ts": iso_timestamp(int(NOW * 1000)),
        "hostname": "shop.example.org",
        "action": "login",
        "cdata": "session-42",
    }
    assert codes(check(verifier, store, value)) == ["timeout-or-duplicate"]


def test_challenge_ts_has_turnstiles_shape() -> None:
    assert iso_timestamp(1_646_061_270_096) == "2022-02-28T15:14:30.096Z"


def test_missing_fields(verifier, store) -> None:
    assert codes(check(verifier, store, "x", secret="")) == ["missing-input-secret"]
    assert codes(check(verifier, store, "")) == ["missing-input-response"]
    assert codes(check(verifier, store, "", secret="")) == [
        "missing-input-secret",
        "missing-input-response",
    ]


def test_unknown_secret(verifier, store, seal) -> None:
    assert codes(check(verifier, store, token(seal), secret="0x" + "9" * 30)) == [
        "invalid-input-secret"
    ]


def test_both_rotated_secrets_verify(verifier, store, seal) -> None:
    assert check(verifier, store, token(seal), secret=WIDGET_SECRET).success
    assert check(verifier, store, token(seal), secret=OLD_WIDGET_SECRET).success


def test_forged_and_tampered_tokens(verifier, store, seal) -> None:
    value = token(seal)
    tampered = value[:40] + ("A" if value[40] != "A" else "B") + value[41:]
    for forged in ("not-a-token", "A" * 300, tampered, value + "x", "é" * 10):
        assert codes(check(verifier, store, forged)) == ["invalid-input-response"]


def test_oversized_token(verifier, store) -> None:
    assert codes(check(verifier, store, "A" * (MAX_TOKEN_CHARS + 1))) == ["invalid-input-response"]


def test_longest_token_fits_the_documented_2048_characters(seal) -> None:
    value = token(seal, hostname="h" * 63 + ("." + "h" * 63) * 3, action="a" * 32, cdata="c" * 255)
    assert len(value) <= MAX_TOKEN_CHARS


def test_a_token_from_another_key_ring_is_refused(verifier, store) -> None:
    other = WidgetSeal(KeyRing([OLD_SECRET], purposes=PURPOSES))
    assert codes(check(verifier, store, token(other))) == ["invalid-input-response"]


def test_other_sealed_values_do_not_pass_for_a_token(verifier, store, seal) -> None:
    keys = KeyRing([SECRET], purposes=("ticket", "clearance", *PURPOSES))
    context = seal.seal_context(WidgetContext("t", SITEKEY, "example.org", "", ""))
    ticket = keys.seal("ticket", {"id": "x", "k": SITEKEY})
    for value in (context, ticket):
        assert codes(check(verifier, store, value)) == ["invalid-input-response"]


def test_other_sitekeys_token(verifier, store, seal) -> None:
    assert codes(check(verifier, store, token(seal, sitekey=OTHER_SITEKEY))) == [
        "invalid-input-response"
    ]
    assert check(verifier, store, token(seal, sitekey=OTHER_SITEKEY), secret=OTHER_SECRET).success


def test_a_host_the_sitekey_no_longer_allows(verifier, store, seal) -> None:
    assert codes(check(verifier, store, token(seal, hostname="evil.example"))) == [
        "invalid-input-response"
    ]


def test_expired_after_300_seconds(verifier, store, seal, clock) -> None:
    value = token(seal)
    clock.now = NOW + 300
    assert check(verifier, store, value).success
    value = token(seal)
    clock.now = NOW + 301
    assert codes(check(verifier, store, value)) == ["timeout-or-duplicate"]


def test_idempotent_retry_with_the_same_key(verifier, store, seal) -> None:
    value = token(seal)
    key = "4c0a5a1e-8c2b-4f7a-9d1e-1f2e3d4c5b6a"
    first = check(verifier, store, value, idempotency_key=key)
    again = check(verifier, store, value, idempotency_key=key)
    assert first.success and again.success
    assert first.as_json() == again.as_json()
    other_key = "5c0a5a1e-8c2b-4f7a-9d1e-1f2e3d4c5b6a"
    assert codes(check(verifier, store, value, idempotency_key=other_key)) == [
        "timeout-or-duplicate"
    ]
    assert codes(check(verifier, store, value)) == ["timeout-or-duplicate"]


def test_a_key_does_not_redeem_a_token_spent_without_it(verifier, store, seal) -> None:
    value = token(seal)
    assert check(verifier, store, value).success
    key = "4c0a5a1e-8c2b-4f7a-9d1e-1f2e3d4c5b6a"
    assert codes(check(verifier, store, value, idempotency_key=key)) == ["timeout-or-duplicate"]


def test_malformed_idempotency_key(verifier, store, seal) -> None:
    for key in ("x" * 129, "tab\there", "ключ"):
        assert codes(check(verifier, store, token(seal), idempotency_key=key)) == ["bad-request"]


def test_remoteip_must_be_the_solving_client(verifier, store, seal) -> None:
    assert codes(check(verifier, store, token(seal), remoteip="203.0.113.9")) == [
        "invalid-input-response"
    ]
    assert check(verifier, store, token(seal), remoteip=CLIENT_IP).success
    assert check(verifier, store, token(seal), remoteip=f"::ffff:{CLIENT_IP}").success
    # Not an address (clients send "None"): not checked, as Turnstile does not either.
    assert check(verifier, store, token(seal), remoteip="None").success


def test_store_failure_is_a_retryable_internal_error(verifier, seal) -> None:
    class Broken(MemoryStore):
        def spend(self, key: str, ttl: float) -> bool:
            raise StoreError("down")

    assert codes(check(verifier, Broken(), token(seal))) == ["internal-error"]


# -- the documented test keys (§1.4) ---------------------------------------------------


def test_test_secrets_answer_as_documented(verifier, store) -> None:
    passing = check(verifier, store, DUMMY_TOKEN, secret="1x0000000000000000000000000000000AA")
    assert passing.success
    assert passing.hostname == "example.com"
    # The dummy token is not single use.
    assert check(verifier, store, DUMMY_TOKEN, secret="1x0000000000000000000000000000000AA").success
    failing = check(verifier, store, DUMMY_TOKEN, secret="2x0000000000000000000000000000000AA")
    assert codes(failing) == ["invalid-input-response"]
    spent = check(verifier, store, DUMMY_TOKEN, secret="3x0000000000000000000000000000000AA")
    assert codes(spent) == ["timeout-or-duplicate"]


def test_a_test_secret_rejects_real_tokens(verifier, store, seal) -> None:
    for secret in (
        "1x0000000000000000000000000000000AA",
        "2x0000000000000000000000000000000AA",
        "3x0000000000000000000000000000000AA",
    ):
        assert codes(check(verifier, store, token(seal), secret=secret)) == ["invalid-input-secret"]


def test_a_real_secret_rejects_the_dummy_token(verifier, store) -> None:
    assert codes(check(verifier, store, DUMMY_TOKEN)) == ["invalid-input-response"]


# -- request bodies ---------------------------------------------------------------------


def test_form_and_json_bodies() -> None:
    expected = VerifyRequest("s", "t", "192.0.2.1", "k")
    form = b"secret=s&response=t&remoteip=192.0.2.1&idempotency_key=k"
    assert parse_request("application/x-www-form-urlencoded", form) == expected
    assert parse_request("application/x-www-form-urlencoded; charset=utf-8", form) == expected
    body = json.dumps(
        {"secret": "s", "response": "t", "remoteip": "192.0.2.1", "idempotency_key": "k"}
    )
    assert parse_request("application/json", body.encode()) == expected
    assert parse_request("application/json", b'{"secret": "s"}') == VerifyRequest("s")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{not json"),
        ("application/json", b"[1, 2]"),
        ("application/json", b'{"secret": 5, "response": "t"}'),
        ("application/json", b'{"secret": "s", "response": ["t"]}'),
        ("application/json", b"\xff\xfe"),
        ("application/json", b"[" * 100_000),
        ("application/x-www-form-urlencoded", b"secret=a&secret=b&response=t"),
        ("application/x-www-form-urlencoded", b"\xff=\xfe"),
        ("text/plain", b"secret=s&response=t"),
        ("multipart/form-data; boundary=x", b"--x--"),
        ("application/json", b'{"secret": "' + b"s" * MAX_BODY + b'"}'),
    ],
)
def test_malformed_bodies_are_bad_requests(verifier, store, content_type, body) -> None:
    parsed = parse_request(content_type, body)
    assert parsed is None
    assert codes(run_sync(verifier.verify(parsed), store)) == ["bad-request"]


def test_from_json_reads_a_remote_answer() -> None:
    data = {"success": False, "error-codes": ["invalid-input-response", 5], "extra": 1}
    assert SiteverifyResult.from_json(data) == SiteverifyResult(False, ("invalid-input-response",))
    assert not SiteverifyResult.from_json({"success": "true"}).success
