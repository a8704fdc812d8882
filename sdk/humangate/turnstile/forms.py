"""What every framework helper shares: the widget's markup and the form check.

``widget_html(sitekey)`` is the markup Cloudflare documents, pointing at humangate's
script; ``check_form(form, secret=…)`` reads the ``cf-turnstile-response`` field and
verifies it (with an expected ``action``, as Turnstile's docs recommend).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import replace

from humangate.turnstile.client import verify
from humangate.turnstile.siteverify import SiteverifyResult

RESPONSE_FIELD = "cf-turnstile-response"
DEFAULT_PREFIX = "/.humangate/"
ACTION_MISMATCH = "action-mismatch"  # humangate's own code: success, but not for this form


def script_url(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}turnstile/v0/api.js"


def widget_html(sitekey: str, *, prefix: str = DEFAULT_PREFIX, **params: str) -> str:
    """``<div class="cf-turnstile" data-sitekey=…>`` (``params`` become ``data-*``
    attributes: ``action="login"``, ``theme="dark"``, ``cdata=…``) and the script tag."""
    attributes = "".join(
        f' data-{html.escape(name.replace("_", "-"))}="{html.escape(str(value))}"'
        for name, value in {"sitekey": sitekey, **params}.items()
    )
    # Once per widget: the script keeps the first copy when a page loads it twice.
    tag = f'<script src="{html.escape(script_url(prefix))}" async defer></script>'
    return f'<div class="cf-turnstile"{attributes}></div>{tag}'


def check_token(
    token: str | None,
    *,
    secret: str,
    remoteip: str | None = None,
    action: str | None = None,
    url: str | None = None,
) -> SiteverifyResult:
    """Verify ``token``; with ``action``, a token solved for another action fails too."""
    result = verify(token or "", secret=secret, remoteip=remoteip, url=url)
    if result.success and action is not None and result.action != action:
        return replace(result, success=False, error_codes=(ACTION_MISMATCH,))
    return result


def check_form(
    form: Mapping[str, object],
    *,
    secret: str,
    remoteip: str | None = None,
    action: str | None = None,
    url: str | None = None,
) -> SiteverifyResult:
    """:func:`check_token` for the token a submitted form carries."""
    value = form.get(RESPONSE_FIELD)
    return check_token(
        value if isinstance(value, str) else None,
        secret=secret,
        remoteip=remoteip,
        action=action,
        url=url,
    )
