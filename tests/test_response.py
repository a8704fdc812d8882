"""The neutral response (humangate.http.response)."""

from __future__ import annotations

from humangate.http import request
from humangate.http.response import Response


def test_extra_headers_follow_the_response_own() -> None:
    response = Response(200, (("content-type", "text/plain"),), b"hi")
    extended = response.with_headers([("humangate-ray", "r")])
    assert extended == Response(
        200, (("content-type", "text/plain"), ("humangate-ray", "r")), b"hi"
    )
    assert response.headers == (("content-type", "text/plain"),)


def test_the_old_home_still_imports() -> None:
    assert request.Response is Response
