from __future__ import annotations

import hashlib
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humangate.crypto.tickets import language_hash, user_agent_hash
from humangate.errors import TokenError
from humangate.levels import Level
from humangate.tickets import Failure, Ticket, TicketBook
from humangate.tokens import KeyRing
from tests.conftest import SECRET

NOW = 1_800_000_000.0
CLIENT = ipaddress.ip_address("198.51.100.7")


@pytest.fixture
def book() -> TicketBook:
    return TicketBook(KeyRing([SECRET], ("ticket", "clearance")), ttl=300)


def issue(book: TicketBook, target: str = "/page?x=1") -> tuple[Ticket, str]:
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


# Text fields the ticket is written around by hand (crypto/tickets.py _payload): any
# character, quotes and backslashes included, must come back exactly, and nothing in
# them can add or change a field.
AWKWARD = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(target=AWKWARD, ray=AWKWARD, surface=AWKWARD, rule=AWKWARD)
@settings(max_examples=200, deadline=None)
def test_text_fields_round_trip_whatever_they_hold(
    target: str, ray: str, surface: str, rule: str
) -> None:
    book = TicketBook(KeyRing([SECRET], ("ticket",)), ttl=300)
    ticket, token = book.issue(
        level=Level.MANAGED,
        difficulty=10,
        client_ip=CLIENT,
        user_agent="UA",
        target="/" + target,
        ray=ray,
        now=NOW,
        surface=surface,
        rule=rule,
    )
    opened = book.open(token)
    assert opened == ticket
    assert (opened.ray, opened.surface, opened.difficulty) == (ray, surface, 10)
    assert opened.rule == rule


def test_a_field_value_cannot_forge_another_field(book: TicketBook) -> None:
    _, token = issue(book, target='/x","d":0,"l":0,"t":"/')
    opened = book.open(token)
    assert (opened.difficulty, opened.level) == (10, Level.MANAGED)
    assert opened.target == '/x","d":0,"l":0,"t":"/'


def test_issue_puts_every_field_in_its_place(book: TicketBook) -> None:
    # TicketBook.issue builds the ticket positionally (cheaper than keywords): a field
    # out of place would still round-trip, so each is checked against what was asked.
    ticket, _ = book.issue(
        level=Level.INTERACTIVE,
        difficulty=17,
        client_ip=CLIENT,
        user_agent="UA",
        target="/page?x=1",
        ray="0123456789abcdef",
        now=NOW,
        surface="widget",
        rule="login",
    )
    assert (ticket.level, ticket.difficulty) == (Level.INTERACTIVE, 17)
    assert (ticket.client_ip, ticket.ua_hash) == (str(CLIENT), user_agent_hash("UA"))
    assert (ticket.issued_at, ticket.expires_at) == (int(NOW), int(NOW) + 300)
    assert (ticket.target, ticket.ray) == ("/page?x=1", "0123456789abcdef")
    assert (ticket.surface, ticket.rule) == ("widget", "login")
    assert (len(ticket.id), len(ticket.seed), len(ticket.probe)) == (24, 64, 32)


def test_tickets_never_share_their_random_parts(book: TicketBook) -> None:
    tickets = [issue(book)[0] for _ in range(50)]
    parts = [part for t in tickets for part in (t.id, t.seed, t.probe)]
    assert len(set(parts)) == len(parts)
    first = tickets[0]
    assert (len(first.id), len(first.seed), len(first.probe)) == (24, 64, 32)


def test_a_ticket_sealed_as_before_the_hand_written_payload_still_opens() -> None:
    # Tickets in flight across an upgrade: the payload as a dict through the generic
    # encoder, as TicketBook.issue sealed it before, opens to the same ticket.
    keys = KeyRing([SECRET], ("ticket",))
    book = TicketBook(keys, ttl=300)
    ticket, token = issue(book, target='/a"b\\c?é')
    old = keys.seal(
        "ticket",
        {
            "id": ticket.id,
            "s": ticket.seed,
            "d": ticket.difficulty,
            "l": int(ticket.level),
            "ip": ticket.client_ip,
            "ua": ticket.ua_hash,
            "e": ticket.expires_at,
            "t": ticket.target,
            "r": ticket.ray,
            "p": ticket.probe,
            "i": ticket.issued_at,
        },
    )
    assert book.open(old) == book.open(token) == ticket


def test_the_hash_memo_stays_small_however_many_user_agents_come() -> None:
    # The User-Agent is the client's to choose and may be as long as a header: the
    # hashes are remembered for a small, fixed number of values only.
    for n in range(2_000):
        assert user_agent_hash(f"agent {n}" * 50) == user_agent_hash(f"agent {n}" * 50)
    assert user_agent_hash.cache_info().currsize <= 256
    assert user_agent_hash("Mozilla/5.0") == (hashlib.sha256(b"Mozilla/5.0").hexdigest()[:32])


def test_the_language_hash_is_that_of_the_primary_language() -> None:
    assert language_hash("fr-CA, fr;q=0.9, en;q=0.5") == user_agent_hash("fr-ca")
    assert language_hash(None) == language_hash("") == user_agent_hash("")
