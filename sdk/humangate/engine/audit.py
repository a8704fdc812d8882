"""``{prefix}audit?ticket=…``: the hyperlink-auditing ping of the challenge page.

The page (js/src/cdp.js) follows a hidden link whose ``ping`` names this endpoint, into a
hidden frame whose navigation also lands here. Chromium POSTs the ping (``Ping-To``
header, ``text/ping`` body) unless launched with ``--no-pings`` (nodriver does). The
ping's answer sets a short-lived cookie keyed to the ticket (humangate.signals.cdp),
which the solve then carries; every other request gets an empty 204 (the frame loads
nothing). Nothing is granted here: the cookie only removes one soft doubt.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from humangate.crypto.tickets import TicketBook
from humangate.errors import TokenError
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.signals.cdp import audit_cookie

MIN_AGE = 10


def audit_answer(request: Request, tickets: TicketBook, *, now: float) -> Response:
    headers: list[tuple[str, str]] = [("cache-control", "no-store")]
    if request.method == "POST" and request.header("ping-to") is not None:
        try:
            ticket = tickets.open(parse_qs(request.query).get("ticket", [""])[0])
        except TokenError:
            ticket = None
        if ticket is not None and ticket.expires_at > now:
            name, value = audit_cookie(ticket)
            age = max(int(ticket.expires_at - now), MIN_AGE)
            secure = "; Secure" if request.scheme == "https" else ""
            headers.append(
                ("set-cookie", f"{name}={value}; Path=/; Max-Age={age}; SameSite=Strict{secure}")
            )
    return Response(204, tuple(headers), b"")
