from __future__ import annotations

import ipaddress

import pytest

from humangate.errors import TokenError
from humangate.levels import Level
from humangate.tickets import Failure, TicketBook
from humangate.tokens import KeyRing
from tests.conftest import SECRET

NOW = 1_800_000_000.0
CLIENT = ipaddress.ip_address("198.51.100.7")


@pytest.fixture
def book() -> TicketBook:
    return TicketBook(KeyRing([SECRET], ("ticket", "clearance")), ttl=300)


def issue(book: TicketBook, target: str = "/page?x=1") -> tuple[object, str]:
    return book.issue(
        level=Level.MANAGED,
        difficulty=10,
        client_ip=CLIENT,
        user_agent="UA",
        target=target,
        ray="0123456789abcdef",
        now=NOW,
    )


def test_round_trip(book: TicketBook) -> None:
    ticket, token = issue(book)
    assert book.open(token) == ticket


def test_binding_to_exact_ip_and_user_agent(book: TicketBook) -> None:
    _, token = issue(book)
    opened = book.open(token)
    assert book.check_client(opened, CLIENT, "UA", NOW, 0) is None
    # Same /24 is not enough for a ticket: it is bound to the exact address.
    assert (
        book.check_client(opened, ipaddress.ip_address("198.51.100.8"), "UA", NOW, 0)
        is Failure.OTHER_CLIENT
    )
    assert book.check_client(opened, CLIENT, "UA2", NOW, 0) is Failure.OTHER_CLIENT
    assert book.check_client(opened, None, "UA", NOW, 0) is Failure.OTHER_CLIENT


def test_expiry(book: TicketBook) -> None:
    _, token = issue(book)
    ticket = book.open(token)
    assert book.check_client(ticket, CLIENT, "UA", NOW + 300 + 30, 60) is None
    assert book.check_client(ticket, CLIENT, "UA", NOW + 300 + 61, 60) is Failure.EXPIRED


def test_forged_ticket(book: TicketBook) -> None:
    _, token = issue(book)
    with pytest.raises(TokenError):
        book.open(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_issued_ticket_target_is_sanitised(book: TicketBook) -> None:
    ticket, _ = issue(book, target="//evil.example/")
    assert ticket.target == "/evil.example/"
