"""Bad input at the redemption endpoint and the solve: ignored as a signal, logged at
INFO, counted by reason; never a 500, never a pass. Each verification step has a test
here that names the reason it must refuse for."""

from __future__ import annotations

import json
import logging
import struct
import time
from typing import Any
from urllib.parse import quote

import pytest

from humangate import Config, PatIssuer, PatPolicy
from humangate.errors import StoreError
from humangate.events import Event, Kind
from humangate.pat import headers
from humangate.pat.gate import PURPOSE, Attestations, redemption_context
from humangate.pat.wire import GREASE_TYPES, TokenChallenge, b64decode, b64encode
from humangate.stores.memory import MemoryStore
from humangate.tickets import PURPOSE as TICKET
from humangate.tickets import Ticket, TicketBook
from humangate.tokens import KeyRing
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.pat.device import authorization, challenges
from tests.pat.issuer import TestIssuer
from tests.pat.test_flow import ORIGIN, doubtful, site
from tests.support import Result, WSGIClient, challenge_data, signed_solution


class Events:
    def __init__(self) -> None:
        self.seen: list[Event] = []

    def record(self, event: Event) -> None:
        self.seen.append(event)

    def pat(self) -> list[str | None]:
        return [e.reason for e in self.seen if e.kind is Kind.PAT_PRESENTED]


def setup(issuer: TestIssuer, **settings: Any) -> tuple[WSGIClient, Events]:
    settings = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": 4,
        "private_access_tokens": [PatIssuer(issuer.name, token_keys=[issuer.token_key])],
        **settings,
    }
    gate = HumanGate(site, Config(**settings))
    events = Events()
    gate.gate.engine.add_observer(events)
    return WSGIClient(gate), events


OTHER_SECRET = "another-secret-0123456789abcdefghijklmnop"


def ticket_of(data: dict[str, Any]) -> Ticket:
    """The ticket a challenge page carries, opened as the gate would."""
    return TicketBook(KeyRing([SECRET], purposes=(TICKET,)), 300).open(data["ticket"])


def page(client: WSGIClient) -> tuple[dict[str, Any], str]:
    response = client.request("GET", "/")
    return challenge_data(response.body), response.header("www-authenticate") or ""


def redeem(client: WSGIClient, data: dict[str, Any], auth: str, **kw: Any) -> Result:
    return client.request(
        "GET",
        "/.humangate/pat",
        query=f"ticket={quote(data['ticket'])}",
        headers={"authorization": auth},
        html=False,
        **kw,
    )


def token_header(token: bytes) -> str:
    return headers.format_item(headers.SCHEME, [("token", b64encode(token))])


def valid_token(client: WSGIClient, issuer: TestIssuer) -> tuple[dict[str, Any], bytes]:
    data, www = page(client)
    auth = authorization(www, issuer, ORIGIN)
    token = b64decode(headers.private_token_param(auth, "token") or "")
    return data, token


def refused(response: Result) -> None:
    assert response.status == 403
    assert response.json() == {"ok": False}
    assert "attestation" not in response.body.decode()


MALFORMED = [
    "PrivateToken",
    "PrivateToken token=",
    'PrivateToken token="unterminated',
    "PrivateToken token=!!!!",
    'PrivateToken token="AAI="',  # type 2, then nothing: truncated
    'PrivateToken token="AAI"',  # unpadded
    'PrivateToken token="AA+/AA=="',  # standard alphabet
    'PrivateToken token="a", token="b"',  # repeated parameter
    "PrivateToken ,,,, = = =",
    "PrivateToken token=\x00\x01",
    'PrivateToken token="AAIA' + "A" * 8000 + '"',  # type 2, far too long
]


@pytest.mark.parametrize("header", MALFORMED)
def test_malformed_authorization_is_refused_as_malformed(
    issuer: TestIssuer, header: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, events = setup(issuer)
    data, _ = page(client)
    with caplog.at_level(logging.INFO, logger="humangate.pat"):
        refused(redeem(client, data, header))
    assert events.pat() == ["malformed"]
    assert "pat invalid" in caplog.text and "reason=malformed" in caplog.text
    assert all(r.levelno <= logging.INFO for r in caplog.records if r.name == "humangate.pat")


@pytest.mark.parametrize("token_type", sorted(GREASE_TYPES | {0x0001, 0x0003, 0xFFFF}))
def test_other_token_types_including_grease_are_refused(
    issuer: TestIssuer, token_type: int
) -> None:
    client, events = setup(issuer)
    data, token = valid_token(client, issuer)
    refused(redeem(client, data, token_header(struct.pack("!H", token_type) + token[2:])))
    assert events.pat() == ["token_type"]


@pytest.mark.parametrize("length", [2, 34, 98, 353, 355])
def test_truncated_or_padded_tokens_are_malformed(issuer: TestIssuer, length: int) -> None:
    client, events = setup(issuer)
    data, token = valid_token(client, issuer)
    refused(redeem(client, data, token_header((token + b"\x00")[:length])))
    assert events.pat() == ["malformed"]


def test_forged_authenticator_is_refused(issuer: TestIssuer) -> None:
    client, events = setup(issuer)
    data, token = valid_token(client, issuer)
    forged = token[:-256] + bytes(256)
    refused(redeem(client, data, token_header(forged)))
    flipped = token[:-1] + bytes([token[-1] ^ 0x01])
    refused(redeem(client, data, token_header(flipped)))
    assert events.pat() == ["signature", "signature"]
    assert redeem(client, data, token_header(token)).status == 200  # the real one still works


def test_an_untrusted_issuers_key_is_a_wrong_key_id(
    issuer: TestIssuer, other_issuer: TestIssuer
) -> None:
    client, events = setup(issuer)
    data, www = page(client)
    # The attacker runs its own issuer under the trusted name: a perfectly signed token,
    # for our very challenge, by a key we do not trust.
    ours = challenges(www)[0][0]
    forged = other_issuer.mint(ours.encode())
    refused(redeem(client, data, token_header(forged)))
    # And a trusted key id on the untrusted signature.
    relabelled = forged[:66] + issuer.key_id + forged[98:]
    refused(redeem(client, data, token_header(relabelled)))
    assert events.pat() == ["key_id", "signature"]


def test_a_token_for_another_origins_challenge_is_refused(issuer: TestIssuer) -> None:
    client, events = setup(issuer)
    data, www = page(client)
    ours = challenges(www)[0][0]
    # Same issuer, same context (even the same ticket), but minted for evil.example.
    theirs = TokenChallenge(2, ours.issuer_name, ours.redemption_context, "evil.example")
    refused(redeem(client, data, token_header(issuer.mint(theirs.encode()))))
    # Cross-origin (empty origin_info) and context-free challenges are not ours either.
    anywhere = TokenChallenge(2, ours.issuer_name, ours.redemption_context, "")
    refused(redeem(client, data, token_header(issuer.mint(anywhere.encode()))))
    free = TokenChallenge(2, ours.issuer_name, b"", ORIGIN)
    refused(redeem(client, data, token_header(issuer.mint(free.encode()))))
    assert events.pat() == ["challenge"] * 3


def test_a_token_for_another_ticket_is_refused(issuer: TestIssuer) -> None:
    client, events = setup(issuer)
    _, token = valid_token(client, issuer)
    second, _ = page(client)
    refused(redeem(client, second, token_header(token)))
    assert events.pat() == ["challenge"]


def test_a_spent_nonce_is_refused(issuer: TestIssuer) -> None:
    client, events = setup(issuer)
    data, token = valid_token(client, issuer)
    assert redeem(client, data, token_header(token)).status == 200
    refused(redeem(client, data, token_header(token)))
    assert events.pat() == ["valid", "replayed"]


def test_a_ticket_of_another_client_or_none_is_refused(issuer: TestIssuer) -> None:
    client, events = setup(issuer)
    data, token = valid_token(client, issuer)
    other = redeem(client, data, token_header(token), ip="203.0.113.9")
    assert other.status == 404 and other.json() == {"ok": False}
    forged_ticket = client.request(
        "GET", "/.humangate/pat", query="ticket=forged",
        headers={"authorization": token_header(token)}, html=False,
    )  # fmt: skip
    assert forged_ticket.status == 404
    assert events.pat() == ["ticket", "ticket"]
    assert redeem(client, data, token_header(token)).status == 200  # not spent by those


def test_a_key_before_its_not_before_is_refused_until_then(
    issuer: TestIssuer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("humangate.pat.keys.RELOAD_CHECK_SECONDS", 0.0)
    future = TestIssuer(issuer.name)  # the issuer's next key, published ahead of time
    keys = tmp_path / "keys.json"

    def publish(not_before: int) -> None:
        entries = [
            *issuer.directory()["token-keys"],  # type: ignore[misc]
            *future.directory(not_before=not_before)["token-keys"],  # type: ignore[misc]
        ]
        keys.write_text(json.dumps({"issuer": issuer.name, "token-keys": entries}))

    publish(not_before=int(time.time()) + 3600)
    config = Config(
        secret_keys=[SECRET], store="memory://", difficulty=4,
        private_access_tokens=[str(keys)],
    )  # fmt: skip
    gate = HumanGate(site, config)
    events = Events()
    gate.gate.engine.add_observer(events)
    client = WSGIClient(gate)
    data, www = page(client)
    ours = challenges(www)[0]
    assert ours[1]["token-key"] == issuer.token_key  # the usable key is the one announced
    refused(redeem(client, data, token_header(future.mint(ours[0].encode()))))
    assert events.pat() == ["key_not_yet_valid"]
    # Its time comes (and the file changed): the same kind of token is now accepted.
    publish(not_before=int(time.time()) - 1)
    assert redeem(client, data, token_header(future.mint(ours[0].encode()))).status == 200


def test_configured_origins_ignore_a_spoofed_host(issuer: TestIssuer) -> None:
    client, events = setup(issuer, pat_policy=PatPolicy(origins=["shop.example"]))
    spoofed = client.request("GET", "/", headers={"host": "evil.example"})
    assert spoofed.header("www-authenticate") is None
    data = challenge_data(spoofed.body)
    context = redemption_context(ticket_of(data).id)
    evil = TokenChallenge(2, issuer.name, context, "evil.example")
    # A token for the challenge the spoofed Host would have named is not ours.
    spoofed_redeem = client.request(
        "GET", "/.humangate/pat", query=f"ticket={quote(data['ticket'])}",
        headers={"authorization": token_header(issuer.mint(evil.encode())), "host": "evil.example"},
        html=False,
    )  # fmt: skip
    refused(spoofed_redeem)
    assert events.pat() == ["challenge"]
    real = client.request("GET", "/", headers={"host": "shop.example"})
    assert challenges(real.header("www-authenticate") or "")[0][0].origin_info == "shop.example"


def post(client: WSGIClient, data: dict[str, Any], steps: dict[str, Any]) -> Result:
    body = {
        "ticket": data["ticket"],
        "nonce": None,
        "signals": doubtful(),
        "steps": steps,
    }
    return client.request(
        "POST", data["solve_url"], body=signed_solution(data, body),
        headers={"content-type": "application/json"}, html=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "answer",
    [
        {"attestation": "forged"},
        {"attestation": 7},
        {"attestation": ["x"]},
        "valid",
        {"valid": True},
        None,
    ],
)
def test_a_forged_attestation_never_skips_the_interaction(issuer: TestIssuer, answer: Any) -> None:
    client, _ = setup(issuer)
    data, _ = page(client)
    response = post(client, data, {"pat": answer})
    assert response.status == 403 and response.json()["reason"] == "interaction_required"


def test_an_attestation_for_another_ticket_never_skips_the_interaction(issuer: TestIssuer) -> None:
    client, _ = setup(issuer)
    data, token = valid_token(client, issuer)
    attestation = redeem(client, data, token_header(token)).json()["attestation"]
    later, _ = page(client)
    response = post(client, later, {"pat": {"attestation": attestation}})
    assert response.json()["reason"] == "interaction_required"
    assert post(client, data, {"pat": {"attestation": attestation}}).status == 200


def test_an_attestation_from_another_site_never_skips_the_interaction(issuer: TestIssuer) -> None:
    client, _ = setup(issuer)
    data, _token = valid_token(client, issuer)
    # Same ticket text, but sealed by a gate with another key ring.
    foreign = Attestations(KeyRing([OTHER_SECRET], purposes=(PURPOSE,))).seal(
        ticket_of(data), issuer.name
    )
    assert post(client, data, {"pat": {"attestation": foreign}}).json()["reason"] == (
        "interaction_required"
    )


def test_store_failure_ignores_the_token(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, events = setup(issuer)
    data, token = valid_token(client, issuer)

    def broken(self: object, key: str, ttl: float) -> bool:
        raise StoreError("down")

    monkeypatch.setattr(MemoryStore, "spend", broken)
    refused(redeem(client, data, token_header(token)))
    assert events.pat() == ["store_unavailable"]


def test_no_token_is_not_counted(issuer: TestIssuer) -> None:
    client, events = setup(issuer)
    data, _ = page(client)
    for auth in ("", "Basic dXNlcjpwdw==", "Bearer abc"):
        response = redeem(client, data, auth)
        assert response.status == 401 and response.header("www-authenticate")
    assert client.request("POST", "/.humangate/pat", html=False).status == 405
    assert events.pat() == []
