"""A Turnstile-compatible widget, siteverify and pre-clearance (docs/turnstile.md).

A page loads ``{prefix}turnstile/v0/api.js`` instead of Cloudflare's script, and the
backend verifies the token at ``{prefix}turnstile/v0/siteverify``, or in process::

    from humangate.turnstile import verify
    result = verify(request.form["cf-turnstile-response"], secret=SECRET)
    if not result.success: ...
"""

from __future__ import annotations

from humangate.turnstile.client import NoSiteverify, averify, register, verify
from humangate.turnstile.sitekeys import DUMMY_TOKEN, TEST_SECRETS, TEST_SITEKEYS, Sitekey
from humangate.turnstile.siteverify import ERROR_CODES, SiteverifyResult

__all__ = [
    "DUMMY_TOKEN",
    "ERROR_CODES",
    "TEST_SECRETS",
    "TEST_SITEKEYS",
    "NoSiteverify",
    "Sitekey",
    "SiteverifyResult",
    "averify",
    "register",
    "verify",
]
