"""Building humangate's own responses: headers every answer must carry, JSON bodies,
problem documents (and the catalogue of their kinds), 405 and HEAD. The *decision* is
made in the engine; this module only spells it out."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from humangate import b64url
from humangate.http.cookies import CookieJar
from humangate.http.response import Response
from humangate.jsontext import compact

__all__ = [
    "HTML",
    "PROBLEM_JSON",
    "CookieJar",
    "ProblemKind",
    "Problems",
    "base_headers",
    "cacheable",
    "content_security_policy",
    "etag_of",
    "head_aware",
    "html_response",
    "json_response",
    "method_not_allowed",
    "new_nonce",
    "new_ray_id",
    "problem",
]

PROBLEM_JSON = "application/problem+json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """One kind of RFC 9457 problem document: its type ``urn:humangate:problem:<slug>``,
    HTTP status and title. The kinds humangate sends are listed in :class:`Problems`."""

    slug: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return f"urn:humangate:problem:{self.slug}"


class Problems:
    """Every kind of problem document humangate answers with, in one place: API clients
    act on these types, and the docs show some of them (tests/test_answers.py)."""

    CHALLENGE = ProblemKind("challenge", 403, "Challenge required")
    BLOCKED = ProblemKind("blocked", 403, "Access denied")
    RATE_LIMITED = ProblemKind("rate-limited", 429, "Too many requests")
    # A held form POST: too big to hold (challenge, then submit again) or not sent again.
    RETRY_REQUEST = ProblemKind("retry-request", 403, "Request must be retried")
    REPLAY_REFUSED = ProblemKind("replay-refused", 403, "Request must be retried")
    BAD_REQUEST = ProblemKind("bad-request", 400, "Bad request")
    TOO_LARGE = ProblemKind("too-large", 413, "Payload too large")
    UNSUPPORTED_MEDIA_TYPE = ProblemKind("unsupported-media-type", 415, "Unsupported media type")
    INVALID_TICKET = ProblemKind("invalid-ticket", 403, "Invalid ticket")
    FORBIDDEN = ProblemKind("forbidden", 403, "Forbidden")
    NOT_FOUND = ProblemKind("not-found", 404, "Not found")
    METHOD_NOT_ALLOWED = ProblemKind("method-not-allowed", 405, "Method not allowed")
    METRICS_UNAVAILABLE = ProblemKind("not-implemented", 501, "Metrics unavailable")
    # The same type, two titles: a solve the site cannot record (the challenge page shows
    # it as the site's temporary problem) and the metrics or dashboard store.
    VERIFICATION_UNAVAILABLE = ProblemKind("unavailable", 503, "Try again shortly")
    ANALYTICS_UNAVAILABLE = ProblemKind("unavailable", 503, "Store unavailable")

    @staticmethod
    def detection_refused(status: int, reason: str) -> ProblemKind:
        """The JavaScript Detections endpoint's refusals: one title, the reason (a
        :class:`humangate.errors.Failure` or the request's fault) as the type."""
        return ProblemKind(reason.replace("_", "-"), status, "Detection refused")


class _HasMethod(Protocol):
    @property
    def method(self) -> str: ...


# Both read os.urandom directly, as the secrets module does under its wrappers: every
# challenge answer draws a ray id and most a nonce.
def new_ray_id() -> str:
    """16 hex characters, shown on pages and sent in the ``humangate-ray`` header."""
    return os.urandom(8).hex()


def new_nonce() -> str:
    """A CSP nonce: 144 random bits as 24 URL-safe base64 characters (no padding)."""
    return b64url.encode(os.urandom(18))


def content_security_policy(nonce: str, *, frames: bool = False) -> str:
    """The pages' policy; ``frames``: same-origin frames too (the challenge page's
    hyperlink-auditing frame, see js/src/cdp.js; a held form's challenge frame)."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src 'self' data:; connect-src 'self'; worker-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
        + ("; frame-src 'self'" if frames else "")
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
    body = compact(data).encode()
    headers = [("content-type", content_type), *base_headers(ray), *extra]
    return Response(status, tuple(headers), body)


def problem(
    kind: ProblemKind,
    detail: str,
    ray: str,
    *,
    extra_fields: Mapping[str, Any] | None = None,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """An RFC 9457 problem document: what API clients get instead of an HTML page."""
    data = {
        "type": kind.type,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "ray_id": ray,
        **(extra_fields or {}),
    }
    return json_response(kind.status, data, ray, content_type=PROBLEM_JSON, extra=extra_headers)


def method_not_allowed(allow: str, ray: str | None = None) -> Response:
    """405 with the ``Allow`` header, e.g. ``method_not_allowed("GET, HEAD")``."""
    return problem(
        Problems.METHOD_NOT_ALLOWED,
        f"Use {allow}.",
        ray or new_ray_id(),
        extra_headers=(("allow", allow),),
    )


def etag_of(data: bytes) -> str:
    """A strong ETag for ``data`` (a digest prefix, quoted)."""
    return '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


def cacheable(
    data: bytes,
    etag: str,
    headers: tuple[tuple[str, str], ...],
    method: str,
    if_none_match: str | None,
) -> Response:
    """A validated, cacheable file: 304 when ``If-None-Match`` names ``etag``, no body
    for HEAD, else the data. ``headers`` are sent with every answer, after the ETag."""
    headers = (headers[0], ("etag", etag), *headers[1:])
    if if_none_match and etag in if_none_match:
        return Response(304, headers)
    return Response(200, headers, b"" if method == "HEAD" else data)


def head_aware(method_or_request: str | _HasMethod, response: Response) -> Response:
    """``response`` without its body when the request was HEAD (headers unchanged)."""
    method = method_or_request if isinstance(method_or_request, str) else method_or_request.method
    if method == "HEAD":
        return Response(response.status, response.headers, b"")
    return response


def html_response(
    status: int,
    body: bytes,
    ray: str,
    nonce: str,
    extra: tuple[tuple[str, str], ...] = (),
    *,
    frames: bool = False,
) -> Response:
    headers = [
        ("content-type", HTML),
        *base_headers(ray),
        ("content-security-policy", content_security_policy(nonce, frames=frames)),
        *extra,
    ]
    return Response(status, tuple(headers), body)
