"""The page-related endpoints under the gate's prefix: catalogs and the owner's favicon."""

from __future__ import annotations

from functools import cache

from humangate.http.answers import cacheable, etag_of
from humangate.http.response import Response
from humangate.i18n import available, catalog_json
from humangate.pages.settings import icon_type

# Catalogs change only with a release: let browsers and proxies keep them for a day.
_CACHE = "public, max-age=86400"

# Names of the messages the page script shows itself (status line, failures); the server
# embeds these for the language it chose, the rest of the page is rendered in HTML.
SCRIPT_MESSAGES = (
    "working",
    "success",
    "failed",
    "retrying",
    "progress_label",
    "cookies_disabled",
    "unsupported_browser",
    "failure_invalid",
    "failure_expired",
    "failure_other_client",
    "failure_wrong_solution",
    "failure_replayed",
    "failure_automated",
    "failure_interaction_required",
    "failure_step_failed",
    "failure_site_unavailable",
)


@cache
def _catalog_entry(code: str) -> tuple[bytes, str]:
    data = catalog_json(code)
    return data, etag_of(data)


def catalog_response(name: str, method: str, if_none_match: str | None) -> Response | None:
    """``<code>.json`` -> the catalog, a 304, or None for an unknown name (caller 404s)."""
    code = name.removesuffix(".json")
    if not name.endswith(".json") or code not in available():
        return None
    data, etag = _catalog_entry(code)
    headers = (
        ("content-type", "application/json; charset=utf-8"),
        ("cache-control", _CACHE),
        ("x-content-type-options", "nosniff"),
    )
    return cacheable(data, etag, headers, method, if_none_match)


def favicon_response(data: bytes, method: str, if_none_match: str | None) -> Response:
    """The owner's icon. An SVG is sandboxed: opened directly it must not run script."""
    headers = (
        ("content-type", icon_type(data) or "image/x-icon"),
        ("cache-control", "public, max-age=3600"),
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    )
    return cacheable(data, etag_of(data), headers, method, if_none_match)
