"""Injected pages and detection posts in the events, Prometheus and the dashboard."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.jsd.support import DOCUMENT, detect, detection_body, make_site, post, ticket
from tests.observe.helpers import TOKEN, scrape
from tests.support import WSGIClient


def busy_site() -> WSGIClient:
    """Two pages injected, one XHR left out, a pass, a fail and a replay refused."""
    client = WSGIClient(make_site(metrics_token=TOKEN, analytics_flush_seconds=0.05))
    client.request("GET", "/", headers=DOCUMENT)
    client.request("GET", "/", headers=DOCUMENT)
    client.request("GET", "/", headers={"sec-fetch-mode": "cors", "sec-fetch-dest": "empty"})
    detect(client)
    other = WSGIClient(client.app, ip="198.51.100.99")
    detect(other, webdriver=True)
    data = ticket(other).json()
    body = detection_body(data)
    post(other, body)
    post(other, body)
    return client


def counts(client: WSGIClient, metric: str) -> dict[str, float]:
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(scrape(client).body.decode())
        for sample in family.samples
        if sample.name == f"{metric}_total"
    }


def test_prometheus_counts_pages_and_posts() -> None:
    client = busy_site()
    assert counts(client, "humangate_jsd_pages") == {"injected": 2, "not-a-page": 1}
    assert counts(client, "humangate_jsd_posts") == {"passed": 2, "failed": 1, "replayed": 1}


def test_dashboard_card_and_json() -> None:
    client = busy_site()
    data = scrape(client, "dashboard", query="format=json").json()
    assert {"kind": "post", "outcome": "replayed", "count": 1} in data["js_detections"]
    html = scrape(client, "dashboard").body.decode()
    assert "JavaScript Detections" in html
    assert "Pages injected" in html


def test_events_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="humangate.events"):
        busy_site()
    kinds = [(r.levelno, r.getMessage().split()[0]) for r in caplog.records]
    assert (logging.INFO, "jsd_post") in kinds
    assert (logging.DEBUG, "jsd_page") in kinds  # pages are many: DEBUG only
    assert (logging.INFO, "jsd_page") not in kinds
