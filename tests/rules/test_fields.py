from __future__ import annotations

import pytest

from humangate.rules import FIELDS
from humangate.rules.fields import ALIASES, CLEARANCE_LEVELS, canonical
from humangate.rules.types import BOOL, INT, IP, STRING, ArrayType, MapType


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("ip.src", IP),
        ("ip.src.country", STRING),
        ("ip.src.continent", STRING),
        ("ip.src.asnum", INT),
        ("ip.geoip.country", STRING),
        ("ip.geoip.asnum", INT),
        ("ip.geoip.continent", STRING),
        ("http.host", STRING),
        ("http.request.uri", STRING),
        ("http.request.uri.path", STRING),
        ("http.request.uri.query", STRING),
        ("http.request.full_uri", STRING),
        ("http.request.uri.args", MapType(ArrayType(STRING))),
        ("http.request.method", STRING),
        ("http.request.version", STRING),
        ("http.user_agent", STRING),
        ("http.referer", STRING),
        ("http.cookie", STRING),
        ("http.x_forwarded_for", STRING),
        ("http.request.headers", MapType(ArrayType(STRING))),
        ("http.request.headers.names", ArrayType(STRING)),
        ("http.request.headers.values", ArrayType(STRING)),
        ("http.request.cookies", MapType(ArrayType(STRING))),
        ("ssl", BOOL),
        ("cf.bot_management.score", INT),
        ("cf.bot_management.verified_bot", BOOL),
        ("cf.client.bot", BOOL),
        ("cf.bot_management.js_detection.passed", BOOL),
        ("cf.ray_id", STRING),
        ("http.request.timestamp.sec", INT),
        ("http.request.clearance.uuid", STRING),
        ("humangate.clearance.level", STRING),
        ("humangate.challenge.solved", BOOL),
        ("humangate.service.verified", BOOL),
    ],
)
def test_catalog_types(name: str, type_: object) -> None:
    assert FIELDS[name] == type_


def test_aliases_have_their_targets_type() -> None:
    for alias, target in ALIASES.items():
        assert FIELDS[alias] == FIELDS[target]
        assert canonical(alias) == target
    assert canonical("http.host") == "http.host"


def test_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        FIELDS["x"] = STRING  # type: ignore[index]


def test_clearance_levels_lowest_first() -> None:
    assert CLEARANCE_LEVELS == ("none", "non_interactive", "managed", "interactive")


def test_type_names() -> None:
    assert str(MapType(ArrayType(STRING))) == "Map<Array<String>>"
