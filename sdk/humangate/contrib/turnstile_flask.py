"""Flask helpers for the Turnstile-compatible widget.

    from humangate.contrib.turnstile_flask import turnstile_widget, verify_request

    @app.post("/signup")
    def signup():
        result = verify_request(secret=WIDGET_SECRET, action="signup")
        if not result.success:
            abort(403)

``turnstile_widget(sitekey)`` is the markup for a template (``{{ widget }}``);
:func:`turnstile_required` is the same check as a view decorator. For WTForms see
:mod:`humangate.contrib.wtforms`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, request
from markupsafe import Markup

from humangate.turnstile.forms import check_form, widget_html
from humangate.turnstile.siteverify import SiteverifyResult

F = TypeVar("F", bound=Callable[..., Any])


def turnstile_widget(sitekey: str, *, prefix: str = "/.humangate/", **params: str) -> Markup:
    return Markup(widget_html(sitekey, prefix=prefix, **params))  # noqa: S704 - escaped by widget_html


def verify_request(
    *, secret: str, action: str | None = None, url: str | None = None
) -> SiteverifyResult:
    """Verify the token the current request's form carries, bound to its client."""
    return check_form(
        request.form, secret=secret, remoteip=request.remote_addr, action=action, url=url
    )


def turnstile_required(
    *, secret: str, action: str | None = None, url: str | None = None
) -> Callable[[F], F]:
    """A view decorator: 403 unless the submitted form carries a valid token."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not verify_request(secret=secret, action=action, url=url).success:
                abort(403, "The check that you are a person did not pass.")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
