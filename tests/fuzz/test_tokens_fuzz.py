"""Clearance cookies and solve tickets: whatever arrives, the decoders answer with a
value, None (cookie) or TokenError (ticket); never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from humangate.clearance import PURPOSE as CLEARANCE
from humangate.clearance import Clearance, ClearanceCodec
from humangate.errors import TokenError
from humangate.levels import Level
from humangate.request import cookie_value
from humangate.tickets import PURPOSE as TICKET
from humangate.tickets import Ticket, TicketBook
from tests.fuzz.conftest import BATCH, batch, count, examples
from tests.fuzz.strategies import KEYS, json_values, mutate, sealed

CODEC = ClearanceCodec(KEYS, ttl=1800, skew=30, xhr_grace=60)
BOOK = TicketBook(KEYS, ttl=300)
_, GOOD_COOKIE = CODEC.issue(Level.MANAGED, "binding", 1_000_000.0)
_, GOOD_TICKET = BOOK.issue(
    level=Level.MANAGED,
    difficulty=8,
    client_ip=None,
    user_agent="ua",
    target="/",
    ray="0123456789abcdef",
    now=1_000_000.0,
)

CLEARANCE_KEYS = ["l", "i", "e", "b", "u", "s", "j"]
TICKET_KEYS = ["id", "s", "d", "l", "ip", "ua", "e", "t", "r"]


def payloads(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Payloads with the real keys (some missing) holding any JSON value."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, json_values))


def check_clearance(value: str) -> None:
    found = CODEC.bound(value, "binding")
    assert found is None or isinstance(found, Clearance)
    if found is not None:
        CODEC.is_current(found, 1_000_000.0)


def check_ticket(token: str) -> None:
    try:
        ticket = BOOK.open(token)
    except TokenError:
        return
    assert isinstance(ticket, Ticket)
    BOOK.check_client(ticket, None, "ua", 1_000_000.0, 30)


TEXT = st.text(max_size=400)


@examples(1_000)
@given(batch(TEXT))
def test_clearance_random_text(values: list[str]) -> None:
    count("clearance", len(values))
    for value in values:
        check_clearance(value)


@examples(600)
@given(st.data())
def test_clearance_mutated(data: st.DataObject) -> None:
    values = [mutate(GOOD_COOKIE, data) for _ in range(BATCH)]
    count("clearance", len(values))
    for value in values:
        check_clearance(value)


@examples(300)
@given(batch(payloads(CLEARANCE_KEYS)))
def test_clearance_authentic_but_malformed_payload(payloads: list[dict[str, Any]]) -> None:
    count("clearance", len(payloads))
    for payload in payloads:
        check_clearance(sealed(CLEARANCE, payload))


@examples(700)
@given(batch(TEXT))
def test_ticket_random_text(tokens: list[str]) -> None:
    count("ticket", len(tokens))
    for token in tokens:
        check_ticket(token)


@examples(500)
@given(st.data())
def test_ticket_mutated(data: st.DataObject) -> None:
    tokens = [mutate(GOOD_TICKET, data) for _ in range(BATCH)]
    count("ticket", len(tokens))
    for token in tokens:
        check_ticket(token)


@examples(250)
@given(batch(payloads(TICKET_KEYS)))
def test_ticket_authentic_but_malformed_payload(payloads: list[dict[str, Any]]) -> None:
    count("ticket", len(payloads))
    for payload in payloads:
        check_ticket(sealed(TICKET, payload))


@examples(500)
@given(batch(st.text(max_size=300)), st.sampled_from(["__hg", "__Host-__hg", "", "a b", "="]))
def test_cookie_header_parsing(lines: list[str], name: str) -> None:
    count("cookie header", len(lines))
    for line in lines:
        value = cookie_value(line, name)
        assert value is None or isinstance(value, str)
