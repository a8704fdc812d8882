"""Whole requests through the WSGI gate (rules, rate limits, humangate's own endpoints):
whatever the method, path, query, headers and body, the answer is never a 5xx."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from humangate.config import RateLimit
from tests.fuzz.conftest import BATCH, batch, count, examples
from tests.observe.helpers import gate
from tests.support import WSGIClient

APP = gate(
    difficulty=4,
    rate_limits=[RateLimit('starts_with(http.request.uri.path, "/api")', requests_per_period=5)],
)
# WSGI environ values are latin-1 text: what a server hands over for any bytes.
latin1 = st.text(st.characters(max_codepoint=255), max_size=40)
paths = st.one_of(
    latin1.map(lambda p: "/" + p),
    st.sampled_from(["/login", "/shop", "/admin", "/api/x", "/.humangate/"]).flatmap(
        lambda base: st.sampled_from(
            ["", "solve", "challenge", "replay", "done", "metrics", "static/x.js", "..%2f"]
        ).map(lambda tail: base + tail)
    ),
)
requests = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT", "get", "X"]),
        "path": paths,
        "query": latin1,
        "headers": st.dictionaries(
            st.sampled_from(
                [
                    "cookie",
                    "content-type",
                    "x-forwarded-for",
                    "origin",
                    "user-agent",
                    "accept",
                    "sec-fetch-site",
                    "authorization",
                    "accept-language",
                    "content-length",
                ]
            ),
            latin1,
            max_size=4,
        ),
        "body": st.binary(max_size=200),
    }
)


@examples(300)
@given(batch(requests, BATCH // 2))
def test_any_request_is_answered_without_a_5xx(sent: list[dict[str, object]]) -> None:
    count("whole request", len(sent))
    client = WSGIClient(APP)
    for request in sent:
        result = client.request(
            request["method"],  # type: ignore[arg-type]
            request["path"],  # type: ignore[arg-type]
            query=request["query"],  # type: ignore[arg-type]
            headers=request["headers"],  # type: ignore[arg-type]
            body=request["body"],  # type: ignore[arg-type]
        )
        assert result.status < 500, (result.status, request)
