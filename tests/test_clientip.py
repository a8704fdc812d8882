from __future__ import annotations

import ipaddress

import pytest

from humangate.clientip import ClientIPResolver, parse_ip
from humangate.errors import ConfigError


def resolve(
    trusted: int | list[str] | None, peer: str | None, *headers: tuple[str, str]
) -> str | None:
    address = ClientIPResolver(trusted).resolve(peer, headers)
    return None if address is None else str(address)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("192.0.2.1:8080", "192.0.2.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:192.0.2.9", "192.0.2.9"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("_hidden", None),
        ("", None),
        ("999.1.1.1", None),
    ],
)
def test_parse_ip(text: str, expected: str | None) -> None:
    parsed = parse_ip(text)
    assert (str(parsed) if parsed else None) == expected


def test_no_trust_ignores_forwarding_headers() -> None:
    # A spoofed X-Forwarded-For without a trusted proxy must not change the client.
    assert resolve(None, "203.0.113.5", ("x-forwarded-for", "198.51.100.1")) == "203.0.113.5"
    assert resolve(None, "203.0.113.5", ("forwarded", "for=198.51.100.1")) == "203.0.113.5"


def test_no_peer_is_unknown() -> None:
    assert resolve(None, None) is None
    assert resolve(["10.0.0.0/8"], None, ("x-forwarded-for", "198.51.100.1")) is None


def test_hop_count_takes_nth_from_right() -> None:
    headers = ("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2")
    assert resolve(1, "10.0.0.1", headers) == "10.0.0.2"
    assert resolve(2, "10.0.0.1", headers) == "198.51.100.7"


def test_hop_count_with_too_few_hops_fails_safe() -> None:
    assert resolve(2, "10.0.0.1", ("x-forwarded-for", "198.51.100.7")) == "10.0.0.1"


def test_duplicate_header_lines_are_joined_in_order() -> None:
    assert (
        resolve(1, "10.0.0.1", ("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7"))
        == "198.51.100.7"
    )
    assert (
        resolve(2, "10.0.0.1", ("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7"))
        == "6.6.6.6"
    )


def test_trusted_networks_walk_from_the_right() -> None:
    trusted = ["10.0.0.0/8", "2001:db8:ffff::/48"]
    headers = ("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.1.1")
    assert resolve(trusted, "10.0.0.1", headers) == "198.51.100.7"


def test_untrusted_peer_is_the_client_even_with_headers() -> None:
    headers = ("x-forwarded-for", "198.51.100.7")
    assert resolve(["10.0.0.0/8"], "203.0.113.9", headers) == "203.0.113.9"


def test_all_hops_trusted_takes_leftmost() -> None:
    headers = ("x-forwarded-for", "10.9.9.9, 10.1.1.1")
    assert resolve(["10.0.0.0/8"], "10.0.0.1", headers) == "10.9.9.9"


def test_garbage_in_chain_stops_at_last_trusted_address() -> None:
    headers = ("x-forwarded-for", "198.51.100.7, garbage, 10.1.1.1")
    assert resolve(["10.0.0.0/8"], "10.0.0.1", headers) == "10.1.1.1"


def test_ipv6_spellings_compare_as_addresses() -> None:
    headers = ("x-forwarded-for", "2001:db8::7")
    assert resolve(["2001:db8:ffff::/48"], "2001:DB8:FFFF:0::1", headers) == "2001:db8::7"


def test_forwarded_header_rfc7239() -> None:
    headers = ("forwarded", 'for=198.51.100.7;proto=https, for="[2001:db8::9]:1234"')
    assert resolve(1, "10.0.0.1", headers) == "2001:db8::9"
    assert resolve(2, "10.0.0.1", headers) == "198.51.100.7"


def test_x_forwarded_for_wins_over_forwarded() -> None:
    headers = (("forwarded", "for=1.1.1.1"), ("x-forwarded-for", "198.51.100.7"))
    assert resolve(1, "10.0.0.1", *headers) == "198.51.100.7"


def test_resolve_returns_address_objects() -> None:
    assert ClientIPResolver().resolve("192.0.2.1", ()) == ipaddress.ip_address("192.0.2.1")


@pytest.mark.parametrize("bad", [-1, 65, True, "10.0.0.0/8", ["not-an-ip"], 1.5])
def test_bad_trust_settings_are_config_errors(bad: object) -> None:
    with pytest.raises(ConfigError) as err:
        ClientIPResolver(bad)  # type: ignore[arg-type]
    assert err.value.field == "trusted_proxies"


SPOOF = ("x-forwarded-for", "1.2.3.4")


def test_a_hop_count_alone_lets_a_direct_client_choose_its_address() -> None:
    # Documented (getting-started.md): why trusted_proxy_peers exists.
    assert resolve(1, "203.0.113.9", SPOOF) == "1.2.3.4"


def test_with_proxy_peers_only_the_proxy_may_name_the_client() -> None:
    resolver = ClientIPResolver(1, ["10.0.0.0/8", "fd00::1"])
    assert str(resolver.resolve("203.0.113.9", [SPOOF])) == "203.0.113.9"  # came directly
    assert str(resolver.resolve("10.1.2.3", [SPOOF])) == "1.2.3.4"  # came through the proxy
    assert str(resolver.resolve("fd00::1", [SPOOF])) == "1.2.3.4"
    assert resolver.resolve(None, [SPOOF]) is None


@pytest.mark.parametrize(
    ("trusted", "peers"), [(None, ["10.0.0.0/8"]), (["10.0.0.0/8"], ["10.0.0.0/8"]), (1, ["x"])]
)
def test_proxy_peers_need_a_hop_count_and_real_networks(
    trusted: int | list[str] | None, peers: list[str]
) -> None:
    with pytest.raises(ConfigError, match="trusted_proxy_peers"):
        ClientIPResolver(trusted, peers)
