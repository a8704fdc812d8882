"""Held form POSTs: only one this site's own page sent is held and replayed (CSRF)."""

from __future__ import annotations

from typing import Any

import pytest

from humangate.fetch_site import FetchSite
from humangate.replay import PURPOSE
from humangate.request import Request
from humangate.tokens import KeyRing
from humangate.wsgi import HumanGate as WSGIGate
from tests.conftest import SECRET
from tests.support import WSGIClient
from tests.test_replay import (
    FORM,
    FORM_HEADERS,
    SAME_ORIGIN,
    echo_wsgi,
    held_fields,
    replay,
    settings,
    solve_in_place,
)

FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}


def request_to(host: str = "shop.example", scheme: str = "https") -> Request:
    return Request("POST", "/pay", headers=(("host", host),), scheme=scheme)


@pytest.mark.parametrize(
    ("sec_fetch_site", "origin", "replayed"),
    [
        ("same-origin", "https://shop.example", True),
        ("same-origin", "", True),
        ("none", "", True),  # typed, bookmarked or reloaded: no site caused it
        ("none", "null", False),  # 'none' never comes with an opaque origin from a page
        ("same-site", "https://blog.shop.example", False),  # a sibling subdomain
        ("cross-site", "https://evil.example", False),
        ("cross-site", "https://shop.example", False),  # Sec-Fetch-Site wins
        ("same-origin", "https://evil.example", False),  # the two disagree: refuse
        ("bogus", "", False),
        ("", "https://shop.example", True),  # an older browser: Origin alone
        ("", "https://shop.example:443", True),
        ("", "https://SHOP.example", True),
        ("", "http://shop.example", False),  # schemeful: http page to an https site
        ("", "https://shop.example:8443", False),
        ("", "https://shop.example.evil.example", False),
        ("", "https://user@shop.example", False),
        ("", "null", False),  # sandboxed frame or data: page
        ("", "", False),  # nothing shows it came from this site
    ],
)
def test_which_original_requests_may_be_replayed(
    sec_fetch_site: str, origin: str, replayed: bool
) -> None:
    verdict = FetchSite(sec_fetch_site, origin).verdict(request_to())
    assert (verdict is None) is replayed, verdict


def test_behind_a_proxy_that_hides_https_only_host_and_port_are_compared() -> None:
    proxied = request_to(scheme="http")
    assert FetchSite("", "https://shop.example").verdict(proxied) is None
    assert FetchSite("", "http://shop.example").verdict(proxied) is None
    assert FetchSite("", "https://other.example").verdict(proxied) is not None
    assert FetchSite("", "https://shop.example").verdict(request_to(host="")) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
        {"sec-fetch-site": "same-site", "origin": "http://blog.testserver"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {},
    ],
    ids=["cross-site", "same-site", "foreign-origin", "null-origin", "no-headers"],
)
def test_a_post_another_site_caused_is_never_held(headers: dict[str, str]) -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    answer = client.request("POST", "/transfer", body=FORM, headers={**FORM_TYPE, **headers})
    assert answer.status == 403 and answer.header("cf-mitigated") == "challenge"
    assert b'name="humangate-envelope"' not in answer.body, "a cross-site body must not be kept"
    assert b"not kept or sent" in answer.body


def test_the_replayed_request_says_it_is_a_replay_with_the_original_headers() -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append({k: v for k, v in environ.items() if k.startswith("HTTP_")})
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"ok"]

    client = WSGIClient(WSGIGate(app, settings()))
    held = client.request(
        "POST", "/transfer", body=FORM, headers={**FORM_TYPE, "sec-fetch-site": "none"}
    )
    assert b'name="humangate-envelope"' in held.body
    solve_in_place(client, held)
    # The holding page's own submission is same-origin; a client-sent mark is replaced.
    sent = replay(client, held, headers={**FORM_HEADERS})
    assert sent.status == 200
    (environ,) = seen
    assert environ["HTTP_X_HUMANGATE_REPLAYED"] == "1"
    assert environ["HTTP_SEC_FETCH_SITE"] == "none", "the original's value, not the replay's"
    assert "HTTP_ORIGIN" not in environ, "the original sent none"


def test_a_cross_site_record_in_the_envelope_is_refused_at_replay() -> None:
    """Defence in depth: the sealed record is checked again when the body is sent."""
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/transfer", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    fields = held_fields(held.body)
    keys = KeyRing([SECRET], purposes=(PURPOSE,))
    payload = keys.open(PURPOSE, fields["humangate-envelope"])
    forged = {
        **fields,
        "humangate-envelope": keys.seal(PURPOSE, {**payload, "sfs": "cross-site"}),
    }
    assert replay(client, held, forged).status == 403
    assert replay(client, held).status == 200, "the authentic record still replays"


def test_the_replay_submission_itself_must_come_from_this_site() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/transfer", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    foreign = {**FORM_TYPE, "sec-fetch-site": "cross-site", "origin": "https://evil.example"}
    assert replay(client, held, headers=foreign).status == 403
    assert replay(client, held, headers={**FORM_TYPE, **SAME_ORIGIN}).status == 200
