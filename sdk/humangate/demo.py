"""The site ``humangate demo`` serves: what a visitor reaches after the gate, and a tour
of the product (rules, an interactive challenge, a JSON API with the SPA helper, the
dashboard and metrics)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from humangate.config import Config, Rule
from humangate.http.assets import hashed_name

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

PREFIX = "/.humangate/"

RULES = (
    Rule('http.request.uri.path in {"/rules" "/favicon.ico"}', "skip", "open pages"),
    Rule('http.request.uri.path eq "/interactive"', "challenge", "interactive page"),
    # More than the pages ask for, so a page's fetch() meets a challenge to solve in place.
    Rule('starts_with(http.request.uri.path, "/api/")', "challenge", "JSON API"),
)


def demo_config(difficulty: int | None = None) -> Config:
    """The demo's settings: a temporary key, the rules above, the dashboard and metrics
    open to this machine only."""
    extra: dict[str, Any] = {} if difficulty is None else {"difficulty": difficulty}
    return Config(
        dev_mode=True,
        store="memory://",  # one process: nothing to share, nothing left behind
        rules=RULES,
        default_action="managed_challenge",
        metrics_allow=["127.0.0.1/32", "::1/128"],
        **extra,
    )


_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
code{background:#f2f2f2;padding:0 .25em;border-radius:3px}
li{margin:.4rem 0} button{font:inherit;padding:.3rem .8rem}
"""

_HOME = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>humangate demo</title><style>{style}</style></head>
<body>
<h1>You are through the gate</h1>
<p>This page is the protected app: you passed a managed challenge to see it. You
reached <code>{path}</code>.</p>
<ul>
<li><a href="/rules">The rules of this demo</a>: a page a <code>skip</code> rule opens
to everyone.</li>
<li><a href="/interactive">An interactive challenge</a>: a page that asks for one click.</li>
<li><a href="/spa">A JSON API called from a page</a>: <code>humangate.fetch</code> solves the
API's challenge in place.</li>
<li><a href="{prefix}dashboard">The dashboard</a> and <a href="{prefix}metrics">Prometheus
metrics</a> (open to this machine only).</li>
<li><a href="/account?tab=settings">A page with a query string</a>.</li>
</ul>
</body></html>
"""

_RULES = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rules of the demo</title>
<style>{style}</style></head><body>
<h1>Rules of this demo</h1>
<p>Rules run in order; the first that decides wins. This page is open because of the
first rule.</p>
<ol>{rules}</ol>
<p>Everything else: <code>managed_challenge</code> (the default action).</p>
<p><a href="/">Home</a></p>
</body></html>
"""

_SPA = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>JSON API from a page</title>
<style>{style}</style>
<script src="{prefix}static/{spa}" defer></script></head><body>
<h1>A JSON API called from a page</h1>
<p><code>/api/status</code> asks for an interactive clearance and answers API clients
with a JSON problem and <code>cf-mitigated: challenge</code> until they hold one. This
page calls it with <code>humangate.fetch</code>, which shows the challenge in place and
retries the call once it is solved.</p>
<p><button id="call" type="button">Call /api/status</button></p>
<pre id="result" aria-live="polite"></pre>
<script src="/spa.js" defer></script>
<p><a href="/">Home</a></p>
</body></html>
"""

# The page's own script (a file, so a strict CSP in front of the demo would still work).
_SPA_SCRIPT = b"""
document.getElementById("call").addEventListener("click", async () => {
  const out = document.getElementById("result");
  out.textContent = "Calling...";
  try {
    const response = await window.humangate.fetch("/api/status", {
      headers: { accept: "application/json" },
    });
    out.textContent = response.status + " " + (await response.text());
  } catch (error) {
    out.textContent = "Failed: " + error;
  }
});
"""


def _page(start_response: StartResponse, body: str) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/html; charset=utf-8")])
    return [body.encode()]


def demo_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path == "/api/status":
        start_response("200 OK", [("content-type", "application/json")])
        return [json.dumps({"status": "ok", "through_the_gate": True}).encode()]
    if path == "/spa.js":
        start_response("200 OK", [("content-type", "text/javascript; charset=utf-8")])
        return [_SPA_SCRIPT]
    if path == "/rules":
        items = "".join(
            f"<li><code>{html.escape(rule.expression)}</code> &rarr; "
            f"<strong>{html.escape(rule.action)}</strong> ({html.escape(rule.description)})</li>"
            for rule in RULES
        )
        return _page(start_response, _RULES.format(style=_STYLE, rules=items))
    if path == "/spa":
        return _page(
            start_response, _SPA.format(style=_STYLE, prefix=PREFIX, spa=hashed_name("spa.js"))
        )
    if path == "/interactive":
        return _page(
            start_response,
            _HOME.format(style=_STYLE, path="/interactive (interactive clearance)", prefix=PREFIX),
        )
    query = environ.get("QUERY_STRING", "")
    shown = html.escape(path + ("?" + query if query else ""))
    return _page(start_response, _HOME.format(style=_STYLE, path=shown, prefix=PREFIX))
