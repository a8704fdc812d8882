"""Widget solves and siteverify outcomes, by sitekey and error code, in the Prometheus
metrics and the dashboard (the events are in test_endpoints.py)."""

from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

from humangate.turnstile import Sitekey
from tests.observe.helpers import gate, scrape
from tests.support import WSGIClient
from tests.turnstile.support import SITEKEY, WIDGET_SECRET, siteverify, widget_token


def _client() -> WSGIClient:
    sitekey = Sitekey(SITEKEY, [WIDGET_SECRET], hostnames=["testserver"])
    return WSGIClient(gate(sitekeys=[sitekey], difficulty=4))


def _traffic(client: WSGIClient) -> None:
    first = widget_token(client)
    widget_token(client)  # solved, never verified
    assert siteverify(client, {"secret": WIDGET_SECRET, "response": first})["success"]
    siteverify(client, {"secret": WIDGET_SECRET, "response": first})  # duplicate
    siteverify(client, {"secret": "0x4AAAAAAAnot-a-configured-secret", "response": first})


def test_metrics_by_sitekey_and_outcome() -> None:
    client = _client()
    _traffic(client)
    text = scrape(client).body.decode()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("humangate_widget_solves_total", (("sitekey", SITEKEY),))] == 2
    verify = "humangate_siteverify_total"
    assert samples[(verify, (("outcome", "success"), ("sitekey", SITEKEY)))] == 1
    assert samples[(verify, (("outcome", "timeout-or-duplicate"), ("sitekey", SITEKEY)))] == 1
    assert samples[(verify, (("outcome", "invalid-input-secret"), ("sitekey", "-")))] == 1


def test_dashboard_shows_the_widget() -> None:
    client = _client()
    _traffic(client)
    html = scrape(client, "dashboard", query="window=1h").body.decode()
    assert "Widget: solves and siteverify by sitekey" in html
    assert SITEKEY in html and "timeout-or-duplicate 1" in html
    data = json.loads(scrape(client, "dashboard", query="format=json").body)
    assert {"kind": "siteverify", "sitekey": SITEKEY, "outcome": "success", "count": 1} in data[
        "widget"
    ]
