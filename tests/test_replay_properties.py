"""Property tests of the held-POST envelope and the fetch-site verdict: arbitrary input
never raises, and nothing but an untouched envelope sealed here opens."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humangate.clearance import Requirement
from humangate.clientip import parse_ip
from humangate.fetch_site import FetchSite
from humangate.levels import Level
from humangate.replay import ReplayDesk
from humangate.request import Request
from humangate.tokens import KeyRing
from tests.conftest import BROWSER_UA, SECRET
from tests.test_replay import held_fields

DESK = ReplayDesk(KeyRing([SECRET], ("replay",)), max_body=1024, ttl=300, prefix="/.hg/")
IP = parse_ip("198.51.100.7")
NOW = 1_800_000_000.0
FORM = "application/x-www-form-urlencoded"
BASE = (("host", "shop.example"), ("user-agent", BROWSER_UA), ("accept", "text/html"))
SAME_ORIGIN = (("sec-fetch-site", "same-origin"), ("origin", "http://shop.example"))


def replay_request(body: bytes, content_type: str = FORM) -> Request:
    headers = (*BASE, *SAME_ORIGIN, ("content-type", content_type))
    return Request("POST", "/pay", headers=headers, body=body, peer=str(IP))


def sealed_fields(body: bytes) -> dict[str, str]:
    headers = (*BASE, *SAME_ORIGIN, ("content-type", FORM), ("content-length", str(len(body))))
    original = Request("POST", "/pay", headers=headers, body=body)
    page = DESK.hold(original, body, Requirement(Level.MANAGED, 18), client_ip=IP, now=NOW)
    return held_fields(page.body)


@settings(max_examples=1500, deadline=None)
@given(body=st.binary(max_size=600), content_type=st.sampled_from([FORM, "text/plain", ""]))
def test_arbitrary_replay_submissions_never_raise_nor_open(body: bytes, content_type: str) -> None:
    assert DESK.open(replay_request(body, content_type), IP, NOW) is None


@settings(max_examples=1500, deadline=None)
@given(
    envelope=st.text(max_size=300),
    sealed=st.text(max_size=300),
    extra=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)
def test_arbitrary_fields_never_raise_nor_open(
    envelope: str, sealed: str, extra: dict[str, str]
) -> None:
    body = urlencode({**extra, "humangate-envelope": envelope, "humangate-body": sealed}).encode()
    assert DESK.open(replay_request(body), IP, NOW) is None


FIELDS = sealed_fields(b"amount=10&to=alice")


@pytest.mark.parametrize("name", ["humangate-envelope", "humangate-body"])
def test_any_changed_character_refuses_the_envelope(name: str) -> None:
    """Every position, several replacements each (exhaustive, so never flaky): the
    envelope is authenticated, and both fields open only in their canonical spelling
    (a spare low bit in the last base64 character is a change too)."""
    value = FIELDS[name]
    for index, original in enumerate(value):
        for char in "AQgw-_0":
            if char != original:
                changed = dict(FIELDS, **{name: value[:index] + char + value[index + 1 :]})
                opened = DESK.open(replay_request(urlencode(changed).encode()), IP, NOW)
                assert opened is None, (name, index, char)


@settings(max_examples=500, deadline=None)
@given(
    path=st.one_of(
        st.sampled_from(["/pay/", "//pay", "/Pay", "/pay;x", "/pay%2F", "/", "/.hg/replay"]),
        st.text(min_size=1, max_size=20).map(lambda text: "/" + text),
    ),
    query=st.one_of(st.just(""), st.text(max_size=12)),
)
def test_the_envelope_opens_only_at_the_address_it_was_sealed_for(path: str, query: str) -> None:
    if (path, query) == ("/pay", ""):
        return
    headers = (*BASE, *SAME_ORIGIN, ("content-type", FORM))
    body = urlencode(FIELDS).encode()
    request = Request("POST", path, query=query, headers=headers, body=body, peer=str(IP))
    assert DESK.open(request, IP, NOW) is None


def test_the_untouched_envelope_opens_with_what_was_sealed() -> None:
    held = DESK.open(replay_request(urlencode(FIELDS).encode()), IP, NOW)
    assert held is not None and held.replay.body == b"amount=10&to=alice"
    assert held.requirement == Requirement(Level.MANAGED, 18)
    assert ("x-humangate-replayed", "1") in held.replay.headers


HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=40
) | st.sampled_from(
    ["same-origin", "same-site", "cross-site", "none", "http://shop.example", "null", ""]
)


@settings(max_examples=3000, deadline=None)
@given(site=HEADER_TEXT, origin=HEADER_TEXT, host=HEADER_TEXT, https=st.booleans())
def test_the_verdict_never_raises_and_passes_only_this_site(
    site: str, origin: str, host: str, https: bool
) -> None:
    request = Request("POST", "/", headers=(("host", host),), scheme="https" if https else "http")
    fetch = FetchSite(site.strip().lower(), origin.strip())
    if fetch.verdict(request) is None:
        assert fetch.sec_fetch_site in ("same-origin", "none", "")
        assert fetch.sec_fetch_site or fetch.origin, "no evidence never passes"
        if fetch.origin:
            assert fetch.origin.lower().startswith("https://" if https else ("http://", "https://"))
            assert urlsplit(fetch.origin).hostname == urlsplit("//" + host.strip()).hostname
