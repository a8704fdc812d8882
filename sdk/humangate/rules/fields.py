"""The field catalog: every name an expression may read, with its type.

Names and types follow Cloudflare's rules language so that expressions can be copied
between a Cloudflare dashboard and humangate. ``humangate.*`` fields are our own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from humangate.rules.types import BOOL, INT, IP, STRING, ArrayType, MapType, Type

_STRINGS = ArrayType(STRING)
_STRING_MAP = MapType(_STRINGS)

_CANONICAL: dict[str, Type] = {
    # Source address and geolocation.
    "ip.src": IP,
    "ip.src.country": STRING,
    "ip.src.continent": STRING,
    "ip.src.city": STRING,
    "ip.src.region": STRING,
    "ip.src.region_code": STRING,
    "ip.src.postal_code": STRING,
    "ip.src.timezone.name": STRING,
    "ip.src.asnum": INT,
    "ip.src.is_in_european_union": BOOL,
    # Request line and URI.
    "http.host": STRING,
    "http.request.method": STRING,
    "http.request.version": STRING,
    "http.request.uri": STRING,
    "http.request.uri.path": STRING,
    "http.request.uri.path.extension": STRING,
    "http.request.uri.query": STRING,
    "http.request.full_uri": STRING,
    "http.request.uri.args": _STRING_MAP,
    "http.request.uri.args.names": _STRINGS,
    "http.request.uri.args.values": _STRINGS,
    # The same, as sent, before normalisation (humangate.rules.uri).
    "raw.http.request.uri": STRING,
    "raw.http.request.uri.path": STRING,
    "raw.http.request.uri.query": STRING,
    "raw.http.request.full_uri": STRING,
    # Headers and cookies.
    "http.user_agent": STRING,
    "http.referer": STRING,
    "http.cookie": STRING,
    "http.x_forwarded_for": STRING,
    "http.request.headers": _STRING_MAP,
    "http.request.headers.names": _STRINGS,
    "http.request.headers.values": _STRINGS,
    "http.request.headers.truncated": BOOL,
    "http.request.accepted_languages": _STRINGS,
    "http.request.cookies": _STRING_MAP,
    "ssl": BOOL,
    "http.request.timestamp.sec": INT,
    "http.request.timestamp.msec": INT,
    # Bots, scores and clearance.
    "cf.bot_management.score": INT,
    "cf.bot_management.verified_bot": BOOL,
    "cf.bot_management.static_resource": BOOL,
    "cf.bot_management.js_detection.passed": BOOL,
    "cf.bot_management.ja3_hash": STRING,
    "cf.bot_management.ja4": STRING,
    "cf.bot_management.detection_ids": ArrayType(INT),
    "cf.threat_score": INT,
    "cf.ray_id": STRING,
    "http.request.clearance.uuid": STRING,
    # humangate's own.
    "humangate.clearance.level": STRING,
    "humangate.challenge.solved": BOOL,
    "humangate.service.verified": BOOL,
    "humangate.pat.valid": BOOL,
}

ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Deprecated Cloudflare names with the same values as their replacements.
        "ip.geoip.country": "ip.src.country",
        "ip.geoip.continent": "ip.src.continent",
        "ip.geoip.asnum": "ip.src.asnum",
        "ip.geoip.is_in_european_union": "ip.src.is_in_european_union",
        "cf.client.bot": "cf.bot_management.verified_bot",
    }
)
"""Alternative field names → the canonical name a :class:`FieldSource` is asked for."""

FIELDS: Final[Mapping[str, Type]] = MappingProxyType(
    {**_CANONICAL, **{alias: _CANONICAL[target] for alias, target in ALIASES.items()}}
)
"""Every field name an expression may use (aliases included) → its type."""

RESPONSE_FIELD_TYPES: Final[Mapping[str, Type]] = MappingProxyType({"http.response.code": INT})
"""Fields of the app's response. Only a rate limit's ``counting_expression`` may read
them: the request is then counted once the app has answered (see docs/rules.md)."""

RESPONSE_FIELDS: Final = frozenset(RESPONSE_FIELD_TYPES)

CLEARANCE_LEVELS: Final = ("none", "non_interactive", "managed", "interactive")
"""The values of ``humangate.clearance.level``, lowest first."""


def canonical(name: str) -> str:
    """The name a field is read under (aliases resolved)."""
    return ALIASES.get(name, name)
