"""The widget's endpoints under ``{prefix}turnstile/v0/``: the script, the frame the
script embeds, the frame's solve, and siteverify.

| path          | method | what                                                            |
|---------------|--------|-----------------------------------------------------------------|
| ``api.js``    | GET    | the Turnstile-compatible script a page loads                    |
| ``frame``     | GET    | the widget's page, embedded by api.js; runs humangate's challenge |
| ``solve``     | POST   | the frame's solution; answers with a token (and pre-clearance)   |
| ``siteverify``| POST   | a backend redeems a token with its secret                       |

The engine hands requests here through the small :class:`WidgetHost` protocol (what
this module needs from it) and decides nothing about them itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, urlsplit

from humangate.crypto.tokens import KeyRing
from humangate.effects import Flow
from humangate.errors import TokenError
from humangate.events import Kind
from humangate.http import answers
from humangate.http.assets import StaticAssets
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.levels import Level
from humangate.turnstile import frame
from humangate.turnstile.sitekeys import (
    TEST_SITEKEYS,
    Mode,
    Sitekey,
    SitekeyBook,
)
from humangate.turnstile.siteverify import (
    BAD_REQUEST,
    MAX_BODY,
    Siteverifier,
    SiteverifyResult,
    parse_request,
)
from humangate.turnstile.tokens import (
    PURPOSES,
    WidgetContext,
    WidgetSeal,
    valid_action,
    valid_cdata,
)

if TYPE_CHECKING:
    from humangate.engine.solve import SolveChecked

# Client-side error codes (reference §1.5) the frame reports to the page.
ERROR_INVALID_SITEKEY = "110100"
ERROR_DOMAIN = "110200"
ERROR_ACTION = "110420"
ERROR_CDATA = "110430"
ERROR_TEST_FAILURE = "600010"


class WidgetHost(Protocol):
    """What the widget needs from the engine."""

    def check_solve(self, request: Request) -> Flow[SolveChecked | Response]: ...

    def widget_challenge(
        self, request: Request, level: Level, size: str
    ) -> Mapping[str, object]: ...

    def preclear(
        self, request: Request, checked: SolveChecked, level: Level
    ) -> tuple[str, str]: ...

    def is_verified_bot(self, request: Request) -> bool: ...

    def observe(self, kind: Kind, ray: str, **details: object) -> None: ...

    def widget_language(self, request: Request, wanted: str) -> str: ...


class TurnstileEndpoints:
    """Serves ``{prefix}turnstile/v0/*`` for one configuration."""

    __slots__ = ("_assets", "_book", "_prefix", "_seal", "verifier")

    def __init__(
        self,
        sitekeys: SitekeyBook,
        secret_keys: Sequence[str],
        prefix: str,
        assets: StaticAssets,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._book = sitekeys
        self._seal = WidgetSeal(KeyRing(secret_keys, purposes=PURPOSES))
        self._prefix = prefix
        self._assets = assets
        self.verifier = Siteverifier(sitekeys, self._seal, clock=clock)

    @property
    def seal(self) -> WidgetSeal:
        return self._seal

    def endpoint(self, host: WidgetHost, request: Request, name: str) -> Flow[Response | None]:
        """The answer for ``{prefix}turnstile/<name>``; None for no such endpoint."""
        if name == "v0/siteverify":
            return (yield from self._siteverify(host, request))
        if name == "v0/solve":
            if request.method != "POST":
                return answers.method_not_allowed("POST")
            return (yield from self._solve(host, request))
        if name in ("v0/api.js", "v0/frame"):
            if request.method not in ("GET", "HEAD"):
                return answers.method_not_allowed("GET, HEAD")
            if name == "v0/api.js":
                found = self._assets.response(
                    "turnstile-api.js", request.method, request.header("if-none-match")
                )
                # Short-lived: a page must pick up a new release soon, as Turnstile's does.
                return _with_cache(found, "public, max-age=300") if found else None
            response = self._frame(host, request)
            return (
                Response(response.status, response.headers, b"")
                if request.method == "HEAD"
                else response
            )
        return None

    # -- siteverify ----------------------------------------------------------------------

    def _siteverify(self, host: WidgetHost, request: Request) -> Flow[Response]:
        ray = answers.new_ray_id()
        if request.method != "POST":
            # Turnstile takes no GET with query parameters, unlike reCAPTCHA.
            result = SiteverifyResult(False, (BAD_REQUEST,))
            host.observe(Kind.SITEVERIFY, ray, reason=BAD_REQUEST)
            return answers.json_response(405, result.as_json(), ray, extra=(("allow", "POST"),))
        parsed = (
            None
            if len(request.body) > MAX_BODY
            else parse_request(request.header("content-type"), request.body)
        )
        result = yield from self.verifier.verify(parsed)
        host.observe(
            Kind.SITEVERIFY,
            ray,
            reason="success" if result.success else ",".join(result.error_codes),
            sitekey=result.sitekey,
        )
        return answers.json_response(200, result.as_json(), ray)

    # -- the frame -----------------------------------------------------------------------

    def _frame(self, host: WidgetHost, request: Request) -> Response:
        query = {name: values[0] for name, values in parse_qs(request.query).items()}
        sitekey = query.get("k", "")
        origin = _origin(query.get("o", ""))
        language = host.widget_language(request, query.get("l", ""))
        settings = frame.FrameSettings(
            theme=query.get("t", "auto"),
            size=query.get("s", "normal"),
            language=language,
            origin=origin or "",
            widget_id=query.get("w", "")[:40],
            appearance=query.get("ap", "always"),
            execution=query.get("ex", "render"),
        )
        if host.is_verified_bot(request):
            # Turnstile answers verified bots with a 403.
            return frame.refused(settings, self._prefix)
        if origin is None:
            return frame.error(settings, self._prefix, ERROR_DOMAIN)
        hostname = urlsplit(origin).hostname or ""
        action, cdata = query.get("a", ""), query.get("c", "")
        if not valid_action(action):
            return frame.error(settings, self._prefix, ERROR_ACTION)
        if not valid_cdata(cdata):
            return frame.error(settings, self._prefix, ERROR_CDATA)
        test = TEST_SITEKEYS.get(sitekey)
        if test is not None:
            return frame.test_frame(settings, self._prefix, test)
        config = self._book.get(sitekey)
        if config is None:
            return frame.error(settings, self._prefix, ERROR_INVALID_SITEKEY)
        if not config.allows_host(hostname):
            return frame.error(settings, self._prefix, ERROR_DOMAIN)
        challenge = dict(host.widget_challenge(request, config.challenge_level, settings.safe_size))
        context = WidgetContext(str(challenge.pop("ticket_id")), sitekey, hostname, action, cdata)
        challenge["context"] = self._seal.seal_context(context)
        challenge["solve_url"] = f"{self._prefix}turnstile/v0/solve"
        return frame.challenge_frame(
            settings,
            self._prefix,
            challenge,
            visible=config.widget_mode is not Mode.INVISIBLE,
            ancestors=config.hostnames,
        )

    # -- the frame's solve ---------------------------------------------------------------

    def _solve(self, host: WidgetHost, request: Request) -> Flow[Response]:
        ray = answers.new_ray_id()
        context = self._context(request)
        if context is None or host.is_verified_bot(request):
            return answers.problem(answers.Problems.FORBIDDEN, "Not a widget solve.", ray)
        config = self._book.get(context.sitekey)
        if config is None or not config.allows_host(context.hostname):
            return answers.problem(answers.Problems.FORBIDDEN, "Unknown sitekey.", ray)
        checked = yield from host.check_solve(request)
        if isinstance(checked, Response):
            return checked  # the challenge script's own refusal (or a 503)
        ticket, visitor = checked.ticket, checked.visit
        if ticket.id != context.ticket_id:
            return answers.problem(answers.Problems.FORBIDDEN, "Not this frame's ticket.", ray)
        token, sealed = self._seal.issue(
            context,
            client_ip=str(visitor.ip) if visitor.ip is not None else "",
            ua_hash=ticket.ua_hash,
            now=checked.now,
        )
        extra: tuple[tuple[str, str], ...] = ()
        if _preclears(config, context, request):
            extra = (host.preclear(request, checked, config.clearance),)
        host.observe(
            Kind.WIDGET_SOLVED,
            ticket.ray,
            level=ticket.level.label,
            sitekey=config.sitekey,
            solve_ms=checked.solve_ms,
        )
        data = {"ok": True, "token": sealed, "expires_at": token.expires_at}
        return answers.json_response(200, data, ray, extra=extra)

    def _context(self, request: Request) -> WidgetContext | None:
        try:
            data = json.loads(request.body)
            sealed = data["context"] if isinstance(data, dict) else None
            return self._seal.open_context(sealed) if isinstance(sealed, str) else None
        except (ValueError, KeyError, RecursionError, TokenError):
            return None


def _preclears(config: Sitekey, context: WidgetContext, request: Request) -> bool:
    """Pre-clearance applies when the sitekey asks for it and the page embedding the
    widget is on the host that sets (and later checks) the cookie."""
    if config.clearance is Level.NONE:
        return False
    own = urlsplit(f"//{request.host}").hostname or ""
    return bool(own) and own == context.hostname


def _origin(value: str) -> str | None:
    """An http(s) origin as the page reports it, normalised; None for anything else."""
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{hostname}" + (f":{port}" if port is not None else "")


def _with_cache(response: Response, cache: str) -> Response:
    headers = tuple((n, cache if n == "cache-control" else v) for n, v in response.headers)
    return Response(response.status, headers, response.body)
