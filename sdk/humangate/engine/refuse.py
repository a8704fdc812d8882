"""Refusing: the block (403) and rate-limit (429) answers, a page for browsers and a
problem document for the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from humangate import pages
from humangate.engine.outcome import HeaderList
from humangate.engine.parts import Parts
from humangate.engine.visit import Visit
from humangate.events import Kind
from humangate.http import answers
from humangate.http.response import Response
from humangate.rules.ratelimit import Limited


@dataclass(frozen=True, slots=True)
class _Refusal:
    """What differs between a block (403) and a rate limit (429) answer."""

    problem: answers.ProblemKind
    page: Literal["block", "rate_limited"]
    event: Kind
    detail: str
    extra_fields: dict[str, object] | None = None


_BLOCKED = _Refusal(
    answers.Problems.BLOCKED, "block", Kind.BLOCKED, "The site owner does not allow this request."
)


class Refuser:
    __slots__ = ("_parts",)

    def __init__(self, parts: Parts) -> None:
        self._parts = parts

    def block(self, visit: Visit, rule: str | None = None) -> Response:
        return self._refuse(visit, _BLOCKED, visit.forget, rule)

    def rate_limited(self, visit: Visit, limited: Limited, rule: str | None = None) -> Response:
        refusal = _Refusal(
            answers.Problems.RATE_LIMITED,
            "rate_limited",
            Kind.RATE_LIMITED,
            f"Slow down; retry after {limited.retry_after} seconds.",
            {"retry_after": limited.retry_after},
        )
        headers = (("retry-after", str(limited.retry_after)), *visit.forget)
        return self._refuse(visit, refusal, headers, rule)

    def _refuse(
        self, visit: Visit, refusal: _Refusal, headers: HeaderList, rule: str | None
    ) -> Response:
        parts = self._parts
        request = visit.request
        ray = answers.new_ray_id()
        parts.observe(
            refusal.event,
            ray,
            path=request.path,
            rule=rule,
            action="block",
            **visit.where(parts.config.log_client_ip),
        )
        if not request.accepts_html or request.websocket:
            return answers.problem(
                refusal.problem,
                refusal.detail,
                ray,
                extra_fields=refusal.extra_fields,
                extra_headers=headers,
            )
        nonce = answers.new_nonce()
        body = pages.block_page(
            language=parts.page_language(request),
            nonce=nonce,
            host=request.host,
            ray=ray,
            client_ip=visit.ip_text,
            favicon_url=parts.favicon_url(),
            kind=refusal.page,
        )
        response = answers.html_response(refusal.problem.status, body, ray, nonce, headers)
        return answers.head_aware(request, response)
