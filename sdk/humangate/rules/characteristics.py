"""Rate-limit characteristics: what one counter is per (``ip.src``, ``ip.src/24``,
``http.request.headers["name"]``, ...), parsed into readers of the request's fields."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from humangate.errors import ConfigError
from humangate.rules.values import MISSING, FieldSource

_PREFIX = re.compile(r"ip\.src/(\d{1,3})")
_HEADER = re.compile(r'http\.request\.headers\["([a-z0-9!#$%&\'*+.^_`|~-]+)"\]')
_PLAIN = frozenset(
    {
        "ip.src",
        "ip.src.asnum",
        "ip.src.country",
        "http.request.clearance.uuid",
        "http.host",
        "http.request.uri.path",
    }
)
IPV6_GROUP = 64  # an IPv6 client is counted per /64, the smallest network one user gets

# Reads one characteristic's value from the request's fields ("" when missing).
Reader = Callable[[FieldSource], str]


def parse_characteristic(name: str) -> Reader:
    """A reader for ``name``; ConfigError for a characteristic humangate cannot count by."""
    if name in _PLAIN:
        return lambda fields: _text(fields.get(name))
    if match := _PREFIX.fullmatch(name):
        bits = int(match.group(1))
        if not 1 <= bits <= 32:
            raise ConfigError("rate_limit.characteristics", f"{name}: IPv4 prefix 1..32")
        return lambda fields: _network(fields.get("ip.src"), bits)
    if match := _HEADER.fullmatch(name):
        header = match.group(1)
        return lambda fields: _header(fields, header)
    raise ConfigError(
        "rate_limit.characteristics",
        f"{name!r}: use ip.src, ip.src/<bits>, ip.src.asnum, ip.src.country, "
        "http.request.clearance.uuid, http.host, http.request.uri.path or "
        'http.request.headers["name"]',
    )


def _text(value: object) -> str:
    return "" if value is MISSING else str(value)


def _network(value: object, bits: int) -> str:
    if isinstance(value, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((value, bits), strict=False))
    if isinstance(value, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((value, IPV6_GROUP), strict=False))
    return ""


def _header(fields: FieldSource, name: str) -> str:
    headers = fields.get("http.request.headers")
    values = headers.get(name) if isinstance(headers, dict) else None
    return ",".join(values) if values else ""
