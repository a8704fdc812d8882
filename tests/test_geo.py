"""Geo fields: the MaxMind reader, the CDN header and its trust rule."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from humangate import ConfigError
from humangate.geo import GeoInfo, MaxMindGeo, NoGeo, TrustedPeers, header_country, open_geo


def test_no_database_means_missing_fields() -> None:
    geo = open_geo(None, None)
    assert isinstance(geo, NoGeo)
    assert geo.lookup(ipaddress.ip_address("8.8.8.8")) == GeoInfo()


@pytest.mark.parametrize(
    ("value", "expected"), [("us", "US"), ("T1", "T1"), ("XX", "XX"), ("USA", None), ("", None)]
)
def test_header_country(value: str, expected: str | None) -> None:
    assert header_country(value) == expected


def test_trusted_peers() -> None:
    assert TrustedPeers(1).trusts("203.0.113.1")
    assert not TrustedPeers(None).trusts("10.0.0.1")
    cidrs = TrustedPeers(["10.0.0.0/8"])
    assert cidrs.trusts("10.2.3.4")
    assert not cidrs.trusts("11.0.0.1")
    assert not cidrs.trusts("garbage")


def test_missing_database_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="geoip_country_db"):
        MaxMindGeo(str(tmp_path / "none.mmdb"), None)


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """Small Country and ASN databases in MaxMind's format, written for this test."""
    folder = tmp_path_factory.mktemp("mmdb")
    country = MMDBWriter(ip_version=6, database_type="GeoIP2-Country", ipv4_compatible=True)
    country.insert_network(
        IPSet(["81.2.69.0/24"]), {"country": {"iso_code": "GB"}, "continent": {"code": "EU"}}
    )
    country.insert_network(
        IPSet(["2001:db8::/32"]),
        {"registered_country": {"iso_code": "DE"}, "continent": {"code": "EU"}},
    )
    asn = MMDBWriter(ip_version=6, database_type="GeoLite2-ASN", ipv4_compatible=True)
    asn.insert_network(IPSet(["1.128.0.0/11"]), {"autonomous_system_number": 1221})
    paths = str(folder / "country.mmdb"), str(folder / "asn.mmdb")
    country.to_db_file(paths[0])
    asn.to_db_file(paths[1])
    return paths


def test_maxmind_databases(databases: tuple[str, str]) -> None:
    geo = MaxMindGeo(*databases)
    assert geo.lookup(ipaddress.ip_address("81.2.69.160")) == GeoInfo("GB", "EU", None)
    assert geo.lookup(ipaddress.ip_address("1.130.0.1")).asn == 1221
    # Falls back to the registered country when there is no located country.
    assert geo.lookup(ipaddress.ip_address("2001:db8::5")).country == "DE"
    assert geo.lookup(ipaddress.ip_address("127.0.0.1")) == GeoInfo()
