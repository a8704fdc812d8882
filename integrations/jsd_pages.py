"""JavaScript Detections pages of the example apps (HUMANGATE_EXAMPLE_JSD=1).

A strict CSP with a per-response nonce and a ``report-uri``: the browser reports every
violation to ``/csp-report``, which the apps record as a hit (``CSP-REPORT ...``), so a
test sees from the server side that the injected script caused none. ``/jsd/page``
polls ``/jsd/status`` (the app reads the visitor's clearance) and, once the detection
passed, opens ``/jsd/check``: the path the example rule challenges without a result.
"""

from __future__ import annotations

import json
import os
import secrets

from humangate.crypto.clearance import Clearance

ENV = "HUMANGATE_EXAMPLE_JSD"
CHECK_RULE = 'not cf.bot_management.js_detection.passed and http.request.uri.path eq "/jsd/check"'


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def policy(nonce: str, script_src: str) -> str:
    return (
        f"default-src 'self'; script-src {script_src} 'nonce-{nonce}'; object-src 'none'; "
        "base-uri 'none'; report-uri /csp-report"
    )


def page(kind: str, *, strict_dynamic: bool) -> tuple[str, str]:
    """(body, Content-Security-Policy) of ``/jsd/<kind>``: "page", "check" or "control"."""
    nonce = secrets.token_urlsafe(16)
    header = policy(nonce, "'strict-dynamic'" if strict_dynamic else "'self'")
    if kind == "page":
        script = (
            f"<script nonce='{nonce}'>"
            "function poll() { fetch('/jsd/status').then((r) => r.json()).then((s) => {"
            " if (s.passed) location.href = '/jsd/check'; else setTimeout(poll, 500); }); }"
            "poll();</script>"
        )
    elif kind == "check":
        # Then the control: a page whose own inline script breaks the policy on purpose,
        # proving that violations do reach /csp-report.
        script = (
            f"<script nonce='{nonce}'>"
            "setTimeout(() => { location.href = '/jsd/control'; }, 500);</script>"
        )
    else:
        script = "<script>document.title = 'inline without a nonce';</script>"
    body = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>JSD {kind}</title>{script}</head><body><h1>{kind}</h1></body></html>"
    )
    return body, header


def status(clearance: Clearance | None, now: float) -> str:
    passed = bool(clearance and clearance.js_detection_passed(now))
    return json.dumps({"passed": passed})


def report_line(body: bytes) -> str:
    """A CSP report as one hits-file line: the page, the directive and what was blocked."""
    try:
        report = json.loads(body or b"{}").get("csp-report", {})
    except ValueError:
        report = {}
    return "CSP-REPORT {} {} {}".format(
        report.get("document-uri", "?"),
        report.get("violated-directive") or report.get("effective-directive", "?"),
        report.get("blocked-uri", "?"),
    )
