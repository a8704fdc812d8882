"""Which address is the client? Only configured trusted proxies may say otherwise.

Two modes, as the two well-known Python implementations do it:

* a hop count (werkzeug ``ProxyFix``): the proxy chain in front of the app has exactly N
  proxies, so the client is the N-th address from the right of ``X-Forwarded-For``.
  A client that reaches the app directly, past the proxy, writes that header itself and
  so chooses its address; ``proxy_peers`` (``Config.trusted_proxy_peers``) closes that:
  the header is read only when the socket peer is in one of those networks;
* a list of trusted networks (uvicorn): when the socket peer is trusted, walk
  ``X-Forwarded-For`` from the right and take the first address that is not trusted.

With no trust configured the socket peer is the client, whatever the headers say.
Anything unparsable fails safe: the answer falls back to the nearest address we do trust
to be real, never to a value the client chose.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

from humangate.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A forwarded chain longer than this is attacker noise, not a real proxy chain.
MAX_FORWARDED_HOPS = 64


@functools.lru_cache(maxsize=4096)
def parse_ip(text: str) -> IPAddress | None:
    """An address from a header or socket, or None. IPv4-mapped IPv6 becomes IPv4.

    Cached: the same few peers (a proxy, returning visitors) ask on every request, and
    ipaddress parsing is a measurable part of the pass path. Results are immutable.
    """
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" (Forwarded, RFC 7239)
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:8080"
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # zone ids never identify a remote client
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ClientIPResolver:
    """Resolves the client address from the socket peer and forwarding headers."""

    __slots__ = ("_hops", "_networks", "_peers")

    def __init__(
        self, trusted_proxies: int | Sequence[str] | None = None, proxy_peers: Sequence[str] = ()
    ) -> None:
        self._hops = 0
        self._networks: tuple[IPNetwork, ...] = ()
        self._peers = parse_networks("trusted_proxy_peers", proxy_peers)
        if self._peers and not (isinstance(trusted_proxies, int) and trusted_proxies > 0):
            raise ConfigError(
                "trusted_proxy_peers",
                "only with a hop count in trusted_proxies (a list of "
                "networks already checks the peer)",
            )
        if trusted_proxies is None:
            return
        if isinstance(trusted_proxies, bool) or not isinstance(trusted_proxies, int | list | tuple):
            raise ConfigError(
                "trusted_proxies", "expected a hop count (int) or a list of CIDR strings"
            )
        if isinstance(trusted_proxies, int):
            if not 0 <= trusted_proxies <= MAX_FORWARDED_HOPS:
                raise ConfigError("trusted_proxies", f"hop count must be 0..{MAX_FORWARDED_HOPS}")
            self._hops = trusted_proxies
            return
        self._networks = parse_networks("trusted_proxies", trusted_proxies)

    @property
    def reads_headers(self) -> bool:
        """Whether resolving reads FORWARDED_HEADERS (only with trusted proxies)."""
        return bool(self._hops or self._networks)

    def resolve(self, peer: str | None, headers: Iterable[tuple[str, str]]) -> IPAddress | None:
        """The client's address, or None when nothing trustworthy is known."""
        peer_ip = parse_ip(peer) if peer else None
        if not self._hops and not self._networks:
            return peer_ip
        chain = _forwarded_chain(headers)
        if self._hops:
            return self._by_hop_count(peer_ip, chain)
        return self._by_trusted_networks(peer_ip, chain)

    def _by_hop_count(self, peer_ip: IPAddress | None, chain: list[str]) -> IPAddress | None:
        if self._peers and (peer_ip is None or not any(peer_ip in n for n in self._peers)):
            return peer_ip  # not from our proxy: whatever the header says, the client wrote
        if len(chain) < self._hops:
            return peer_ip  # fewer hops than promised: the header is not from our proxies
        return parse_ip(chain[-self._hops]) or peer_ip

    def _by_trusted_networks(self, peer_ip: IPAddress | None, chain: list[str]) -> IPAddress | None:
        if peer_ip is None or not self._is_trusted(peer_ip):
            return peer_ip
        nearest = peer_ip
        for entry in reversed(chain):
            hop = parse_ip(entry)
            if hop is None:
                return nearest  # garbage in the chain: stop at the last address we trust
            if not self._is_trusted(hop):
                return hop
            nearest = hop
        return nearest  # every hop trusted: the leftmost is the client

    def _is_trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self._networks)


def parse_networks(field: str, entries: Sequence[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (or single addresses) as networks; ConfigError naming ``field``."""
    if isinstance(entries, str):
        entries = (entries,)
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ConfigError(field, f"{entry!r} is not an IP address or CIDR network") from None
    return tuple(networks)


FORWARDED_HEADERS = ("x-forwarded-for", "forwarded")  # every header resolve() reads


def _forwarded_chain(headers: Iterable[tuple[str, str]]) -> list[str]:
    """Addresses from X-Forwarded-For (all lines joined, in order), else Forwarded."""
    xff: list[str] = []
    forwarded: list[str] = []
    for name, value in headers:
        if name == "x-forwarded-for":
            xff.extend(part.strip() for part in value.split(","))
        elif name == "forwarded":
            forwarded.extend(_forwarded_for_values(value))
    chain = xff or forwarded
    return [entry for entry in chain if entry][-MAX_FORWARDED_HOPS:]


def _forwarded_for_values(value: str) -> list[str]:
    """The ``for=`` parameter of each element of an RFC 7239 Forwarded header."""
    found = []
    for element in value.split(","):
        for pair in element.split(";"):
            key, sep, raw = pair.strip().partition("=")
            if sep and key.strip().lower() == "for":
                found.append(raw.strip().strip('"'))
    return found
