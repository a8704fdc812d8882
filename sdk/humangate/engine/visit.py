"""The visit: what the engine knows about the client making this request, built once.

The client address, the clearance binding, the clearance itself (verified, current),
the "forget this bad cookie" header and the rule fields (geo and bot fields computed
only when read) are worked out here once, however many stages read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from humangate.client.ip import IPAddress
from humangate.crypto.clearance import Clearance
from humangate.engine.outcome import HeaderList
from humangate.engine.parts import Parts
from humangate.http.request import Request
from humangate.levels import Level
from humangate.rules.context import RequestFields

FieldsOf = Callable[[Request, IPAddress | None, Clearance | None], RequestFields]


class Visit:
    __slots__ = (
        "_fields",
        "_fields_of",
        "_ip_text",
        "bad_cookie",
        "binding",
        "clearance",
        "forget",
        "ip",
        "locates",
        "request",
        "user_agent",
    )

    def __init__(
        self,
        request: Request,
        *,
        user_agent: str,
        ip: IPAddress | None,
        binding: str,
        clearance: Clearance | None,
        forget: HeaderList,
        fields_of: FieldsOf,
        locates: bool = True,
    ) -> None:
        self.request = request
        self.ip = ip
        self.user_agent = user_agent  # the request's, read once by visit_of
        self.binding = binding
        self.clearance = clearance
        self.bad_cookie = bool(forget)
        # Set-Cookie lines that clear a clearance cookie which did not verify.
        self.forget = forget
        self._fields_of = fields_of
        self._fields: RequestFields | None = None
        self._ip_text: str | None = None
        # Whether a country or network can be known at all (a geo database or a trusted
        # country header is configured): when not, events need no rule fields built.
        self.locates = locates

    @property
    def fields(self) -> RequestFields:
        """The fields rules read for this request (see :mod:`humangate.rules.context`)."""
        if self._fields is None:
            self._fields = self._fields_of(self.request, self.ip, self.clearance)
        return self._fields

    def without_clearance(self) -> Visit:
        """This visit as if no clearance were held (over a challenge-action rate limit)."""
        visit = Visit(
            self.request,
            user_agent=self.user_agent,
            ip=self.ip,
            binding=self.binding,
            clearance=None,
            forget=self.forget,
            fields_of=self._fields_of,
            locates=self.locates,
        )
        visit._fields = self._fields  # country and ASN do not depend on the clearance
        return visit

    @property
    def ip_text(self) -> str:
        """The client address as text ("" when unknown): a challenge writes it into the
        ticket and the page, and writing an address out is not cheap."""
        if self._ip_text is None:
            self._ip_text = str(self.ip) if self.ip is not None else ""
        return self._ip_text

    @property
    def country(self) -> str:
        country = self.fields.get("ip.src.country")
        return country if isinstance(country, str) else ""

    def where(self, log_client_ip: bool) -> dict[str, object]:
        """Country/ASN for an event when known, and the client IP only if the owner opted
        in (``log_client_ip``). Only on non-pass paths: a lookup is not free."""
        country, asn, client_ip = self.located(log_client_ip)
        where: dict[str, object] = {"country": country, "asn": asn}
        if client_ip is not None:
            where["client_ip"] = client_ip
        return where

    def located(self, log_client_ip: bool) -> tuple[str | None, int | None, str | None]:
        """:meth:`where` as (country, ASN, client IP), each None when not known or not
        to be recorded."""
        country: str | None = None
        asn: int | None = None
        if self.locates:
            fields = self.fields
            found, number = fields.get("ip.src.country"), fields.get("ip.src.asnum")
            if isinstance(found, str) and len(found) == 2:
                country = found
            if type(number) is int:
                asn = number
        client_ip = self.ip_text if log_client_ip and self.ip is not None else None
        return country, asn, client_ip


def _result_only(clearance: Clearance) -> Clearance:
    """An expired clearance's current detection result, without its level."""
    return replace(clearance, level=Level.NONE, work=0, pat=False)


def visit_of(request: Request, parts: Parts, fields_of: FieldsOf) -> Visit:
    """The visit for ``request``: its client address and the clearance it holds."""
    ip = parts.resolver.resolve(request.peer, request.headers)
    user_agent = request.user_agent
    binding = parts.config.clearance_binding.fingerprint(ip, user_agent)
    value = request.cookies.get(parts.cookies.name_for(request.scheme))
    clearance = parts.clearances.bound(value, binding) if value else None
    if clearance is not None:
        now = parts.clock()
        codec = parts.clearances
        # XHR/fetch get extra grace past expiry; ask only when it could matter.
        if not codec.is_current(clearance, now) and not (
            request.is_background_fetch and codec.is_current(clearance, now, background=True)
        ):
            # A JavaScript Detections result may outlive the level (humangate.jsd): the
            # result still counts for rules, the level no longer does.
            clearance = _result_only(clearance) if codec.js_current(clearance, now) else None
    forget = (parts.cookies.clear(request.scheme),) if value and clearance is None else ()
    return Visit(
        request,
        user_agent=user_agent,
        ip=ip,
        binding=binding,
        clearance=clearance,
        forget=forget,
        fields_of=fields_of,
        locates=parts.phases.locates,
    )
