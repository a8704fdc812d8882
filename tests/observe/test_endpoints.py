"""Metrics and dashboard through the real gate: protected, fed by real challenges."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.observe.helpers import PREFIX, TOKEN, gate, scrape, solve_once
from tests.support import WSGIClient, challenge_data, wrong_nonce


def test_unconfigured_endpoints_do_not_exist() -> None:
    client = WSGIClient(gate(metrics_token=None))
    for name in ("metrics", "dashboard"):
        assert client.request("GET", PREFIX + name).status == 404
        assert scrape(client, name).status == 404  # a token means nothing when none is set


def test_token_required() -> None:
    client = WSGIClient(gate())
    assert client.request("GET", PREFIX + "metrics").status == 404
    wrong = client.request("GET", PREFIX + "metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status == 404
    assert scrape(client).status == 200


def test_allowlisted_networks() -> None:
    client = WSGIClient(gate(metrics_token=None, metrics_allow=["10.0.0.0/8"]), ip="10.1.2.3")
    assert client.request("GET", PREFIX + "metrics").status == 200
    outsider = WSGIClient(client.app, ip="192.0.2.1")
    assert outsider.request("GET", PREFIX + "dashboard").status == 404


def test_metrics_count_real_challenges_and_solves() -> None:
    client = WSGIClient(gate())
    assert solve_once(client, "/login", elapsed_ms=1500).status == 200
    assert client.request("GET", "/login").status == 200  # passes with the clearance now
    assert solve_once(WSGIClient(client.app), "/shop").status == 200
    WSGIClient(client.app).request("GET", "/shop")  # issued, never solved: a failure
    assert client.request("GET", "/admin").status == 403
    response = scrape(client)
    assert response.status == 200
    assert response.header("content-type").startswith("text/plain; version=0.0.4")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.body.decode())
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    login = {"rule": "login pages", "level": "interactive"}
    shop = {"rule": "shop", "level": "managed"}
    assert value("humangate_challenges_issued_total", **login) == 1
    assert value("humangate_challenges_solved_total", **login) == 1
    assert value("humangate_passes_with_clearance_total", **login) == 1
    assert value("humangate_challenges_issued_total", **shop) == 2
    assert value("humangate_challenges_solved_total", **shop) == 1
    assert value("humangate_blocks_total", rule="no admin", level="-") == 1
    assert value("humangate_challenge_solve_seconds_bucket", le="1.0", **login) == 0
    assert value("humangate_challenge_solve_seconds_bucket", le="2.0", **login) == 1
    assert value("humangate_challenge_solve_seconds_sum", **login) == 1.5
    # Nothing but configured rule labels, fixed levels and the phases appear as labels.
    rules = {dict(labels).get("rule") for _, labels in samples}
    assert rules <= {None, "login pages", "shop", "no admin", "default"}


def test_a_solve_at_another_worker_counts_under_the_rule_that_challenged(
    tmp_path: Path,
) -> None:
    # Two workers sharing a store: the page comes from one, the solve goes to the other,
    # which never saw the challenge. The ticket carries the rule, sealed.
    store = f"sqlite:///{tmp_path / 'shared.db'}"
    worker_a, worker_b = WSGIClient(gate(store=store)), WSGIClient(gate(store=store))
    page = worker_a.request("GET", "/shop")
    assert page.status == 403
    assert worker_b.solve(page).status == 200
    assert scrape(worker_a).status == 200  # each endpoint flushes its own process first
    summary = json.loads(scrape(worker_b, "dashboard", query="format=json").body)
    shop = next(r for r in summary["rules"] if r["rule"] == "shop")
    assert (shop["issued"], shop["solved"]) == (1, 1)
    assert not any(r["rule"] == "-" for r in summary["rules"])


def test_a_failed_solve_counts_under_the_rule_that_challenged() -> None:
    client = WSGIClient(gate())
    page = client.request("GET", "/shop")
    refused = client.solve(page, nonce=wrong_nonce(challenge_data(page.body)))
    assert refused.status == 403
    summary = json.loads(scrape(client, "dashboard", query="format=json").body)
    assert [(r["rule"], r["issued"], r["solved"]) for r in summary["rules"]] == [("shop", 1, 0)]
    assert summary["rules"][0]["rejected"] == 1
    assert summary["recent"][0]["kind"] == "challenge_failed"
    assert summary["recent"][0]["rule"] == "shop"


def test_dashboard_renders_real_data_under_csp() -> None:
    client = WSGIClient(gate())
    assert solve_once(client, "/login").status == 200
    WSGIClient(client.app).request("GET", "/shop")
    page = scrape(client, "dashboard", query="window=1h")
    assert page.status == 200
    assert page.header("content-type").startswith("text/html")
    csp = page.header("content-security-policy")
    assert "default-src 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = page.body.decode()
    assert f'<style nonce="{nonce}">' in html
    assert "style=" not in html  # attributes would be refused by the CSP
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "login pages" in html and "shop" in html
    assert "Solve rate per rule over time" in html and "<svg" in html
    assert "50.0%" in html  # 2 issued, 1 solved overall


def test_dashboard_json_matches() -> None:
    client = WSGIClient(gate())
    solve_once(client, "/login")
    data = json.loads(scrape(client, "dashboard", query="format=json").body)
    assert (data["issued"], data["solved"], data["csr"]) == (1, 1, 1.0)
    assert data["rules"][0]["rule"] == "login pages"


def test_metrics_post_is_refused() -> None:
    client = WSGIClient(gate())
    response = client.request(
        "POST", PREFIX + "metrics", headers={"authorization": f"Bearer {TOKEN}"}, body=b"x"
    )
    assert response.status == 405


# -- security events ----------------------------------------------------------------------


def _records(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [r.humangate for r in caplog.records if r.name == "humangate.events"]  # type: ignore[attr-defined]


def test_security_events_are_structured_and_keep_no_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="humangate.events")
    client = WSGIClient(gate(), ip="198.51.100.7")
    page = client.request("GET", "/login")
    issued_ray = page.header("humangate-ray")
    client.solve(page)
    cookie = next(iter(client.cookies.values()))
    client.request("GET", "/login")  # a pass: not a security event at INFO
    client.request("GET", "/admin")
    events = _records(caplog)
    assert [e["kind"] for e in events] == ["challenge_issued", "challenge_solved", "blocked"]
    issued, solved, blocked = events
    assert issued["rule"] == "login pages" and issued["level"] == "interactive"
    assert solved["ray"] == issued_ray  # refers to the challenge it answers
    assert blocked["rule"] == "no admin" and blocked["action"] == "block"
    text = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert cookie not in text
    assert "198.51.100.7" not in text


def test_client_ip_only_when_opted_in(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="humangate.events")
    client = WSGIClient(gate(log_client_ip=True), ip="198.51.100.7")
    client.request("GET", "/admin")
    assert _records(caplog)[-1]["client_ip"] == "198.51.100.7"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("metrics_token", "short"),
        ("metrics_allow", ["not a network"]),
        ("store_failure", "maybe"),
        ("rate_limit_store_failure", "sometimes"),
        ("analytics_flush_seconds", 0),
    ],
)
def test_bad_observability_settings_fail_at_start(setting: str, value: object) -> None:
    from humangate.errors import ConfigError  # noqa: PLC0415

    with pytest.raises(ConfigError, match=setting):
        gate(**{setting: value})
