"""One response through the injection state machine (humangate.jsd.response)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from humangate.jsd.decide import Header, request_skip, response_skip
from humangate.jsd.inject import DEFAULT_LIMIT, Injector, script_tag
from humangate.jsd.response import (
    Emit,
    InjectorFor,
    ResponseInjection,
    injected_headers,
    response_header,
)

TAG = script_tag("/.humangate/static/jsd.js", None, workers=True)
PAGE = b"<!DOCTYPE html><html><head><title>Shop</title></head><body><p>Hi</p></body></html>"
INJECTED = PAGE.replace(b"</head>", TAG + b"</head>")
HTML = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("ETag", '"v1"'),
    ("Content-Length", str(len(PAGE))),
    ("X-Frame-Options", "DENY"),
]

Headers = list[tuple[str, str]]


def injector_for(method: str = "GET") -> InjectorFor:
    """What ``Detections.injector`` decides (request, then response), without an engine."""

    def injector(status: int, header: Header) -> Injector | None:
        if request_skip(method, lambda name: None) or response_skip(status, header):
            return None
        return Injector(TAG)

    return injector


class Wire:
    """What a host puts on the wire: the start once, before any body byte."""

    def __init__(self) -> None:
        self.start: Headers | None = None
        self.body = bytearray()

    def send(self, out: Emit) -> None:
        if out.start is not None:
            assert self.start is None, "a second start"
            self.start = out.start
        assert self.start is not None or not out.body, "body before the start"
        self.body += out.body


def respond(
    chunks: Sequence[bytes],
    headers: Headers = HTML,
    *,
    status: int = 200,
    method: str = "GET",
    ended: bool = False,
) -> tuple[Wire, ResponseInjection]:
    """The events a host gives for this response: every chunk but the last with ``more``
    (the last too when ``ended``: the body then ends by ``end()``, as WSGI's does)."""
    injection = ResponseInjection(injector_for(method))
    wire = Wire()
    if not injection.start(status, headers):
        wire.start = list(headers)
    for index, chunk in enumerate(chunks):
        out = injection.body(chunk, more=ended or index < len(chunks) - 1)
        if out is not None:
            wire.send(out)
    wire.send(injection.end())
    assert not injection.holding
    return wire, injection


def test_a_page_gets_the_tag_and_headers_for_its_body() -> None:
    wire, injection = respond([PAGE])
    assert injection.injected
    assert bytes(wire.body) == INJECTED
    assert wire.start == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(INJECTED))),  # grown by the tag, the app's spelling
        ("X-Frame-Options", "DENY"),
    ]  # no ETag: it named the app's body


def test_content_length_that_is_not_a_number_is_dropped() -> None:
    headers = [("content-type", "text/html"), ("content-length", "about 80")]
    wire, _ = respond([PAGE], headers)
    assert wire.start == [("content-type", "text/html")]
    assert bytes(wire.body) == INJECTED


def test_nothing_is_sent_until_the_place_shows() -> None:
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    assert injection.body(b"<!DOCTYPE html><html><head>", more=True) is None
    assert injection.body(b"<title>Shop</title>", more=True) is None
    assert injection.holding
    out = injection.body(b"</head><body>", more=True)
    assert out is not None and out.start is not None
    assert out.body == b"<!DOCTYPE html><html><head><title>Shop</title>" + TAG + b"</head><body>"
    assert injection.body(b"rest", more=False) == Emit(None, b"rest")  # streams on
    assert injection.end() == Emit(None, b"")


def test_a_tag_split_across_chunks() -> None:
    at = PAGE.index(b"</head>")
    for cut in range(at, at + len(b"</head>") + 1):
        wire, _ = respond([PAGE[:cut], PAGE[cut:]])
        assert bytes(wire.body) == INJECTED, cut


def test_a_raw_text_end_split_across_chunks() -> None:
    page = b"<!DOCTYPE html><head><script>'</head>'</scr" + b"ipt></head><body></body>"
    wire, _ = respond([page[:40], page[40:]])
    assert bytes(wire.body) == page.replace(b"</head><body>", TAG + b"</head><body>")


@given(st.lists(st.integers(min_value=1, max_value=len(PAGE)), max_size=12), st.booleans())
def test_any_chunking_sends_the_same_response(cuts: list[int], ended: bool) -> None:
    points = sorted(set(cuts))
    chunks = [PAGE[a:b] for a, b in zip([0, *points], [*points, len(PAGE)], strict=True)]
    wire, _ = respond(chunks, ended=ended)
    whole, _ = respond([PAGE])
    assert bytes(wire.body) == bytes(whole.body) == INJECTED
    assert wire.start == whole.start


@given(st.binary(max_size=300), st.lists(st.integers(min_value=1, max_value=40), min_size=1))
def test_any_body_is_kept_or_gets_one_tag(body: bytes, sizes: list[int]) -> None:
    chunks: list[bytes] = []
    at = 0
    while at < len(body):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(body[at : at + size])
        at += size
    wire, injection = respond(chunks, [("content-type", "text/html"), ("etag", '"e"')])
    if injection.injected:
        assert bytes(wire.body).replace(TAG, b"", 1) == body
        assert wire.start == [("content-type", "text/html")]
    else:
        assert bytes(wire.body) == body
        assert wire.start == [("content-type", "text/html"), ("etag", '"e"')]


def test_holds_at_most_the_limit_then_gives_up_unchanged() -> None:
    page = b"<!DOCTYPE html><html><head>" + b"<meta name=a>" * 6000 + b"</head><body></body>"
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    wire, fed, released_at = Wire(), 0, None
    for at in range(0, len(page), 1000):
        out = injection.body(page[at : at + 1000], more=True)
        fed += len(page[at : at + 1000])
        if out is not None:
            wire.send(out)
            released_at = released_at or fed
        assert fed - len(wire.body) <= DEFAULT_LIMIT  # never more held than the limit
    wire.send(injection.end())
    assert released_at is not None
    assert released_at - 1000 <= DEFAULT_LIMIT < released_at  # on the chunk that passed it
    assert bytes(wire.body) == page
    assert wire.start == HTML  # gave up: the headers as the app sent them, ETag and all
    assert not injection.injected


def test_head_is_not_held() -> None:
    injection = ResponseInjection(injector_for("HEAD"))
    assert not injection.start(200, HTML)
    assert not injection.holding
    assert injection.end() == Emit(None, b"")


def test_compressed_and_non_html_pass_untouched() -> None:
    zipped = [("content-type", "text/html"), ("content-encoding", "gzip"), ("etag", '"z"')]
    json = [("content-type", "application/json"), ("etag", '"j"')]
    for headers, status in ((zipped, 200), (json, 200), (HTML, 404)):
        injection = ResponseInjection(injector_for())
        assert not injection.start(status, headers)
        chunk = b"\x1f\x8b</head>"
        out = injection.body(chunk, more=True)
        assert out is not None and out.start is None and out.body is chunk
        assert injection.end() == Emit(None, b"")


def test_a_start_with_no_body() -> None:
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    assert injection.end() == Emit(HTML, b"")  # the start still goes, unchanged
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    assert injection.body(b"", more=False) == Emit(HTML, b"")  # ASGI's empty last message


def test_a_whole_document_without_either_end_tag_gets_it_at_the_end() -> None:
    page = b"<!DOCTYPE html><title>x</title><h1>Welcome</h1>"
    wire, _ = respond([page[:10], page[10:]], ended=True)
    assert bytes(wire.body) == page + TAG


def test_interrupt_releases_what_was_held_unchanged() -> None:
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    assert injection.body(b"<html><head>", more=True) is None
    assert injection.interrupt("write") == Emit(HTML, b"<html><head>")
    assert not injection.holding and not injection.injected
    assert injection.interrupt("write") == Emit(None, b"")  # already sent: nothing more
    assert injection.body(b"</head>", more=False) == Emit(None, b"</head>")


def test_drop_forgets_the_held_start_and_body() -> None:
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    assert injection.body(b"<html><head>", more=True) is None
    injection.drop()  # an error page replaces the response
    assert not injection.holding
    assert injection.body(b"error", more=False) == Emit(None, b"error")
    assert injection.end() == Emit(None, b"")


def test_only_the_first_start_is_considered() -> None:
    injection = ResponseInjection(injector_for())
    assert injection.start(200, HTML)
    assert not injection.start(200, HTML)
    assert injection.holding  # the host decides: drop it (WSGI) or interrupt (ASGI)


def test_a_start_that_did_not_fit_is_asked_again() -> None:
    injection = ResponseInjection(injector_for())
    assert not injection.start(500, HTML)
    assert injection.start(200, HTML)


def test_response_header_joins_repeated_lines() -> None:
    header = response_header([("CSP", "a"), ("csp", "b"), ("Content-Type", "text/html")])
    assert header("csp") == "a, b"
    assert header("content-type") == "text/html"
    assert header("etag") is None


def test_injected_headers_as_they_were_when_nothing_went_in() -> None:
    injector = Injector(TAG)
    injector.abandon("write")
    assert injected_headers(iter(HTML), injector) == HTML
