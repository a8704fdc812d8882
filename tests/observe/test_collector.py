"""The public collector in the owner's own registry, and OpenMetrics negotiation."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, make_wsgi_app
from prometheus_client.parser import text_string_to_metric_families

from humangate.observe.metrics import HumanGateCollector
from humangate.stores import open_store
from tests.observe.helpers import PREFIX, TOKEN, gate, scrape, solve_once
from tests.support import WSGIClient


def issued(text: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == "humangate_challenges_issued":
            return sum(s.value for s in family.samples if s.name.endswith("_total"))
    return 0.0


def traffic(store: str) -> Any:
    app = gate(store=store, analytics_flush_seconds=0.05)
    client = WSGIClient(app)
    assert solve_once(client, "/login").status == 200
    assert scrape(client).status == 200  # flushes this process's counts to the store
    return app


def test_collector_in_the_owners_registry(tmp_path: Path) -> None:
    app = traffic(f"sqlite:///{tmp_path / 'hg.db'}")
    registry = CollectorRegistry()
    registry.register(HumanGateCollector(app.gate.config))
    assert issued(generate_latest(registry).decode()) == 1


def test_collector_mounted_in_the_owners_metrics_app(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'hg.db'}"
    traffic(uri)
    registry = CollectorRegistry()
    registry.register(HumanGateCollector(open_store(uri)))
    metrics_app = make_wsgi_app(registry)
    status: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/metrics",
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(),
    }
    body = b"".join(metrics_app(environ, lambda s, h: status.append(s)))
    assert status == ["200 OK"]
    assert issued(body.decode()) == 1


def test_openmetrics_when_asked() -> None:
    client = WSGIClient(gate())
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    headers = {"authorization": f"Bearer {TOKEN}", "accept": accept}
    response = client.request("GET", PREFIX + "metrics", headers=headers)
    assert response.status == 200
    assert response.header("content-type").startswith("application/openmetrics-text")
    assert response.body.rstrip().endswith(b"# EOF")
    assert "accept" in (response.header("vary") or "").lower()
    classic = scrape(client)
    assert classic.header("content-type").startswith("text/plain; version=0.0.4")
    assert b"# EOF" not in classic.body
