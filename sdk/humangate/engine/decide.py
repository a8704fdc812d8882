"""Deciding: the rule phases turn a visit into a verdict (pass, challenge or refuse).

The fields rules read are gathered here (clearance, service token, geo and bot fields on
demand), and the store's counters are tolerated per the owner's fault mode.
"""

from __future__ import annotations

from collections.abc import Callable

from humangate import faults
from humangate.client.geo import header_country
from humangate.client.ip import IPAddress
from humangate.crypto.clearance import Clearance
from humangate.effects import Flow
from humangate.engine.parts import Parts
from humangate.engine.visit import Visit
from humangate.http.request import Request
from humangate.levels import Level
from humangate.rules import ratelimit, service
from humangate.rules.context import RequestFields
from humangate.rules.phases import Match, Verdict


class Decider:
    __slots__ = ("_parts",)

    def __init__(self, parts: Parts) -> None:
        self._parts = parts

    def rule_fields(
        self, request: Request, ip: IPAddress | None, clearance: Clearance | None
    ) -> RequestFields:
        """The fields rules read for ``request`` (also used by ``humangate rules test``)."""
        parts = self._parts
        level = clearance.level if clearance else Level.NONE
        values: dict[str, object] = {
            "humangate.clearance.level": level.label,
            "http.request.clearance.uuid": clearance.id if clearance else "",
            # The browser signals' outcome, carried by the clearance (no clearance: unset
            # score, and JS detection has not passed); a JavaScript Detections result
            # counts for its own 15 minutes (humangate.jsd).
            "cf.bot_management.js_detection.passed": bool(
                clearance and clearance.js_detection_passed(parts.clock())
            ),
            # The clearance was earned with a valid Private Access Token (humangate.pat).
            "humangate.pat.valid": bool(clearance and clearance.pat),
        }
        if clearance is not None:
            values["cf.bot_management.score"] = clearance.score
        token = request.header(service.HEADER)
        verified = token is not None and parts.services.verify(token, parts.clock()) is not None
        values["humangate.service.verified"] = verified
        country = None
        header = parts.config.country_header
        if header and parts.peers.trusts(request.peer):
            country = header_country(request.header(header))
        return parts.phases.fields(
            lambda extra: RequestFields(request, ip, extra, uri_mode=parts.uri_mode),
            ip,
            request.user_agent,
            values,
            country,
        )

    def decide(self, visit: Visit) -> Flow[Verdict]:
        """Run the rule phases (humangate.rules.phases) for this visit."""
        parts = self._parts
        flow = parts.phases.decide(visit.fields, visit.ip, parts.clock(), visit.clearance)
        # Counters the store cannot give: "open" reads them as zero, "closed" as over the
        # limit (docs/storage.md, "Behaviour under faults"); never a 500.
        mode = parts.config.rate_limit_store_failure
        return (yield from faults.tolerate(flow, parts.store_warnings["rate limits"], mode))

    def response_counter(self, verdict: Verdict) -> Callable[[int], Flow[None]]:
        """Counts this request, once, for rate limits whose counting expression reads
        the response status; a store failure counts nothing (never an error)."""
        warn = self._parts.store_warnings["rate limits"]
        counted = False

        def count(status: int) -> Flow[None]:
            nonlocal counted
            if not counted:
                counted = True
                flow = ratelimit.count_response(verdict.pending, status)
                yield from faults.tolerate(flow, warn, "open")

        return count


def deciding_match(verdict: Verdict) -> Match | None:
    """The rule that decided (None when the default action or under-attack mode did)."""
    for match in reversed(verdict.matches):
        if match.phase == verdict.phase:
            return match
    return None
