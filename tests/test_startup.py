"""A wrong store fails when the gate is built (every adapter), not per request."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import flask
import pytest

from humangate import Config
from humangate.asgi import HumanGate as ASGIGate
from humangate.contrib.flask import HumanGate
from humangate.errors import ConfigError
from humangate.startup import check_store
from humangate.wsgi import HumanGate as WSGIGate
from tests.conftest import SECRET
from tests.stores.redis_server import free_port


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.sleep(0)


def settings(**overrides: Any) -> dict[str, Any]:
    return {"secret_keys": [SECRET], **overrides}


def test_config_refuses_a_mistyped_store_option() -> None:
    with pytest.raises(ConfigError, match="did you mean 'prefix'"):
        Config(**settings(store="redis://127.0.0.1:6379/0?prefx=myapp:"))


def test_missing_redis_driver_fails_in_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "humangate.stores.redis", raising=False)
    with pytest.raises(ConfigError, match=r"humangate\[redis\]"):
        Config(**settings(store="redis://127.0.0.1:6379/0"))


@pytest.mark.parametrize("gate", [WSGIGate, ASGIGate])
def test_missing_sqlite_directory_fails_when_the_gate_is_built(gate: Any, tmp_path: Path) -> None:
    config = Config(**settings(store=f"sqlite:///{tmp_path}/missing/gate.db"))
    app = wsgi_app if gate is WSGIGate else asgi_app
    with pytest.raises(ConfigError, match="does not exist"):
        gate(app, config)


def test_flask_init_app_fails_for_an_unusable_store(tmp_path: Path) -> None:
    app = flask.Flask(__name__)
    app.config["HUMANGATE"] = settings(store=f"sqlite:///{tmp_path}/missing/gate.db")
    with pytest.raises(ConfigError, match="does not exist"):
        HumanGate(app)


def test_unreachable_redis_warns_at_start_with_address_and_consequence(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    with caplog.at_level(logging.WARNING, logger="humangate"):
        WSGIGate(wsgi_app, Config(**settings(store=f"redis://127.0.0.1:{port}/0")))
    messages = [r.getMessage() for r in caplog.records if "Redis" in r.getMessage()]
    assert len(messages) == 1
    assert f"127.0.0.1:{port}" in messages[0]
    assert "challenges cannot be solved" in messages[0]
    assert "rate limits are not enforced" in messages[0]


def test_unreachable_redis_can_be_an_error() -> None:
    config = Config(**settings(store=f"redis://127.0.0.1:{free_port()}/0", store_check="error"))
    with pytest.raises(ConfigError, match="cannot reach Redis"):
        WSGIGate(wsgi_app, config)


def test_store_failure_open_changes_what_the_warning_promises() -> None:
    config = Config(**settings(store=f"redis://127.0.0.1:{free_port()}/0", store_failure="open"))
    warning = check_store(config)
    assert warning is not None
    assert "accepted unrecorded" in warning


def test_checks_can_be_switched_off(tmp_path: Path) -> None:
    config = Config(**settings(store=f"sqlite:///{tmp_path}/missing/gate.db", store_check="off"))
    assert check_store(config) is None


def test_store_check_value_is_validated() -> None:
    with pytest.raises(ConfigError, match="store_check"):
        Config(**settings(store="memory://", store_check="maybe"))
