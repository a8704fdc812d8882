"""The injection decision table (humangate.jsd.decide)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from humangate.jsd.decide import request_skip, response_skip


def headers(**values: str) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in values.items()}


def reader(values: dict[str, str]) -> Callable[[str], str | None]:
    return values.get


PAGE = headers(content_type="text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("method", "request_headers", "expected"),
    [
        ("GET", {}, None),  # an old browser without Fetch Metadata: a page view
        ("GET", headers(sec_fetch_dest="document", sec_fetch_mode="navigate"), None),
        ("POST", headers(sec_fetch_dest="document", sec_fetch_mode="navigate"), None),
        ("HEAD", headers(sec_fetch_dest="document"), "method"),
        ("PUT", {}, "method"),
        ("GET", headers(sec_fetch_dest="empty", sec_fetch_mode="cors"), "not-a-page"),
        ("GET", headers(sec_fetch_dest="iframe", sec_fetch_mode="navigate"), "not-a-page"),
        ("GET", headers(sec_fetch_dest="script", sec_fetch_mode="no-cors"), "not-a-page"),
        ("GET", headers(sec_fetch_mode="same-origin"), "not-a-page"),
        ("GET", headers(x_requested_with="XMLHttpRequest"), "xhr"),
    ],
)
def test_request_table(method: str, request_headers: dict[str, str], expected: str | None) -> None:
    assert request_skip(method, reader(request_headers)) == expected


@pytest.mark.parametrize(
    ("status", "response_headers", "expected"),
    [
        (200, PAGE, None),
        (200, headers(content_type="TEXT/HTML"), None),
        (200, headers(content_type="text/html; charset=ISO-8859-1"), None),
        (200, headers(content_type='text/html; charset="windows-1252"'), None),
        (200, headers(content_type="text/html; charset=Shift_JIS"), None),
        (200, headers(content_type="text/html; charset=utf-16"), "charset"),
        (200, headers(content_type="text/html; charset=iso-2022-jp"), "charset"),
        (200, headers(content_type="text/html; charset=x-unknown"), "charset"),
        (200, headers(content_type="application/xhtml+xml"), "not-html"),
        (200, headers(content_type="application/json"), "not-html"),
        (200, {}, "not-html"),
        (201, PAGE, "status"),
        (204, PAGE, "status"),
        (206, {**PAGE, "content-range": "bytes 0-9/100"}, "status"),
        (200, {**PAGE, "content-range": "bytes 0-9/100"}, "range"),
        (301, PAGE, "status"),
        (304, PAGE, "status"),
        (404, PAGE, "status"),
        (500, PAGE, "status"),
        (200, {**PAGE, "content-encoding": "gzip"}, "encoded"),
        (200, {**PAGE, "content-encoding": "br"}, "encoded"),
        (200, {**PAGE, "content-encoding": "identity"}, None),
        (200, {**PAGE, "cache-control": "public, no-transform"}, "no-transform"),
        (200, {**PAGE, "cache-control": "no-store"}, None),
        (200, {**PAGE, "content-length": "0"}, "empty"),
        (200, {**PAGE, "content-disposition": "attachment; filename=a.html"}, "download"),
        (200, {**PAGE, "content-disposition": "inline"}, None),
    ],
)
def test_response_table(
    status: int, response_headers: dict[str, str], expected: str | None
) -> None:
    assert response_skip(status, reader(response_headers)) == expected
