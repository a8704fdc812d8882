"""Flask extension: wraps ``app.wsgi_app`` with the WSGI gate.

    from humangate.contrib.flask import HumanGate
    gate = HumanGate(app)          # or: gate = HumanGate(); gate.init_app(app)

Settings come from ``app.config["HUMANGATE"]`` (a dict of :class:`humangate.Config`
fields) or from ``HUMANGATE_<FIELD>`` keys (``HUMANGATE_SECRET_KEYS``, ...); a ``Config``
passed to the constructor wins over both. In a view, :func:`clearance` is the visitor's
:class:`~humangate.crypto.clearance.Clearance` (or ``None`` where no challenge was required).

Route-level control::

    from humangate.contrib.flask import challenge, exempt

    @app.post("/checkout")
    @challenge("interactive")     # at least this clearance here, whatever the rules say
    def checkout(): ...

    @app.get("/healthz")
    @exempt                       # never gated: no rules, no challenge
    def healthz(): ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from humangate.adapters.wsgi import CLEARANCE_KEY, environ_path
from humangate.adapters.wsgi import HumanGate as WSGIGate
from humangate.config import Config
from humangate.config.settings import public_fields
from humangate.crypto.clearance import Clearance
from humangate.decorators import any_exempt, challenge_action, is_exempt, mark_exempt
from humangate.effects import run_sync
from humangate.engine import Answer
from humangate.errors import ConfigError
from humangate.levels import Action
from humangate.suggest import closest

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from flask import Flask
    from flask.typing import ResponseReturnValue

F = TypeVar("F", bound=Callable[..., Any])

EXTENSION = "humangate"
_PREFIX = "HUMANGATE_"


def config_from_flask(settings: Mapping[str, Any]) -> Config:
    """A Config from a Flask config: the ``HUMANGATE`` dict, else ``HUMANGATE_*`` keys."""
    table = settings.get("HUMANGATE")
    if table is None:
        known = public_fields(Config)
        table = {}
        for key, value in settings.items():
            if not key.startswith(_PREFIX):
                continue
            name = key[len(_PREFIX) :].lower()
            if name not in known:  # a typo must not be dropped silently
                found = closest(name, known)
                hint = f" (did you mean {_PREFIX}{found.upper()}?)" if found else ""
                raise ConfigError(key, f"unknown humangate setting{hint}")
            table[name] = value
    if isinstance(table, Config):
        return table
    # The HUMANGATE_* environment variables fill what the Flask config leaves unset.
    return Config.from_env(**table)


class HumanGate:
    """The Flask extension; one instance may serve several apps (``init_app`` each)."""

    def __init__(self, app: Flask | None = None, *, config: Config | None = None) -> None:
        self._config = config
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> WSGIGate:
        """Wrap ``app.wsgi_app``; the gate is also ``app.extensions["humangate"]``."""
        config = self._config or config_from_flask(app.config)
        gate = WSGIGate(app.wsgi_app, config)
        app.wsgi_app = _ExemptViews(app, gate)  # type: ignore[method-assign]
        app.extensions[EXTENSION] = gate
        return gate


class _ExemptViews:
    """In front of the gate: a request routed to an ``@exempt`` view goes straight to
    the app. Matching costs one URL-map lookup, and only once some view in the process
    is exempt."""

    def __init__(self, app: Flask, gate: WSGIGate) -> None:
        self._app = app
        self.gate = gate

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self._exempt(environ):
            return self.gate.app(environ, start_response)
        return self.gate(environ, start_response)

    def _exempt(self, environ: WSGIEnvironment) -> bool:
        if not any_exempt():
            return False
        views = self._app.view_functions
        if environ_path(environ).startswith(self.gate.config.path_prefix):
            return False  # the gate's own endpoints
        from werkzeug.exceptions import HTTPException  # noqa: PLC0415 - flask is optional
        from werkzeug.routing import RequestRedirect  # noqa: PLC0415

        try:
            endpoint, _ = self._app.url_map.bind_to_environ(environ).match()
        except (HTTPException, RequestRedirect):
            return False
        return is_exempt(views.get(str(endpoint)))


def exempt(view: F) -> F:
    """Take this view out of the gate: no rules, no challenge (like ``csrf_exempt``)."""
    return mark_exempt(view)


def challenge(level: str | Action) -> Callable[[F], F]:
    """Require at least ``level`` ("non_interactive", "managed", "interactive") on this
    view: a visitor whose clearance is below it gets the challenge (HTML for browsers,
    a JSON problem with ``cf-mitigated: challenge`` for API clients)."""
    action = challenge_action(level)

    def decorate(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_view(*args: Any, **kwargs: Any) -> Any:
                answer = _route_answer(action)
                return answer if answer is not None else await view(*args, **kwargs)

            return async_view  # type: ignore[return-value]

        @functools.wraps(view)
        def sync_view(*args: Any, **kwargs: Any) -> Any:
            answer = _route_answer(action)
            return answer if answer is not None else view(*args, **kwargs)

        return sync_view  # type: ignore[return-value]

    return decorate


def _route_answer(action: Action) -> ResponseReturnValue | None:
    from flask import Response, current_app, request  # noqa: PLC0415 - flask is optional

    gate = current_app.extensions.get(EXTENSION)
    if not isinstance(gate, WSGIGate):
        raise RuntimeError("humangate.contrib.flask.challenge needs HumanGate(app) first")
    # The WSGI adapter's own translation and body reading; start_response is not used.
    native = (request.environ, _no_start_response)
    flow = gate.gate.engine.require(gate.request(native), action, rule=request.endpoint or "route")
    # A form POST to this view is held (bounded) and sent again after the challenge.
    outcome = run_sync(flow, gate.gate.store, functools.partial(gate.read_body, native))
    if not isinstance(outcome, Answer):
        return None
    answer = outcome.response
    return Response(answer.body, status=answer.status, headers=list(answer.headers))


def _no_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
    raise AssertionError("route answers are returned to Flask, never started here")


def clearance() -> Clearance | None:
    """The current visitor's clearance, inside a Flask request."""
    from flask import request  # noqa: PLC0415 - flask is optional for the package

    value = request.environ.get(CLEARANCE_KEY)
    return value if isinstance(value, Clearance) else None
