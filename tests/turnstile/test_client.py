"""humangate.turnstile.verify: in process (no HTTP hop) and against a remote siteverify."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from humangate.turnstile import DUMMY_TOKEN, NoSiteverify, client, verify
from tests.support import WSGIClient
from tests.turnstile.support import WIDGET_SECRET, gate, serve_http, widget_token


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "_gates", {})
    monkeypatch.delenv(client.URL_ENV, raising=False)


@pytest.fixture
def served() -> Iterator[tuple[WSGIClient, str]]:
    """A gate served over real HTTP on a free port, and a client of the same gate."""
    app = gate()
    with serve_http(app) as base:
        yield WSGIClient(app, ip="127.0.0.1"), f"{base}siteverify"


def test_in_process_verify_uses_the_gates_store() -> None:
    browser = WSGIClient(gate())
    value = widget_token(browser)
    result = verify(value, secret=WIDGET_SECRET, remoteip=browser.ip)
    assert result.success and result.hostname == "testserver"
    assert verify(value, secret=WIDGET_SECRET).error_codes == ("timeout-or-duplicate",)


def test_in_process_and_http_share_single_use(served: tuple[WSGIClient, str]) -> None:
    browser, url = served
    value = widget_token(browser)
    assert verify(value, secret=WIDGET_SECRET, url=url).success
    assert verify(value, secret=WIDGET_SECRET).error_codes == ("timeout-or-duplicate",)


def test_remote_verify_with_idempotency_key(served: tuple[WSGIClient, str]) -> None:
    browser, url = served
    value = widget_token(browser, a="signup")
    key = "0d3c1b7e-3c47-4c7e-a1a4-8b0c8e9a5a11"
    first = verify(value, secret=WIDGET_SECRET, url=url, idempotency_key=key, remoteip="127.0.0.1")
    again = verify(value, secret=WIDGET_SECRET, url=url, idempotency_key=key)
    assert first.success and again.success and first.action == again.action == "signup"


def test_remote_verify_reads_failures(served: tuple[WSGIClient, str]) -> None:
    _, url = served
    assert verify("forged", secret=WIDGET_SECRET, url=url).error_codes == (
        "invalid-input-response",
    )


def test_unreachable_siteverify_is_a_retryable_error() -> None:
    result = verify("x", secret=WIDGET_SECRET, url="http://127.0.0.1:9/siteverify", timeout=2)
    assert not result.success and result.error_codes == ("internal-error",)


def test_url_from_the_environment(served: tuple[WSGIClient, str], monkeypatch) -> None:
    browser, url = served
    monkeypatch.setenv(client.URL_ENV, url)
    monkeypatch.setattr(client, "_gates", {})  # only the URL can answer now
    assert verify(widget_token(browser), secret=WIDGET_SECRET).success


def test_test_secrets_need_no_gate() -> None:
    assert verify(DUMMY_TOKEN, secret="1x0000000000000000000000000000000AA").success
    assert not verify(DUMMY_TOKEN, secret="2x0000000000000000000000000000000AA").success


def test_without_gate_or_url_the_mistake_is_explained() -> None:
    with pytest.raises(NoSiteverify, match="url="):
        verify("x", secret=WIDGET_SECRET)


def test_an_unknown_secret_with_a_gate_is_invalid() -> None:
    gate()
    assert verify("x", secret="0x" + "z" * 30).error_codes == ("invalid-input-secret",)
