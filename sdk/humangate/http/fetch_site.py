"""Where a request came from, by its ``Sec-Fetch-Site`` and ``Origin`` headers.

A held form POST is sent back by humangate's own holding page, so the app
sees it arrive same-origin, with the visitor's ``SameSite`` cookies. Replaying a POST
that another site caused would launder it into a same-origin one (CSRF). So the
original request's headers are recorded in the sealed envelope and only a POST that was
provably not caused by another site is ever replayed:

==========================  ===============================================================
``Sec-Fetch-Site``          replayed?
==========================  ===============================================================
``same-origin``             yes (and ``Origin``, when sent, must name this host)
``none``                    yes: the visitor started it (typed, bookmark, reload); no other
                            site can make a browser send ``none``
``same-site``               no: a sibling subdomain is another origin, and the app's own
                            Origin/Fetch Metadata check, which would have refused it, could
                            no longer tell after the replay
``cross-site``, other       no
absent, ``Origin`` present  yes only if ``Origin`` names this host (older browsers)
absent, ``Origin: null``    no: opaque initiator (sandboxed frame, ``data:`` page)
both absent                 no: nothing shows it is same-origin; the visitor submits again
==========================  ===============================================================

Both headers are set by the browser and cannot be written by a page's script. When the
gate knows it is served over HTTPS, an ``http://`` ``Origin`` for the same host is
cross-site too (schemeful same-site, as browsers define it); behind a proxy that hides
the scheme only the host and port are compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from humangate.http.request import Request

REPLAYED_HEADER = "x-humangate-replayed"
"""Set on every replayed request (value ``1``): the app can tell a replay from a
first submission. A client can send it itself, so it informs; it never authorises."""

REPLACED_HEADERS = frozenset({"origin", "sec-fetch-site", REPLAYED_HEADER})
"""Lines of the replay page's own request an adapter drops before adding
:attr:`Replay.headers <humangate.replay.Replay.headers>` (the original's, if any)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class FetchSite:
    """The two headers as the original request sent them ("" when absent)."""

    sec_fetch_site: str
    origin: str

    @classmethod
    def of(cls, request: Request) -> FetchSite:
        return cls(
            (request.header("sec-fetch-site") or "").strip().lower(),
            (request.header("origin") or "").strip(),
        )

    def verdict(self, request: Request) -> str | None:
        """None when the POST may be replayed to ``request``'s host; else why not."""
        site = self.sec_fetch_site
        if site and site not in ("same-origin", "none"):
            return f"sent from another site (Sec-Fetch-Site: {site[:20]})"
        if self.origin:
            if not _same_origin(self.origin, request):
                return "sent from another origin"
            return None
        if site:
            return None  # same-origin or none without Origin: the browser's own word
        return "sent without Origin or Sec-Fetch-Site, so not shown to be from this site"

    def replay_headers(self) -> tuple[tuple[str, str], ...]:
        """What the replayed request carries in place of the replay page's own headers:
        the original request's values, and the mark that it is a replay."""
        headers = [(REPLAYED_HEADER, "1")]
        if self.sec_fetch_site:
            headers.append(("sec-fetch-site", self.sec_fetch_site))
        if self.origin:
            headers.append(("origin", self.origin))
        return tuple(headers)


def _same_origin(origin: str, request: Request) -> bool:
    if origin == "null" or not request.host:
        return False
    try:
        parts = urlsplit(origin)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        host = urlsplit(f"//{request.host}")
        # Behind a proxy the request may look like http while the page was https.
        own_port = host.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or parts.path or parts.query or parts.username:
        return False
    if request.scheme == "https" and parts.scheme != "https":
        return False
    return (parts.hostname or "") == (host.hostname or "").lower() and port == own_port
