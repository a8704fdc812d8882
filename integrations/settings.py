"""Shared settings for the example apps, read from the environment."""

from __future__ import annotations

import os

from humangate import Config, Rule
from integrations import jsd_pages


def config_from_environment() -> Config:
    # Config.from_env reads the documented variables: HUMANGATE_SECRET_KEYS,
    # HUMANGATE_STORE (unset: the embedded SQLite default), HUMANGATE_DEFAULT_ACTION,
    # HUMANGATE_TRUSTED_PROXIES and HUMANGATE_DEV_MODE. The rest are these apps' own.
    return Config.from_env(
        difficulty=int(os.environ.get("HUMANGATE_DIFFICULTY", "18")),
        rules=[
            Rule(
                'http.request.uri.path eq "/healthz"', "skip", "health checks are never challenged"
            ),
            Rule('starts_with(http.request.uri.path, "/blocked")', "block", "demo block rule"),
            Rule('starts_with(http.request.uri.path, "/open")', "allow", "demo allow rule"),
            *_jsd_rules(),
        ],
        # Metrics and dashboard exist only with a token (docs/observability.md).
        metrics_token=os.environ.get("HUMANGATE_METRICS_TOKEN") or None,
        analytics_flush_seconds=float(os.environ.get("HUMANGATE_ANALYTICS_FLUSH", "5")),
        # JavaScript Detections (docs/js-detections.md), for the e2e test of it.
        js_detections=jsd_pages.enabled(),
    )


def _jsd_rules() -> list[Rule]:
    """With HUMANGATE_EXAMPLE_JSD=1: /jsd/ pages allowed, /jsd/check challenged without a
    JavaScript Detections result (the docs' recommended pairing)."""
    if not jsd_pages.enabled():
        return []
    return [
        Rule(jsd_pages.CHECK_RULE, "managed_challenge", "no js detection"),
        Rule('starts_with(http.request.uri.path, "/jsd/")', "allow", "jsd pages"),
        Rule('http.request.uri.path eq "/csp-report"', "allow", "csp reports"),
    ]


def record_hit(path: str) -> None:
    """Append ``path`` to $HUMANGATE_HITS_FILE: server-side proof a visitor got through."""
    hits = os.environ.get("HUMANGATE_HITS_FILE")
    if hits:
        with open(hits, "a", encoding="utf-8") as handle:
            handle.write(path + "\n")
