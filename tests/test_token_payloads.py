"""Authentic tokens with payloads seal() never writes (found by tests/fuzz): decoding them
gives the documented outcome, never OverflowError or TypeError."""

from __future__ import annotations

import pytest

from humangate.clearance import ClearanceCodec
from humangate.errors import TokenError
from humangate.levels import Level
from humangate.tickets import Failure, TicketBook
from humangate.tokens import KeyRing, same_text
from tests.conftest import SECRET

KEYS = KeyRing([SECRET], purposes=("ticket", "clearance"))
TICKET = {
    "id": "x",
    "s": "s",
    "d": 8,
    "l": 2,
    "ip": "",
    "ua": "",
    "e": 10**9,
    "t": "/",
    "r": "r",
    "p": "",
    "i": 0,
}


def test_infinity_in_a_payload_is_a_token_error() -> None:
    token = KEYS.seal("ticket", {**TICKET, "d": float("inf")})
    with pytest.raises(TokenError):
        KEYS.open("ticket", token)
    with pytest.raises(TokenError):
        TicketBook(KEYS, 300).open(token)


def test_non_ascii_ticket_binding_is_another_client() -> None:
    book = TicketBook(KEYS, 300)
    ticket = book.open(KEYS.seal("ticket", {**TICKET, "ip": "\x80"}))
    assert book.check_client(ticket, None, "ua", 0, 0) is Failure.OTHER_CLIENT


def test_non_ascii_clearance_binding_does_not_verify() -> None:
    codec = ClearanceCodec(KEYS, ttl=60, skew=0, xhr_grace=0)
    payload = {"l": int(Level.MANAGED), "i": 0, "e": 60, "b": "é", "u": "u", "s": 99, "j": None}
    assert codec.bound(KEYS.seal("clearance", payload), "binding") is None


def test_same_text() -> None:
    assert same_text("é\ud800", "é\ud800") is True
    assert same_text("é", "e") is False
