"""IP access rule targets: an IP, a CIDR, an ASN (``AS13335``) or a country code."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from humangate.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_ASN = re.compile(r"AS(\d{1,10})", re.IGNORECASE)
_COUNTRY = re.compile(r"[A-Z][A-Z0-9]")


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # ip | ip_range | asn | country
    network: Network | None = None
    asn: int | None = None
    country: str | None = None


def parse_target(value: str) -> Target:
    """``203.0.113.7``, ``203.0.113.0/24``, ``2001:db8::/48``, ``AS13335`` or ``US``."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("ip_access_rule.value", "an IP, CIDR, ASN (AS13335) or country")
    text = value.strip()
    if match := _ASN.fullmatch(text):
        return Target("asn", asn=int(match.group(1)))
    if _COUNTRY.fullmatch(text):
        return Target("country", country=text)
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise ConfigError(
            "ip_access_rule.value",
            f"{value!r} is not an IP, CIDR (host bits zero), ASN (AS13335) or country code",
        ) from None
    single = network.num_addresses == 1 and "/" not in text
    return Target("ip" if single else "ip_range", network=network)
