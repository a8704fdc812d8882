"""The JavaScript Detections settings are checked when the Config is built."""

from __future__ import annotations

import pytest

from humangate import Config, ConfigError
from tests.conftest import SECRET


def make(**settings: object) -> Config:
    return Config(secret_keys=[SECRET], store="memory://", **settings)  # type: ignore[arg-type]


def test_off_by_default() -> None:
    config = make()
    assert config.js_detections is False
    assert config.js_detections_paths == ()
    assert config.js_detections_expression is None


def test_from_a_table() -> None:
    config = Config.from_mapping(
        {
            "secret_keys": [SECRET],
            "store": "memory://",
            "js_detections": True,
            "js_detections_paths": "/shop/*",
        }
    )
    assert config.js_detections_paths == ("/shop/*",)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"js_detections": "yes"}, "js_detections"),
        ({"js_detections_paths": ["shop/*"]}, "js_detections_paths[0]"),
        ({"js_detections_paths": ["/a/**"]}, "js_detections_paths[0]"),
        ({"js_detections_paths": [1]}, "js_detections_paths"),
        ({"js_detections_expression": "http.request.uri.path eq"}, "js_detections_expression"),
        ({"js_detections_expression": " "}, "js_detections_expression"),
    ],
)
def test_bad_values_name_the_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        make(**settings)
    assert raised.value.field == field  # type: ignore[attr-defined]
