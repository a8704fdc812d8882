"""Route-level control for Django views, function- and class-based::

    from humangate.contrib.django.decorators import challenge, exempt

    @challenge("interactive")          # at least this clearance here, whatever the rules say
    def checkout(request): ...

    @exempt                            # never gated: no rules, no challenge
    def healthz(request): ...

    @challenge("managed")              # on a class-based view: every method
    class ReportView(View): ...

They need ``HumanGateMiddleware`` in ``MIDDLEWARE``, which applies ``exempt`` before the
rules run (it resolves the URL first, only once some view is exempt).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils.decorators import method_decorator

from humangate.decorators import any_exempt, challenge_action, is_exempt, mark_exempt
from humangate.levels import Action

MIDDLEWARE_ATTRIBUTE = "_humangate_middleware"

V = TypeVar("V")


def exempt(view: V) -> V:
    """Take this view (or class-based view) out of the gate: no rules, no challenge."""
    return mark_exempt(view)


def challenge(level: str | Action) -> Callable[[V], V]:
    """Require at least ``level`` ("non_interactive", "managed", "interactive") for this
    view: below it, the visitor gets the challenge (a JSON problem for API clients)."""
    action = challenge_action(level)

    def decorate(view: V) -> V:
        if isinstance(view, type):  # a class-based view: guard dispatch()
            return method_decorator(decorate, name="dispatch")(view)
        function: Callable[..., Any] = view  # type: ignore[assignment]
        if iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                answer = route_answer(request, action)
                return answer if answer is not None else await function(request, *args, **kwargs)

            return async_view  # type: ignore[return-value]

        @functools.wraps(function)
        def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            answer = route_answer(request, action)
            return answer if answer is not None else function(request, *args, **kwargs)

        return sync_view  # type: ignore[return-value]

    return decorate


def route_answer(request: HttpRequest, action: Action) -> HttpResponseBase | None:
    """The challenge for ``request`` if its clearance is below ``action``, else None."""
    middleware = getattr(request, MIDDLEWARE_ATTRIBUTE, None)
    if middleware is None:
        raise ImproperlyConfigured(
            "humangate's challenge() decorator needs "
            "'humangate.contrib.django.middleware.HumanGateMiddleware' in MIDDLEWARE"
        )
    answer: HttpResponseBase | None = middleware.route_answer(request, action)
    return answer


def exempt_view(request: HttpRequest, prefix: str) -> bool:
    """Whether the URL resolves to an ``@exempt`` view (never for the gate's own paths)."""
    if not any_exempt():
        return False  # no URL resolving on the pass path until some view is exempt
    path = request.path_info
    if path.startswith(prefix):
        return False
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return is_exempt(match.func)
