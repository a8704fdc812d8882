"""Challenged form POSTs that lose nothing: hold the body sealed, replay it once.

A browser that submits a form (urlencoded or multipart) and is challenged would lose
what the visitor typed: the challenge page cannot re-send a POST body it never saw.
Instead the engine asks the adapter for the body (bounded by ``Config.replay_max_body``)
and answers with a *holding page*: the body, encrypted, rides in a hidden form; the
page runs the challenge in place (spa.js, an iframe of ``{prefix}challenge``) and then
submits that form to the *original* address (path and query), so the browser's address
bar shows that address, and a reload or bookmark names it, whatever the app answers.

The gate knows that POST by a hint cookie the holding page sets (``humangate-replay-<id>``,
``Path`` the form's path, ``SameSite=Strict``, an hour past the envelope's expiry): only a
urlencoded POST carrying it has its body read (bounded by :attr:`ReplayDesk.form_limit`)
before the rules run. A body of exactly the two reserved fields is a replay: the engine
checks the seal, that it arrived at the address it was sealed for, the client, the
clearance and single use, and tells the adapter to call the app with the original
method, path, content type and body. Any other body (the visitor submitted the form
afresh) goes on through the gate as usual and reaches the app unchanged. The hint only
saves reading other bodies; it authorises nothing.

Sealing is envelope encryption with the key ring: a fresh AES-256-GCM data key encrypts
the body (a 64 KiB body does not fit in a key-ring token, which is capped at 4 KiB);
the data key travels in a key-ring token of purpose ``replay`` together with the
replay id, the exact client IP, a User-Agent hash, the level and work required, an
expiry and
the original request's ``Sec-Fetch-Site`` and ``Origin``. The body's associated data is
the replay id, so a body cannot be moved to another envelope. The id is spent in the
store on first use.

Only a POST that another site did not cause is held or replayed (CSRF: the replay comes
from this origin, with the visitor's cookies; see :mod:`humangate.http.fetch_site`), and the
replayed request carries the original's two headers plus ``X-Humangate-Replayed: 1``.

Why not keep a ``{prefix}replay`` endpoint and fix the address afterwards: the app's
answer would be rendered at the endpoint's URL, and only an HTML answer could be
patched (``history.replaceState`` from a script injected into the app's page, which
its CSP may refuse); a download, a JSON or plain-text answer could not. A 302/303 answer
was always fine (the browser follows it). Posting to the original address is right for
every answer.
"""

from __future__ import annotations

import binascii
import html
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from humangate import b64url
from humangate.client.ip import IPAddress
from humangate.crypto.clearance import Requirement
from humangate.crypto.tickets import user_agent_hash
from humangate.crypto.tokens import KeyRing, same_text
from humangate.errors import TokenError
from humangate.http import answers
from humangate.http.assets import hashed_name
from humangate.http.fetch_site import REPLACED_HEADERS, FetchSite
from humangate.http.redirects import safe_target
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.levels import Level

__all__ = [
    "BODY_FIELD",
    "ENVELOPE_FIELD",
    "HINT_COOKIE",
    "REPLACED_HEADERS",
    "Held",
    "Replay",
    "ReplayDesk",
    "is_replayable",
]

PURPOSE = "replay"
URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = frozenset({URLENCODED, "multipart/form-data"})
# The holding page's two fields: names no app form is likely to use.
ENVELOPE_FIELD = "humangate-envelope"
BODY_FIELD = "humangate-body"
HINT_COOKIE = "humangate-replay-"
"""Prefix of the hint cookie's name (the replay id follows): a held form is on its way
back to this path, so its POST must not take the fast path past the gate."""
_HINT_AFTERLIFE = 3600  # seconds the hint cookie outlives its envelope
# A Path attribute made only of these is safe in a Set-Cookie line; else Path=/.
_COOKIE_PATH = re.compile(r"/[A-Za-z0-9/!$&'()*+\-.:=@_~%]*")
# Printable ASCII but the space: how a browser sends a URL's path and query.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
_NONCE = 12
# The replay form carries the body base64url-encoded (4/3 of its size) plus the envelope.
_FORM_OVERHEAD = 8 * 1024


def media_type(request: Request) -> str:
    return (request.header("content-type") or "").split(";")[0].strip().lower()


def is_replayable(request: Request) -> bool:
    """A top-level form submission: the only kind of request whose body we hold."""
    return (
        request.method == "POST"
        and not request.websocket
        and request.accepts_html
        and media_type(request) in FORM_TYPES
    )


@dataclass(frozen=True, slots=True)
class Replay:
    """The original request, for the adapter to send to the app in place of this one."""

    method: str
    path: str
    query: str
    content_type: str
    body: bytes
    # Set on the replayed request; lines named in REPLACED_HEADERS are dropped first.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Held:
    """An authentic, unexpired replay for this client (not yet spent)."""

    id: str
    requirement: Requirement  # what the clearance replaying it must show
    replay: Replay
    expires_at: int


class ReplayDesk:
    """Seals held form bodies and opens them again for the same client, once."""

    __slots__ = ("_keys", "_max_body", "_prefix", "_secure", "_ttl")

    def __init__(
        self,
        keys: KeyRing,
        *,
        max_body: int,
        ttl: int,
        prefix: str,
        secure: Callable[[str], bool] = lambda scheme: scheme == "https",
    ) -> None:
        self._keys = keys
        self._max_body = max_body
        self._ttl = ttl
        self._prefix = prefix
        self._secure = secure  # whether cookies get Secure for a request of this scheme

    @property
    def max_body(self) -> int:
        return self._max_body

    @property
    def form_limit(self) -> int:
        """The largest holding-page submission the gate reads."""
        return (self._max_body * 4) // 3 + _FORM_OVERHEAD

    def hold(
        self,
        request: Request,
        body: bytes,
        need: Requirement,
        *,
        client_ip: IPAddress | None,
        now: float,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        """The holding page for a challenged form POST, or a 'retry' 403 if too large.

        ``body`` holds at most ``max_body + 1`` bytes (the adapter reads one more than
        allowed so that 'too large' is detectable without reading everything).
        """
        ray = answers.new_ray_id()
        # Browsers always send Content-Length with a form; without it (chunked) we cannot
        # know that what we read is the whole body.
        declared = _content_length(request)
        if declared is None or declared > self._max_body or len(body) != declared:
            return self.must_retry(request, ray, need, extra)
        site = FetchSite.of(request)
        if site.verdict(request) is not None:
            return self.must_retry(request, ray, need, extra, cross_site=True)
        replay_id = secrets.token_hex(12)
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        sealed_body = AESGCM(key).encrypt(nonce, body, replay_id.encode())
        path = safe_target(request.raw_path or request.path)
        envelope = self._keys.seal(
            PURPOSE,
            {
                "id": replay_id,
                "k": b64url.encode(key),
                "n": b64url.encode(nonce),
                "m": request.method,
                "p": path,
                "q": request.query,
                "c": request.header("content-type") or "",
                "ip": str(client_ip) if client_ip is not None else "",
                "ua": user_agent_hash(request.user_agent),
                "l": int(need.level),
                "w": need.work,
                "e": int(now) + self._ttl,
                "sfs": site.sec_fetch_site,
                "o": site.origin,
            },
        )
        nonce_attr = answers.new_nonce()
        page = _holding_page(
            prefix=self._prefix,
            need=need,
            action=_as_sent(path) + (f"?{_as_sent(request.query)}" if request.query else ""),
            envelope=envelope,
            sealed_body=b64url.encode(sealed_body),
            nonce=nonce_attr,
            ray=ray,
        )
        headers = [
            ("content-type", answers.HTML),
            *answers.base_headers(ray),
            ("content-security-policy", _holding_csp(nonce_attr)),
            ("cf-mitigated", "challenge"),
            self._hint(replay_id, path, request.scheme),
            *extra,
        ]
        return Response(403, tuple(headers), page)

    def must_retry(
        self,
        request: Request,
        ray: str,
        need: Requirement,
        extra: tuple[tuple[str, str], ...] = (),
        *,
        cross_site: bool = False,
    ) -> Response:
        """What a challenged form POST gets when its body cannot be held: too large,
        or (``cross_site``) not shown to come from this site."""
        detail = (
            f"This form submission is larger than {self._max_body} bytes, so it could not "
            "be kept while your browser was checked. Go back, reload the form and submit "
            "it again."
            if not cross_site
            else "This form was sent from another site or page, so it was not kept or sent. "
            "If you meant to send it, open the form on this site and submit it again."
        )
        headers = (("cf-mitigated", "challenge"), *extra)
        if not request.accepts_html:
            return answers.problem(
                answers.Problems.RETRY_REQUEST, detail, ray, extra_headers=headers
            )
        nonce = answers.new_nonce()
        page = _RETRY_PAGE.format(
            nonce=nonce,
            css=_CSS,
            detail=html.escape(detail),
            ray=html.escape(ray),
            # The check still runs here, so the second submission goes straight through.
            challenge=html.escape(_challenge_url(self._prefix, need)),
            script=html.escape(f"{self._prefix}static/{hashed_name('spa.js')}"),
        )
        response = answers.html_response(403, page.encode(), ray, nonce, headers)
        return _with_frames(response)

    # -- the holding page's submission, back at the form's own address ------------------

    def may_carry(self, request: Request) -> bool:
        """Whether ``request`` may be a holding page's submission, so its body is worth
        reading: a urlencoded POST of at most :attr:`form_limit` bytes from a browser
        holding a hint cookie. Cheap: headers only, the method first."""
        if request.method != "POST" or request.websocket:
            return False
        if HINT_COOKIE not in (request.header("cookie") or ""):
            return False
        length = _content_length(request)
        return (
            length is not None
            and 0 < length <= self.form_limit
            and media_type(request) == URLENCODED
        )

    def is_submission(self, body: bytes) -> bool:
        """Whether a read body is a holding page's form: exactly the two reserved fields."""
        return _fields(body) is not None

    def open(self, request: Request, client_ip: IPAddress | None, now: float) -> Held | None:
        """The held request this holding-page submission carries, if authentic, sent to
        the address it was sealed for, from this site, and this client's."""
        if media_type(request) != URLENCODED:
            return None
        fields = _fields(request.body)
        if fields is None:
            return None
        envelope, sealed_body = fields
        try:
            payload = self._keys.open(PURPOSE, envelope)
            replay_id = str(payload["id"])
            site = FetchSite(str(payload["sfs"]), str(payload["o"]))
            body = AESGCM(b64url.decode(str(payload["k"]))).decrypt(
                b64url.decode(str(payload["n"])), b64url.decode(sealed_body), replay_id.encode()
            )
            held = Held(
                id=replay_id,
                requirement=Requirement(Level(int(payload["l"])), int(payload["w"])),
                replay=Replay(
                    method=str(payload["m"]),
                    path=safe_target(str(payload["p"])),
                    query=str(payload["q"]),
                    content_type=str(payload["c"]),
                    body=body,
                    headers=site.replay_headers(),
                ),
                expires_at=int(payload["e"]),
            )
            ip, ua = str(payload["ip"]), str(payload["ua"])
        except (
            KeyError,
            IndexError,
            TypeError,
            ValueError,
            UnicodeDecodeError,
            TokenError,
            InvalidTag,
            binascii.Error,
        ):
            return None
        if now > held.expires_at:
            return None
        # Only at the address it was sealed for: the same path and query, by POST.
        if request.method != held.replay.method:
            return None
        if _as_sent(request.raw_path or request.path) != _as_sent(held.replay.path):
            return None
        if _as_sent(request.query) != _as_sent(held.replay.query):
            return None
        # The original POST, and this submission of the holding page, both from this site.
        if site.verdict(request) is not None or FetchSite.of(request).verdict(request) is not None:
            return None
        # Bound like a ticket: the exact address and browser the form was sent from.
        if not same_text(ip, str(client_ip) if client_ip is not None else ""):
            return None
        if not same_text(ua, user_agent_hash(request.user_agent)):
            return None
        return held

    def refused(self, request: Request, ray: str) -> Response:
        """The answer to a holding-page submission that is not valid here."""
        detail = (
            "This held form submission is not valid here (expired, already sent, or "
            "from another browser). Submit the form again."
        )
        if not request.accepts_html:
            return answers.problem(answers.Problems.REPLAY_REFUSED, detail, ray)
        nonce = answers.new_nonce()
        page = _REFUSED_PAGE.format(nonce=nonce, css=_CSS, ray=html.escape(ray))
        return answers.html_response(403, page.encode(), ray, nonce, ())

    @staticmethod
    def passthrough(request: Request) -> Replay:
        """``request`` itself, its body already read: what the app gets when a body read
        for :meth:`may_carry` was an ordinary form after all. Its own Origin and
        Sec-Fetch-Site go with it; no replay mark."""
        site = FetchSite.of(request)
        own = (("sec-fetch-site", site.sec_fetch_site), ("origin", site.origin))
        return Replay(
            method=request.method,
            path=request.raw_path or quote(request.path, safe=_URL_SAFE),
            query=request.query,
            content_type=request.header("content-type") or "",
            body=request.body,
            headers=tuple((name, value) for name, value in own if value),
        )

    def _hint(self, replay_id: str, path: str, scheme: str) -> tuple[str, str]:
        """The hint cookie's Set-Cookie line. It outlives the envelope by an hour and is
        not dropped when the form is sent: a reload of the app's answer re-sends the
        holding page's form, and that is told it was sent already (not handed to the app
        as a form of two strange fields)."""
        cookie_path = path if _COOKIE_PATH.fullmatch(path) else "/"
        parts = [
            f"{HINT_COOKIE}{replay_id}=1",
            f"Path={cookie_path}",
            f"Max-Age={self._ttl + _HINT_AFTERLIFE}",
            "HttpOnly",
            "SameSite=Strict",
        ]
        if self._secure(scheme):
            parts.append("Secure")
        return ("set-cookie", "; ".join(parts))


def _fields(body: bytes) -> tuple[str, str] | None:
    """The envelope and sealed body of a holding page's submission, else None."""
    try:
        fields = parse_qs(body.decode("ascii"), max_num_fields=4, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    if fields.keys() != {ENVELOPE_FIELD, BODY_FIELD}:
        return None
    envelope, sealed = fields[ENVELOPE_FIELD], fields[BODY_FIELD]
    if len(envelope) != 1 or len(sealed) != 1:
        return None
    return envelope[0], sealed[0]


def _as_sent(text: str) -> str:
    """A path or query as a browser sends it: anything but printable ASCII escaped (the
    adapters give raw bytes as latin-1), so the form's action round-trips and compares."""
    return quote(text, safe=_URL_SAFE, encoding="latin-1", errors="replace")


def _challenge_url(prefix: str, need: Requirement) -> str:
    """The in-place challenge that earns what the held form needs (level and work)."""
    return f"{prefix}challenge?level={quote(need.level.label)}&work={need.work}"


def _content_length(request: Request) -> int | None:
    try:
        return int(request.header("content-length") or "")
    except ValueError:
        return None


def _with_frames(response: Response) -> Response:
    headers = tuple(
        (name, value + "; frame-src 'self'" if name == "content-security-policy" else value)
        for name, value in response.headers
    )
    return Response(response.status, headers, response.body)


def _holding_csp(nonce: str) -> str:
    # The challenge pages' policy plus the one thing this page needs: a same-origin
    # iframe for the challenge.
    return answers.content_security_policy(nonce) + "; frame-src 'self'"


def _holding_page(
    *,
    prefix: str,
    need: Requirement,
    action: str,
    envelope: str,
    sealed_body: str,
    nonce: str,
    ray: str,
) -> bytes:
    return _HOLDING_PAGE.format(
        nonce=nonce,
        css=_CSS,
        action=html.escape(action),
        envelope_field=ENVELOPE_FIELD,
        body_field=BODY_FIELD,
        challenge=html.escape(_challenge_url(prefix, need)),
        script=html.escape(f"{prefix}static/{hashed_name('spa.js')}"),
        envelope=html.escape(envelope),
        body=html.escape(sealed_body),
        ray=html.escape(ray),
    ).encode("utf-8")


_CSS = "body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}"

_HOLDING_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Checking your browser before sending your form</title>
<style nonce="{nonce}">{css}</style>
</head><body>
<main>
<h1>Checking your browser before sending your form</h1>
<p>Your form is kept safe and will be sent as soon as the check is done.</p>
<noscript><p>Enable JavaScript to finish the check, then submit the form again.</p></noscript>
<form id="humangate-replay" method="post" action="{action}" data-challenge="{challenge}">
<input type="hidden" name="{envelope_field}" value="{envelope}">
<input type="hidden" name="{body_field}" value="{body}">
</form>
<p><small>Ray ID: {ray}</small></p>
</main>
<script nonce="{nonce}" src="{script}"></script>
</body></html>
"""

_REFUSED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>This form was not sent again</title>
<style nonce="{nonce}">{css}</style>
</head><body><main>
<h1>This form was not sent again</h1>
<p>A form kept while your browser was checked is sent once only, soon after the check.
This one was already sent, has expired, or belongs to another browser. Go back, reload
the form and submit it again if you still need to.</p>
<p><small>Ray ID: {ray}</small></p>
</main></body></html>
"""

_RETRY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Please submit the form again</title>
<style nonce="{nonce}">{css}</style>
</head><body><main>
<h1>Please submit the form again</h1>
<p>{detail}</p>
<p id="humangate-clear" data-challenge="{challenge}" role="status"></p>
<p><small>Ray ID: {ray}</small></p>
</main>
<script nonce="{nonce}" src="{script}"></script>
</body></html>
"""
