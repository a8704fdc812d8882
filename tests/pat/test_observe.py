"""Private Access Tokens presented, valid and refused by reason: in the event log, in
Prometheus and on the dashboard, summed over the shared store."""

from __future__ import annotations

import logging
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from humangate import PatIssuer
from tests.observe.helpers import gate, scrape
from tests.pat.issuer import TestIssuer
from tests.pat.test_adversary import page, redeem, token_header, valid_token
from tests.support import WSGIClient


def presented(issuer: TestIssuer) -> WSGIClient:
    """Two valid tokens, one replayed, one forged, one grease-typed, one malformed."""
    client = WSGIClient(
        gate(
            default_action="managed_challenge",
            private_access_tokens=[PatIssuer(issuer.name, token_keys=[issuer.token_key])],
        )
    )
    for _ in range(2):
        data, token = valid_token(client, issuer)
        assert redeem(client, data, token_header(token)).status == 200
    assert redeem(client, data, token_header(token)).status == 403
    data, token = valid_token(client, issuer)
    # The signature's last byte changed (flipped: a byte set to 0 was the same token when
    # it already was 0, one run in 256).
    forged = token[:-1] + bytes([token[-1] ^ 1])
    assert redeem(client, data, token_header(forged)).status == 403
    assert redeem(client, data, token_header(b"\x02\xaa" + token[2:])).status == 403
    assert redeem(client, page(client)[0], "PrivateToken token=").status == 403
    return client


def test_prometheus_counts_tokens_by_outcome(issuer: TestIssuer) -> None:
    client = presented(issuer)
    samples = {
        sample.labels.get("outcome"): sample.value
        for family in text_string_to_metric_families(scrape(client).body.decode())
        for sample in family.samples
        if sample.name == "humangate_private_access_tokens_total"
    }
    assert samples == {
        "valid": 2,
        "replayed": 1,
        "signature": 1,
        "token_type": 1,
        "malformed": 1,
    }


def test_dashboard_shows_presented_valid_and_reasons(issuer: TestIssuer) -> None:
    client = presented(issuer)
    data = scrape(client, "dashboard", query="format=json").json()
    assert data["private_access_tokens"] == {
        "presented": 6,
        "valid": 2,
        "invalid": {"malformed": 1, "replayed": 1, "signature": 1, "token_type": 1},
    }
    html = scrape(client, "dashboard").body.decode()
    assert "Private Access Tokens" in html and "replayed" in html


def test_dashboard_without_tokens_has_no_token_card() -> None:
    client = WSGIClient(gate())
    assert "Private Access Tokens" not in scrape(client, "dashboard").body.decode()


def test_every_token_is_an_event(issuer: TestIssuer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="humangate.events"):
        presented(issuer)
    reasons = [
        r.humangate.get("reason")  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "humangate.events" and r.getMessage().startswith("pat_presented")
    ]
    assert sorted(reasons) == sorted(
        ["valid", "valid", "replayed", "signature", "token_type", "malformed"]
    )


def test_humangate_stats_prints_the_token_counts(issuer: TestIssuer) -> None:
    from humangate.cli_stats import render  # noqa: PLC0415
    from humangate.observe.summary import read_summary  # noqa: PLC0415

    client = presented(issuer)
    analytics = client.app.gate.engine._analytics
    analytics.recorder.flush()
    text = render(read_summary(analytics.store(), time.time()), "24h")
    assert (
        "private access tokens: presented 6, valid 2; not valid: malformed 1, replayed 1, "
        "signature 1, token_type 1"
    ) in text
