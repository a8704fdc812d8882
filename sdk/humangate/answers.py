"""Building humangate's own responses: headers every answer must carry, JSON bodies,
cookies. The *decision* is made in the engine; this module only spells it out."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from humangate.request import Response

PROBLEM_JSON = "application/problem+json"
HTML = "text/html; charset=utf-8"


def new_ray_id() -> str:
    """16 hex characters, shown on pages and sent in the ``humangate-ray`` header."""
    return secrets.token_hex(8)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def content_security_policy(nonce: str) -> str:
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src 'self' data:; connect-src 'self'; worker-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )


def base_headers(ray: str) -> list[tuple[str, str]]:
    return [
        ("cache-control", "no-store"),
        ("humangate-ray", ray),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ]


def json_response(
    status: int,
    data: Mapping[str, Any],
    ray: str,
    *,
    content_type: str = "application/json",
    extra: tuple[tuple[str, str], ...] = (),
) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    headers = [("content-type", content_type), *base_headers(ray), *extra]
    return Response(status, tuple(headers), body)


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    ray: str,
    *,
    extra_fields: Mapping[str, Any] | None = None,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """An RFC 9457 problem document: what API clients get instead of an HTML page."""
    data = {
        "type": f"urn:humangate:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "ray_id": ray,
        **(extra_fields or {}),
    }
    return json_response(status, data, ray, content_type=PROBLEM_JSON, extra=extra_headers)


def html_response(
    status: int, body: bytes, ray: str, nonce: str, extra: tuple[tuple[str, str], ...] = ()
) -> Response:
    headers = [
        ("content-type", HTML),
        *base_headers(ray),
        ("content-security-policy", content_security_policy(nonce)),
        *extra,
    ]
    return Response(status, tuple(headers), body)


def method_not_allowed(allow: str) -> Response:
    """405 for one of humangate's own endpoints, naming the methods it takes."""
    return problem(
        405,
        "method-not-allowed",
        "Method not allowed",
        f"Use {allow}.",
        new_ray_id(),
        extra_headers=(("allow", allow),),
    )


class CookieJar:
    """Formats the clearance cookie's Set-Cookie lines for one configuration."""

    __slots__ = ("_host_name", "_max_age", "_name", "_samesite", "_secure")

    def __init__(self, name: str, secure: bool | None, samesite: str, max_age: int) -> None:
        self._name = name
        # __Host- makes browsers refuse the cookie unless Secure, Path=/ and host-only.
        self._host_name = f"__Host-{name}"
        self._secure = secure
        self._samesite = samesite
        self._max_age = max_age

    def is_secure(self, scheme: str) -> bool:
        return self._secure if self._secure is not None else scheme in ("https", "wss")

    def name_for(self, scheme: str) -> str:
        return self._host_name if self.is_secure(scheme) else self._name

    def set(self, scheme: str, value: str) -> tuple[str, str]:
        return ("set-cookie", self._line(scheme, value, self._max_age))

    def clear(self, scheme: str) -> tuple[str, str]:
        return ("set-cookie", self._line(scheme, "", 0))

    def _line(self, scheme: str, value: str, max_age: int) -> str:
        parts = [f"{self.name_for(scheme)}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
        parts.append(f"SameSite={self._samesite}")
        if self.is_secure(scheme):
            parts.append("Secure")
        return "; ".join(parts)
