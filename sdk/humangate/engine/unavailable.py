"""The answer to a solve the site itself cannot finish (its store is down).

The visitor did nothing wrong, so the page must not tell them to update their browser
or turn off their VPN: the body carries ``reason: "site_unavailable"``, which the page
shows as "this site has a temporary problem". API clients get the same RFC 9457 problem
document as before, with ``Retry-After``.
"""

from __future__ import annotations

from humangate.http import answers
from humangate.http.response import Response

SITE_UNAVAILABLE = "site_unavailable"
"""The reason the page reads (its message is ``failure_site_unavailable``)."""

STORE_UNAVAILABLE = "store_unavailable"
"""The reason the challenge_failed event gives operators."""

RETRY_AFTER_SECONDS = 5


def site_unavailable(ray: str, message: str) -> Response:
    """A 503 problem that the challenge page shows as the site's temporary problem."""
    return answers.problem(
        answers.Problems.VERIFICATION_UNAVAILABLE,
        "Verification is briefly unavailable.",
        ray,
        extra_fields={"ok": False, "reason": SITE_UNAVAILABLE, "message": message},
        extra_headers=(("retry-after", str(RETRY_AFTER_SECONDS)),),
    )
