"""humangate.http.request: reading a request's headers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from humangate.http.request import MAX_HEADER_VALUE, Request
from humangate.signals.headers import NAVIGATION_HEADERS

NAMES = (*NAVIGATION_HEADERS, "user-agent", "x-other")
_value = st.one_of(
    st.text(max_size=20), st.just("a" * MAX_HEADER_VALUE), st.just("b" * (MAX_HEADER_VALUE + 1))
)


@given(st.lists(st.tuples(st.sampled_from(NAMES), _value), max_size=12))
def test_header_values_reads_each_name_as_header_does(lines: list[tuple[str, str]]) -> None:
    # Repeated lines joined, over-long values (alone or once joined) read as absent.
    request = Request("GET", "/", headers=tuple(lines))
    assert request.header_values(NAMES) == tuple(request.header(name) for name in NAMES)
    fresh = Request("GET", "/", headers=tuple(lines))  # before any header() was asked
    assert fresh.header_values(NAMES) == tuple(request.header(name) for name in NAMES)


def test_an_over_long_header_reads_as_absent_beside_the_others() -> None:
    request = Request(
        "GET", "/", headers=(("sec-fetch-site", "x" * (MAX_HEADER_VALUE + 1)), ("sec-ch-ua", "a"))
    )
    values = request.header_values(("sec-ch-ua", "sec-fetch-site", "sec-fetch-mode"))
    assert values == ("a", None, None)
