"""Keep ordinary challenges out of Django's request log.

Django logs every 4xx answer as a warning ("Forbidden: /path"), so a site would log one
warning per challenged visitor. A challenge is the gate working, not an error: it is
a ``challenge_issued`` security event on ``humangate.events``; here it is marked as
logged, so Django skips it, and logged on ``humangate.django`` at INFO instead.
"""

from __future__ import annotations

import logging

from django.http import HttpResponseBase

logger = logging.getLogger("humangate.django")


def quiet_challenge(response: HttpResponseBase) -> None:
    """Mark a challenge answer (``cf-mitigated: challenge``) as logged for Django."""
    if response.headers.get("cf-mitigated") == "challenge":
        # django.utils.log.log_response skips responses that carry this flag.
        response._has_been_logged = True  # type: ignore[attr-defined]
        ray = response.headers.get("humangate-ray", "-")
        logger.info("challenge answered (%s) ray=%s", response.status_code, ray)
