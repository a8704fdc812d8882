"""Property tests of the authentication header grammar and the wire structures."""

from __future__ import annotations

import contextlib
import string
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humangate import Config, PatIssuer
from humangate.pat import headers
from humangate.pat.wire import Token, TokenChallenge, WireError, b64decode, b64encode
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.pat.issuer import TestIssuer
from tests.pat.test_flow import site
from tests.support import WSGIClient, challenge_data

TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
tokens = st.text(TOKEN_CHARS, min_size=1, max_size=12)
# Any text a quoted-string can carry: printable, quotes and backslashes included.
quotable = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=40,
)
param_values = st.one_of(quotable, st.integers(min_value=0, max_value=10**9))
items = st.tuples(
    tokens,
    st.dictionaries(tokens.map(str.lower), param_values, max_size=4),
)


@given(st.lists(items, min_size=1, max_size=4))
def test_formatted_challenges_parse_back(challenges: list[tuple[str, dict[str, object]]]) -> None:
    text = ", ".join(
        headers.format_item(scheme, list(params.items()))  # type: ignore[arg-type]
        for scheme, params in challenges
    )
    parsed = headers.parse(text)
    assert [(item.scheme, item.params) for item in parsed] == [
        (scheme, {k: str(v) for k, v in params.items()}) for scheme, params in challenges
    ]


@given(st.text(max_size=300))
def test_any_text_parses_or_is_a_header_error(text: str) -> None:
    try:
        parsed = headers.parse(text)
    except headers.HeaderError:
        return
    for item in parsed:
        assert item.scheme and all(name == name.lower() for name in item.params)


@given(st.text(string.printable, max_size=200))
def test_private_token_param_never_raises_anything_else(text: str) -> None:
    try:
        value = headers.private_token_param(text, "token")
    except headers.HeaderError:
        return
    assert value is None or isinstance(value, str)


@given(st.binary(max_size=64))
def test_base64url_round_trip(data: bytes) -> None:
    assert b64decode(b64encode(data)) == data


@given(st.text(max_size=80))
def test_base64url_decode_is_strict(text: str) -> None:
    try:
        data = b64decode(text)
    except WireError:
        return
    assert b64encode(data) == text  # only the one canonical padded form is accepted


@given(
    st.text(string.ascii_lowercase + ".-", min_size=1, max_size=30),
    st.sampled_from([b"", bytes(range(32))]),
    st.text(string.ascii_lowercase + ".,", max_size=40),
)
def test_token_challenge_round_trip(issuer: str, context: bytes, origins: str) -> None:
    challenge = TokenChallenge(2, issuer, context, origins)
    assert TokenChallenge.decode(challenge.encode()) == challenge


@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_a_token_or_a_wire_error(data: bytes) -> None:
    for decode in (Token.decode, TokenChallenge.decode):
        with contextlib.suppress(WireError):
            decode(data)


@pytest.fixture(scope="module")
def gate_and_ticket(issuer: TestIssuer) -> tuple[WSGIClient, str]:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=4,
        private_access_tokens=[PatIssuer(issuer.name, token_keys=[issuer.token_key])],
    )
    client = WSGIClient(HumanGate(site, config))
    return client, challenge_data(client.request("GET", "/").body)["ticket"]


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=200),
        st.builds(lambda s: f"PrivateToken token={s}", st.text(max_size=200)),
        st.builds(lambda b: f'PrivateToken token="{b64encode(b)}"', st.binary(max_size=400)),
    )
)
def test_any_authorization_is_never_a_500_nor_a_pass(
    gate_and_ticket: tuple[WSGIClient, str], header: str
) -> None:
    client, ticket = gate_and_ticket
    response = client.request(
        "GET",
        "/.humangate/pat",
        query=f"ticket={quote(ticket)}",
        headers={"authorization": header},
        html=False,
    )
    assert response.status in (401, 403)
    assert "attestation" not in response.body.decode()
