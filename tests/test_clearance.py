from __future__ import annotations

import ipaddress

import pytest

from humangate import clearance as clearance_module
from humangate.clearance import Binding, ClearanceCodec
from humangate.errors import ConfigError
from humangate.levels import Level
from humangate.tokens import KeyRing
from tests.conftest import SECRET

NOW = 1_800_000_000.0
UA = "Mozilla/5.0 test"
TTL, SKEW, XHR = 1800, 300, 3600


@pytest.fixture
def codec() -> ClearanceCodec:
    return ClearanceCodec(KeyRing([SECRET], ("clearance",)), ttl=TTL, skew=SKEW, xhr_grace=XHR)


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def test_default_binding_is_slash24_and_slash64_plus_user_agent() -> None:
    binding = Binding()
    assert binding.fingerprint(ip("198.51.100.7"), UA) == binding.fingerprint(
        ip("198.51.100.200"), UA
    )
    assert binding.fingerprint(ip("198.51.100.7"), UA) != binding.fingerprint(
        ip("198.51.101.7"), UA
    )
    assert binding.fingerprint(ip("2001:db8:1:2::1"), UA) == binding.fingerprint(
        ip("2001:db8:1:2:ffff::9"), UA
    )
    assert binding.fingerprint(ip("2001:db8:1:2::1"), UA) != binding.fingerprint(
        ip("2001:db8:1:3::1"), UA
    )
    assert binding.fingerprint(ip("198.51.100.7"), UA) != binding.fingerprint(
        ip("198.51.100.7"), UA + "x"
    )


def test_exact_address_binding() -> None:
    exact = Binding(ipv4_prefix=32, ipv6_prefix=128)
    assert exact.fingerprint(ip("198.51.100.7"), UA) != exact.fingerprint(ip("198.51.100.8"), UA)


def test_binding_without_user_agent() -> None:
    loose = Binding(user_agent=False)
    assert loose.fingerprint(ip("198.51.100.7"), "a") == loose.fingerprint(ip("198.51.100.7"), "b")


def test_binding_never_contains_raw_address() -> None:
    assert "198.51" not in Binding().fingerprint(ip("198.51.100.7"), UA)


@pytest.mark.parametrize(("v4", "v6"), [(33, 64), (-1, 64), (24, 129)])
def test_bad_prefixes(v4: int, v6: int) -> None:
    with pytest.raises(ConfigError):
        Binding(ipv4_prefix=v4, ipv6_prefix=v6)


def test_issue_and_verify(codec: ClearanceCodec) -> None:
    bound = Binding().fingerprint(ip("198.51.100.7"), UA)
    clearance, value = codec.issue(Level.MANAGED, bound, NOW)
    assert len(value) < 4096
    verified = codec.verify(value, bound, NOW + 10)
    assert verified == clearance
    assert verified.level is Level.MANAGED
    assert verified.expires_at == int(NOW) + TTL


def test_wrong_binding_is_refused(codec: ClearanceCodec) -> None:
    bound = Binding().fingerprint(ip("198.51.100.7"), UA)
    other = Binding().fingerprint(ip("203.0.113.7"), UA)
    _, value = codec.issue(Level.INTERACTIVE, bound, NOW)
    assert codec.verify(value, other, NOW) is None


def test_expiry_with_skew_and_xhr_grace(codec: ClearanceCodec) -> None:
    _, value = codec.issue(Level.MANAGED, "b", NOW)
    assert codec.verify(value, "b", NOW + TTL + SKEW - 1) is not None
    assert codec.verify(value, "b", NOW + TTL + SKEW + 1) is None
    assert codec.verify(value, "b", NOW + TTL + SKEW + XHR - 1, background=True) is not None
    assert codec.verify(value, "b", NOW + TTL + SKEW + XHR + 1, background=True) is None


def test_cookie_from_the_future_is_refused(codec: ClearanceCodec) -> None:
    _, value = codec.issue(Level.MANAGED, "b", NOW)
    assert codec.verify(value, "b", NOW - SKEW - 1) is None


@pytest.mark.parametrize("value", ["", "garbage", "A" * 5000, "é"])
def test_garbage_cookie_is_none(codec: ClearanceCodec, value: str) -> None:
    assert codec.verify(value, "b", NOW) is None


def test_ticket_cannot_be_used_as_clearance() -> None:
    ring = KeyRing([SECRET], ("ticket", "clearance"))
    codec = ClearanceCodec(ring, ttl=TTL, skew=SKEW, xhr_grace=XHR)
    forged = ring.seal(
        "ticket",
        {"l": 3, "i": int(NOW), "e": int(NOW) + 99, "b": "b", "u": "x", "s": 99, "j": None},
    )
    assert codec.verify(forged, "b", NOW) is None


# -- the per-process cache of opened cookies (the pass path's speed) ---------------------


def test_a_cached_cookie_is_still_checked_for_time_and_binding(codec: ClearanceCodec) -> None:
    binding = Binding().fingerprint(ip("198.51.100.7"), UA)
    _, value = codec.issue(Level.MANAGED, binding, NOW)
    assert codec.verify(value, binding, NOW) is not None  # now cached
    other = Binding().fingerprint(ip("203.0.113.9"), UA)
    assert codec.verify(value, other, NOW) is None
    assert codec.verify(value, binding, NOW + TTL + SKEW + 1) is None
    assert codec.verify(value, binding, NOW + TTL + SKEW + 1, background=True) is not None
    assert codec.verify(value, binding, NOW - SKEW - 1) is None


def test_only_authentic_values_are_cached(codec: ClearanceCodec) -> None:
    binding = Binding().fingerprint(ip("198.51.100.7"), UA)
    _, value = codec.issue(Level.MANAGED, binding, NOW)
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    for _ in range(2):  # a second try must not find a cached answer either
        assert codec.verify(forged, binding, NOW) is None
    assert codec.verify(value, binding, NOW) is not None


def test_the_cache_is_bounded(codec: ClearanceCodec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clearance_module, "OPENED_CACHE_SIZE", 3)
    binding = Binding().fingerprint(ip("198.51.100.7"), UA)
    values = [codec.issue(Level.MANAGED, binding, NOW)[1] for _ in range(10)]
    for value in values:
        assert codec.verify(value, binding, NOW) is not None
    assert len(codec._opened) <= 3
    assert all(codec.verify(value, binding, NOW) is not None for value in values)
