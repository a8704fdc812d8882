"""``{prefix}cleared``: does this browser already hold what a pending challenge asks for?

Several tabs of one browser can be challenged at once (middle-clicked links, a restored
session). When one of them earns a clearance, the others are told so by the page script
(BroadcastChannel / storage event), but the clearance cookie is HttpOnly, so a page
cannot see it. It asks here instead, with its own ticket: if the cookie this request
carries is a valid clearance for this client at the ticket's level or higher, the answer
is ``{"ok": true, "redirect": <the ticket's target>}`` and the tab continues there
without solving (or asking the visitor for) anything.

Nothing is granted here: the visitor would pass the protected URL anyway with that
cookie. The ticket is opened only to learn its level and target (a same-origin path),
and only for the client it was issued to.
"""

from __future__ import annotations

from humangate.client.ip import IPAddress
from humangate.crypto.clearance import Clearance, Requirement
from humangate.crypto.tickets import TicketBook
from humangate.errors import TokenError
from humangate.http import answers
from humangate.http.request import Request, json_object
from humangate.http.response import Response

MAX_BODY = 8192
"""A ticket and a little JSON; anything larger is not the page script."""


def cleared_answer(
    request: Request,
    tickets: TicketBook,
    *,
    client_ip: IPAddress | None,
    user_agent: str,
    clearance: Clearance | None,
    now: float,
    skew: int,
) -> Response:
    """The answer to ``POST {prefix}cleared`` with ``{"ticket": "..."}``."""
    ray = answers.new_ray_id()
    token = _ticket_token(request.body) if len(request.body) <= MAX_BODY else None
    if token is None:
        return answers.problem(answers.Problems.BAD_REQUEST, 'Expected {"ticket": "..."}.', ray)
    try:
        ticket = tickets.open(token)
    except TokenError:
        return answers.json_response(200, {"ok": False}, ray)
    # Only for the client it was issued to, while it is valid: another browser learns
    # nothing about this ticket here. (A tab whose ticket expired reloads anyway.)
    if TicketBook.check_client(ticket, client_ip, user_agent, now, skew) is not None:
        return answers.json_response(200, {"ok": False}, ray)
    # The work too: a clearance paid at less than this ticket asks would send the tab
    # back to a route that challenges it again.
    need = Requirement(ticket.level, ticket.difficulty)
    if not need.met_by(clearance):
        return answers.json_response(200, {"ok": False}, ray)
    return answers.json_response(200, {"ok": True, "redirect": ticket.target}, ray)


def _ticket_token(body: bytes) -> str | None:
    data = json_object(body)
    token = data.get("ticket") if data is not None else None
    return token if isinstance(token, str) and token else None
