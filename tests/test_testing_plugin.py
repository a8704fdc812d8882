"""The pytest plugin, as a site owner would use it in their own suite (via pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

OWNER_TESTS = """
from __future__ import annotations

import io

import pytest

from humangate.wsgi import HumanGate


def site(environ, start_response):
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"welcome"]


def call(app, headers):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen = {}
    body = b"".join(app(environ, lambda status, hs, exc=None: seen.update(status=status)))
    return int(seen["status"].split()[0]), body


@pytest.fixture
def app(humangate_config):
    return HumanGate(site, humangate_config)


def test_cleared_client_reaches_the_app(app, humangate_cleared_headers):
    assert call(app, humangate_cleared_headers) == (200, b"welcome")


def test_uncleared_client_is_challenged(app, humangate_uncleared_headers):
    status, body = call(app, humangate_uncleared_headers)
    assert status == 403 and b"humangate-challenge" in body


@pytest.mark.parametrize("humangate_level", ["non_interactive"])
def test_level_can_be_chosen(humangate_cookie, humangate_config):
    import ipaddress
    import time

    from humangate.clearance import ClearanceCodec
    from humangate.tokens import KeyRing

    codec = ClearanceCodec(KeyRing(humangate_config.secret_keys, ["clearance"]), 60, 0, 0)
    binding = humangate_config.clearance_binding.fingerprint(
        ipaddress.ip_address("127.0.0.1"), "humangate-test-client"
    )
    seen = codec.verify(humangate_cookie[1], binding, time.time())
    assert seen is not None and seen.level.label == "non_interactive"


def test_cookie_for_another_address_is_challenged(app, humangate_cleared_headers):
    # The owner's client sends another address than the fixture assumed.
    def other(environ, start_response):
        environ["REMOTE_ADDR"] = "203.0.113.5"
        return app(environ, start_response)
    assert call(other, humangate_cleared_headers)[0] == 403
"""


def test_plugin_fixtures_in_an_owner_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_owner=OWNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_owner_overrides_config_and_client(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from humangate import Config

        SECRET = "owner-secret-0123456789abcdefghijklmnopqrstuvwxyz"

        @pytest.fixture
        def humangate_config():
            return Config(secret_keys=[SECRET], store="memory://", cookie_name="site_gate")

        @pytest.fixture
        def humangate_client_ip():
            return None  # Starlette's TestClient: host "testclient"
        """
    )
    pytester.makepyfile(
        """
        from humangate import Config
        from humangate.clearance import ClearanceCodec
        from humangate.tokens import KeyRing

        def test_cookie_uses_the_owner_config(humangate_cookie, humangate_config):
            name, value = humangate_cookie
            assert name == "site_gate"
            codec = ClearanceCodec(KeyRing(humangate_config.secret_keys, ["clearance"]), 60, 0, 0)
            binding = humangate_config.clearance_binding.fingerprint(
                None, "humangate-test-client"
            )
            import time
            assert codec.verify(value, binding, time.time()) is not None
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
