"""A maintained npm front-end Turnstile loader, unchanged, against humangate (issue 20).

``@marsidev/react-turnstile`` (with React, both installed by ``npm ci`` in js/, as the
Makefile does) is bundled with esbuild from e2e/turnstile_react/app.jsx. The page, on
another origin than the gate and under a strict CSP, loads humangate's api.js itself
with the script id and onload name the library uses (its manual-injection set-up, the
only place a URL appears); two widgets share that one script. Chromium and Firefox ESR
run headed under Xvfb as plain processes; each token is posted to the example backend,
which verifies it in process and records ``/verified/managed?action=…`` only when
siteverify succeeded.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from e2e.detect_support import plain_firefox
from e2e.harness import (
    ARTIFACTS,
    REPO,
    AppServer,
    Display,
    launch,
    plain_chromium,
    retire,
    server_command,
    wait_until,
)

NODE_MODULES = REPO / "js" / "node_modules"
ESBUILD = NODE_MODULES / ".bin" / "esbuild"
SOURCE = Path(__file__).parent / "turnstile_react" / "app.jsx"
OPENERS = {"chromium": plain_chromium, "firefox-esr": plain_firefox}
ACTIONS = ("react-signup", "react-login")
# integrations/turnstile_plain/app.py's script path and managed sitekey.
API_JS = "/.humangate/turnstile/v0/api.js"
SITEKEY = "0x4AAAAAAAhgDemoManaged"


def bundle(out: Path) -> bytes:
    """The page's script: app.jsx with React and the library, bundled by esbuild."""
    if not ESBUILD.exists() or not (NODE_MODULES / "@marsidev" / "react-turnstile").exists():
        pytest.fail("js/node_modules lacks esbuild or the library: run npm ci --prefix js")
    target = out / "app.js"
    subprocess.run(
        [
            str(ESBUILD),
            str(SOURCE),
            "--bundle",
            "--minify",
            "--format=iife",
            "--jsx=automatic",
            '--define:process.env.NODE_ENV="production"',
            "--log-level=warning",
            f"--outfile={target}",
        ],
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},  # the packages live in js/
        check=True,
        timeout=60,
    )
    return target.read_bytes()


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("turnstile-react")
    app = "integrations.turnstile_plain.app:application"
    started = launch("wsgi", workdir, lambda port: server_command("wsgi", port, app), difficulty=14)
    yield started
    retire([started], ARTIFACTS)


class Site:
    def __init__(self, url: str) -> None:
        self.url = url
        self.csp_reports: list[bytes] = []  # anything the page's CSP refused


@pytest.fixture(scope="module")
def site(gate: AppServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The React site: another origin (its own port), serving the page and the bundle."""
    script = bundle(tmp_path_factory.mktemp("react-bundle"))
    config = {"sitekey": SITEKEY, "verify": gate.url("/submit/managed")}
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign up</title>'
        f'<script id="cf-turnstile-script" src="{gate.url(API_JS)}'
        '?onload=onloadTurnstileCallback&amp;render=explicit" async defer></script>'
        '</head><body><div id="root"></div>'
        f'<script type="application/json" id="config">{json.dumps(config)}</script>'
        '<script src="/app.js" defer></script></body></html>'
    ).encode()
    csp = (
        f"default-src 'none'; script-src 'self' {gate.base_url}; frame-src {gate.base_url}; "
        f"connect-src {gate.base_url}; img-src 'self'; base-uri 'none'; report-uri /csp"
    )
    files = {"/": (page, "text/html; charset=utf-8"), "/app.js": (script, "text/javascript")}
    reports: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            reports.append(self.rfile.read(int(self.headers.get("content-length") or 0)))
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:
            body, kind = files.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("content-type", kind)
            self.send_header("content-security-policy", csp)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    running = Site(f"http://127.0.0.1:{server.server_port}/")
    running.csp_reports = reports
    yield running
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("browser", sorted(OPENERS))
def test_react_turnstile_from_npm_works_unchanged(
    browser: str, gate: AppServer, site: Site, xvfb: Display, artifacts: Path
) -> None:
    before = len(gate.hits())
    wanted = {f"/verified/managed?action={action}" for action in ACTIONS}
    with OPENERS[browser](site.url, xvfb, artifacts / f"{browser}.log"):
        verified = wait_until(lambda: wanted <= set(gate.hits()[before:]), 40)
    hits = gate.hits()[before:]
    assert verified, hits
    assert not [hit for hit in hits if hit.startswith("/refused/")], hits
    # The page's own api.js served both widgets; the library loaded nothing else (its
    # own script URL would have been refused by the CSP, and reported).
    assert [e.target for e in gate.access_log() if e.target.startswith(API_JS)]
    assert site.csp_reports == []
    assert not gate.server_errors()
