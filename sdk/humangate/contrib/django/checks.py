"""System checks: a usable configuration, and the middleware in the right place.

The gate must run before any middleware that answers, reads the body or does work for
the visitor, because those would act for requests the gate is about to challenge:

* ``CommonMiddleware`` answers APPEND_SLASH/PREPEND_WWW redirects and
  DISALLOWED_USER_AGENTS itself, so bots would get answers without a challenge;
* ``CsrfViewMiddleware`` would reject the gate's own POSTs (the solve and the replay of
  a held form) for lacking a CSRF token; after the gate, it checks the *replayed* form
  with its original token, as it should;
* ``SessionMiddleware``, ``AuthenticationMiddleware``, ``MessageMiddleware`` and
  ``LocaleMiddleware`` would hit the database or cache for every unchallenged bot;
* ``XFrameOptionsMiddleware`` would add ``X-Frame-Options: DENY`` to the challenge page,
  which the in-place challenge (an iframe) needs to show;
* ``GZipMiddleware`` would compress the gate's pages, which carry single-use tokens next
  to attacker-chosen text (the BREACH pattern); inside the gate it only sees app pages.

``SecurityMiddleware`` (HTTPS redirect, security headers) may come first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from humangate.config.startup import check_store
from humangate.contrib.django.conf import get_config
from humangate.errors import ConfigError

MIDDLEWARE = "humangate.contrib.django.middleware.HumanGateMiddleware"
MUST_FOLLOW = (
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """humangate.E001: the HUMANGATE setting does not make a valid Config.
    humangate.E003 / W002: the store cannot be used (error) or not reached (warning)."""
    try:
        config = get_config()
    except ConfigError as exc:
        return [Error(f"HUMANGATE is not usable: {exc}", hint=_hint(exc), id="humangate.E001")]
    try:
        warning = check_store(config)
    except ConfigError as exc:
        return [Error(str(exc), hint=_hint(exc), id="humangate.E003")]
    if warning is not None:
        return [Warning(warning, hint=_STORE_HINT, id="humangate.W002")]
    return []


_STORE_HINT = (
    "Fix HUMANGATE['store'] (memory://, sqlite:///path/to/file.db or redis://host:6379/0); "
    "HUMANGATE['store_check'] = 'error' makes an unreachable Redis an error, 'off' skips it."
)


def _hint(exc: ConfigError) -> str:
    """What to change for this error (the message already says what is wrong)."""
    if exc.field == "secret_keys":
        return (
            "Set HUMANGATE = {'secret_keys': [...]} or the HUMANGATE_SECRET_KEYS environment "
            "variable to the output of `humangate keygen`."
        )
    if exc.field == "store":
        return _STORE_HINT
    top = exc.field.split("[", 1)[0].split(".", 1)[0]
    return f"Fix HUMANGATE[{top!r}]; every setting is described in the configuration reference."


def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """humangate.W001: not in MIDDLEWARE; humangate.E002: after middleware it must precede."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    if MIDDLEWARE not in middleware:
        return [
            Warning(
                "humangate is installed but its middleware is not in MIDDLEWARE.",
                hint=f"Add {MIDDLEWARE!r} right after SecurityMiddleware.",
                id="humangate.W001",
            )
        ]
    position = middleware.index(MIDDLEWARE)
    earlier = [name for name in middleware[:position] if name in MUST_FOLLOW]
    if earlier:
        return [
            Error(
                f"{MIDDLEWARE} must come before {', '.join(earlier)}.",
                hint="Place it right after django.middleware.security.SecurityMiddleware; "
                "see humangate.contrib.django.checks for the reasons.",
                id="humangate.E002",
            )
        ]
    return []
