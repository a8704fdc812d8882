"""The streaming injector (humangate.jsd.inject)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from humangate.jsd.inject import Injector, script_tag

TAG = b'<script src="/.humangate/static/jsd.js" defer></script>'


def run(
    body: bytes, sizes: list[int] | None = None, limit: int = 64 * 1024
) -> tuple[bytes, Injector]:
    """The body through an injector in chunks of ``sizes`` (repeating), and the injector."""
    injector = Injector(TAG, limit)
    out, sent, index, cut = [], 0, 0, sizes or [len(body) or 1]
    while sent < len(body):
        size = max(1, cut[index % len(cut)])
        index += 1
        got = injector.feed(body[sent : sent + size])
        sent += size
        if got is not None:
            out.append(got)
    out.append(injector.end())
    return b"".join(out), injector


PAGE = (
    b"<!DOCTYPE html><html><head><meta charset=utf-8><title>A </head> title</title>"
    b'<script>var s = "</head></body>"; // </script>'
    b"<style>p::after{content:'</head>'}</style>"
    b"<!-- </head> in a comment -->"
    b'<link rel="stylesheet" href="/a.css" data-x="a>b">'
    b"</head><body><p>Hi</p></body></html>"
)


def test_goes_in_before_the_real_head_end() -> None:
    out, injector = run(PAGE)
    assert injector.injected and injector.reason is None
    assert out == PAGE.replace(b"</head><body>", TAG + b"</head><body>")
    assert injector.added == len(TAG)


def test_body_end_when_the_head_end_is_omitted() -> None:
    page = b"<!doctype html><title>x</title><p>text</p></BODY></html>"
    out, _ = run(page)
    assert out == page.replace(b"</BODY>", TAG + b"</BODY>")


def test_a_whole_document_without_either_gets_it_at_the_end() -> None:
    page = b"<!DOCTYPE html><title>x</title><h1>Welcome</h1>"
    out, injector = run(page)
    assert injector.injected
    assert out == page + TAG


def test_a_fragment_is_left_alone() -> None:
    fragment = b"<li>one</li><li>two</li>"
    out, injector = run(fragment)
    assert out == fragment
    assert not injector.injected
    assert injector.reason == "no-marker"


def test_unterminated_markup_is_left_alone() -> None:
    for page in (
        b"<!DOCTYPE html><script>var a = '</head>'",  # the script never closes
        b"<!DOCTYPE html><!-- </head>",
        b'<!DOCTYPE html><a href="x></head>',
    ):
        out, injector = run(page)
        assert out == page, page
        assert not injector.injected


def test_gives_up_past_the_limit_and_streams_the_rest() -> None:
    page = b"<!DOCTYPE html><html><head>" + b"<meta name=a>" * 1000 + b"</head><body></body>"
    injector = Injector(TAG, limit=1024)
    first = injector.feed(page[:2000])
    assert first == page[:2000]
    assert injector.reason == "no-marker"
    assert injector.feed(page[2000:]) == page[2000:]
    assert injector.end() == b""


def test_holds_only_until_the_place_shows() -> None:
    injector = Injector(TAG)
    assert injector.feed(b"<!DOCTYPE html><head><title>t</title>") is None
    out = injector.feed(b"</head><body>" + b"x" * 10)
    assert out is not None and TAG in out
    assert injector.feed(b"more</body>") == b"more</body>"


def test_meta_csp_and_the_api_script_are_left_alone() -> None:
    meta = b'<html><head><meta http-equiv="Content-Security-Policy" content="x"></head>'
    out, injector = run(meta)
    assert out == meta and injector.reason == "csp-meta"
    api = b'<html><head><script src="/.humangate/jsd/api.js?onload=f" async></script></head>'
    out, injector = run(api)
    assert out == api and injector.reason == "api"


def test_utf16_bom_is_left_alone() -> None:
    page = "<html><head></head></html>".encode("utf-16")
    out, injector = run(page)
    assert out == page and injector.reason == "charset"


def test_non_utf8_bytes_are_kept_byte_for_byte() -> None:
    page = "<!DOCTYPE html><head><title>Café ü</title></head><p>ß</p>".encode("latin-1")
    out, _ = run(page)
    assert out == page.replace(b"</head>", TAG + b"</head>")
    sjis = "<html><head><title>日本語</title></head><body>表示</body></html>".encode("shift_jis")
    out, _ = run(sjis)
    assert out == sjis.replace(b"</head>", TAG + b"</head>")


def test_abandon_releases_what_was_held() -> None:
    injector = Injector(TAG)
    assert injector.feed(b"<html><head>") is None
    assert injector.abandon("write") == b"<html><head>"
    assert injector.reason == "write" and not injector.injected


def test_told_once_when_decided() -> None:
    seen: list[tuple[bool, str | None]] = []
    injector = Injector(TAG, on_decided=lambda done, why: seen.append((done, why)))
    injector.feed(PAGE)
    injector.feed(b"tail")
    injector.end()
    assert seen == [(True, None)]


def test_script_tag_escapes_and_flags() -> None:
    assert script_tag("/p/static/jsd.js", None, workers=True) == (
        b'<script src="/p/static/jsd.js" defer></script>'
    )
    tag = script_tag('/p"/jsd.js', 'n"1', workers=False)
    assert tag == b'<script src="/p&quot;/jsd.js" defer nonce="n&quot;1" data-workers="0"></script>'


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_any_chunking_gives_the_same_page(sizes: list[int]) -> None:
    whole, _ = run(PAGE)
    assert run(PAGE, sizes)[0] == whole


@given(st.binary(max_size=400), st.lists(st.integers(min_value=1, max_value=50), min_size=1))
def test_any_body_is_kept_or_gets_exactly_one_tag(body: bytes, sizes: list[int]) -> None:
    out, injector = run(body, sizes)
    if injector.injected:
        at = out.find(TAG)
        assert at >= 0
        assert out[:at] + out[at + len(TAG) :] == body
    else:
        assert out == body


@given(st.text(alphabet="<>/!-'\"= abcdehlopstyrixm", max_size=200))
def test_markup_soup_never_loses_a_byte(text: str) -> None:
    body = text.encode()
    out, injector = run(body, [7])
    assert out.replace(TAG, b"", 1) == body if injector.injected else out == body
