"""The forgery/replay matrix: each case attacks the gate over HTTP on loopback, against
WSGI under gunicorn and ASGI under uvicorn (both started here on free ports, stopped
here), and names the property it checks. Each case fails if that property is removed.

Requests go through http.client so that paths are sent exactly as written (no client
normalises ``//`` or ``/./`` away). Every answer in every case must also be below 500.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from e2e.harness import free_port, stop_group, wait_until
from humangate.clearance import ClearanceCodec
from humangate.levels import Level
from humangate.testing import clearance_cookie
from humangate.tokens import KeyRing
from tests.conftest import BROWSER_UA, SECRET
from tests.security.matrix_app import ALLOWLISTED, CONFIG
from tests.support import challenge_data, solution

ROOT = Path(__file__).resolve().parents[2]
COOKIE = CONFIG.cookie_name
HTML = {"accept": "text/html", "user-agent": BROWSER_UA}
SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
FORM = "application/x-www-form-urlencoded"
FIELD = re.compile(rb'name="(humangate-envelope|humangate-body)" value="([^"]*)"')
ACTION = re.compile(rb'<form id="humangate-replay" method="post" action="([^"]*)"')
CHALLENGE_URL = re.compile(rb'data-challenge="([^"]*)"')


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def cookie(self, name: str = COOKIE) -> str | None:
        for key, value in self.headers:
            if key.lower() == "set-cookie" and value.startswith(f"{name}="):
                return value.split(";", 1)[0].split("=", 1)[1] or None
        return None

    def hint(self) -> str:
        """The holding page's hint cookie, as the browser sends it back."""
        for key, value in self.headers:
            if key.lower() == "set-cookie" and value.startswith("humangate-replay-"):
                return value.split(";", 1)[0]
        raise AssertionError("no hint cookie")


class Server:
    """One app server on 127.0.0.1 and a raw HTTP client for it."""

    def __init__(self, kind: str, port: int, process: subprocess.Popen[bytes]) -> None:
        self.kind, self.port, self.process = kind, port, process
        self.host = f"127.0.0.1:{port}"

    def send(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        cookie: str | None = None,
        more_cookies: str = "",
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            lines = {"host": self.host, **(headers or {})}
            jar = [f"{COOKIE}={cookie}"] if cookie is not None else []
            if more_cookies:
                jar.append(more_cookies)
            if jar:
                lines["cookie"] = "; ".join(jar)
            if body or method == "POST":
                lines.setdefault("content-length", str(len(body)))
            for name, value in lines.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            reply = Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()
        assert reply.status < 500, f"{self.kind}: {method} {target} -> {reply.status}"
        return reply

    def solve(self, page: Reply, headers: dict[str, str] | None = None) -> Reply:
        assert page.status == 403 and page.header("cf-mitigated") == "challenge", page.status
        data = challenge_data(page.body)
        return self.send(
            "POST",
            data["solve_url"],
            {"content-type": "application/json", **(headers or HTML)},
            solution(data),
        )

    def clearance(self, target: str = "/") -> str:
        """A real clearance: fetch a challenge, solve it, keep the cookie."""
        solved = self.solve(self.send("GET", target, HTML))
        assert solved.status == 200
        cookie = solved.cookie()
        assert cookie
        return cookie

    def challenged(self, reply: Reply) -> bool:
        return reply.status == 403 and reply.header("cf-mitigated") == "challenge"


def _start(kind: str) -> Server:
    port = free_port()
    bindir = Path(sys.executable).parent
    if kind == "gunicorn":
        exe = shutil.which("gunicorn", path=str(bindir)) or "gunicorn"
        command = [exe, "-w", "1", "-b", f"127.0.0.1:{port}", "tests.security.matrix_app:wsgi_app"]
    else:
        exe = shutil.which("uvicorn", path=str(bindir)) or "uvicorn"
        command = [
            exe,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            # uvicorn itself trusts X-Forwarded-For from 127.0.0.1 by default and would
            # rewrite the peer before the gate sees it; test the gate's own check.
            "--no-proxy-headers",
            "tests.security.matrix_app:asgi_app",
        ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(kind, port, process)

    def answers() -> bool:
        try:
            server.send("GET", "/healthz", HTML)
        except OSError:
            return False
        return True

    if not wait_until(answers, 30) or process.poll() is not None:
        stop_group(process)
        raise RuntimeError(f"{kind} did not start")
    return server


@pytest.fixture(scope="module", params=["gunicorn", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    started = _start(request.param)
    yield started
    stop_group(started.process)


# -- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    prop: str  # the property checked; the case fails without it
    run: Callable[[Server], None]


def tampered(server: Server) -> None:
    cookie = server.clearance()
    assert server.send("GET", "/", HTML, cookie=cookie).status == 200
    middle = len(cookie) // 2
    flipped = cookie[:middle] + ("A" if cookie[middle] != "A" else "B") + cookie[middle + 1 :]
    reply = server.send("GET", "/", HTML, cookie=flipped)
    assert server.challenged(reply)
    assert f"{COOKIE}=;" in (reply.header("set-cookie") or ""), "the bad cookie is deleted"


def non_canonical(server: Server) -> None:
    cookie = server.clearance()
    for spelling in (cookie + "=" * (-len(cookie) % 4 or 4), cookie[:8] + "...." + cookie[8:]):
        assert server.challenged(server.send("GET", "/", HTML, cookie=spelling))


def foreign_network(server: Server) -> None:
    _, value = clearance_cookie(CONFIG, ip="203.0.113.9", user_agent=BROWSER_UA)
    assert server.challenged(server.send("GET", "/", HTML, cookie=value))
    _, mine = clearance_cookie(CONFIG, ip="127.0.0.1", user_agent=BROWSER_UA)
    assert server.send("GET", "/", HTML, cookie=mine).status == 200  # the control


def foreign_ua(server: Server) -> None:
    _, value = clearance_cookie(CONFIG, ip="127.0.0.1", user_agent=BROWSER_UA + " Other")
    assert server.challenged(server.send("GET", "/", HTML, cookie=value))


def expired(server: Server) -> None:
    codec = ClearanceCodec(
        KeyRing([SECRET], ("clearance",)), ttl=CONFIG.passage_ttl, skew=0, xhr_grace=0
    )
    binding = CONFIG.clearance_binding.fingerprint(ip_address("127.0.0.1"), BROWSER_UA)
    # Past its lifetime by more than the clock-skew grace (30 s).
    issued = time.time() - CONFIG.passage_ttl - CONFIG.clock_skew - 5
    _, value = codec.issue(Level.MANAGED, binding, issued, work=12)
    assert server.challenged(server.send("GET", "/", HTML, cookie=value))


def level_too_low(server: Server) -> None:
    _, value = clearance_cookie(
        CONFIG, ip="127.0.0.1", user_agent=BROWSER_UA, level="non_interactive"
    )
    assert server.challenged(server.send("GET", "/", HTML, cookie=value))


def work_too_low(server: Server) -> None:
    cheap = server.clearance("/.humangate/challenge?level=interactive")
    again = server.send("GET", "/expensive", HTML, cookie=cheap)
    assert server.challenged(again)
    data = challenge_data(again.body)
    assert data["level"] == "managed" and data["difficulty"] >= 10  # risk may add bits
    paid = server.solve(again).cookie()
    assert server.send("GET", "/expensive", HTML, cookie=paid).status == 200


def replayed_ticket(server: Server) -> None:
    page = server.send("GET", "/", HTML)
    data = challenge_data(page.body)
    body, headers = solution(data), {"content-type": "application/json", **HTML}
    assert server.send("POST", data["solve_url"], headers, body).status == 200
    again = server.send("POST", data["solve_url"], headers, body)
    assert again.status == 403 and json.loads(again.body)["reason"] == "replayed"


def _hold(server: Server, headers: dict[str, str]) -> Reply:
    form = {"content-type": FORM, **HTML, **headers}
    return server.send("POST", "/transfer", form, b"amount=1000&to=mallory")


def _held_and_cleared(server: Server) -> tuple[Reply, bytes, str]:
    """A held POST, its sealed fields as the holding page sends them, and a clearance."""
    held = _hold(server, SAME_ORIGIN)
    fields = {k.decode(): unescape(v.decode()) for k, v in FIELD.findall(held.body)}
    assert set(fields) == {"humangate-envelope", "humangate-body"}
    match = CHALLENGE_URL.search(held.body)
    assert match is not None
    cookie = server.clearance(unescape(match.group(1).decode()))
    return held, urlencode(fields).encode(), cookie


def replayed_held_post(server: Server) -> None:
    held, sealed, cookie = _held_and_cleared(server)
    action = ACTION.search(held.body)
    assert action is not None and action.group(1) == b"/transfer", "sent back where it was"
    form = {"content-type": FORM, **HTML, **SAME_ORIGIN}
    first = server.send("POST", "/transfer", form, sealed, cookie, held.hint())
    assert first.body == b"app POST /transfer replayed=1 body=amount=1000&to=mallory"
    again = server.send("POST", "/transfer", form, sealed, cookie, held.hint())
    assert again.status == 403 and b"This form was not sent again" in again.body
    assert server.send("POST", "/.humangate/replay", form, sealed, cookie).status == 404


def held_post_elsewhere(server: Server) -> None:
    held, sealed, cookie = _held_and_cleared(server)
    form = {"content-type": FORM, **HTML, **SAME_ORIGIN}
    for target in ("/other", "/transfer?to=mallory", "/transfer/", "/Transfer"):
        moved = server.send("POST", target, form, sealed, cookie, held.hint())
        assert moved.status == 403 and not moved.body.startswith(b"app "), target
    # Not spent by those: at its own address it still goes through, once.
    sent = server.send("POST", "/transfer", form, sealed, cookie, held.hint())
    assert sent.body.startswith(b"app POST /transfer replayed=1")


def held_post_sent_cross_site(server: Server) -> None:
    held, sealed, cookie = _held_and_cleared(server)
    for headers in (
        {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
        {"sec-fetch-site": "same-site", "origin": "http://sub.127.0.0.1"},
        {"origin": "null"},
        {},
    ):
        form = {"content-type": FORM, **HTML, **headers}
        sent = server.send("POST", "/transfer", form, sealed, cookie, held.hint())
        assert sent.status == 403 and not sent.body.startswith(b"app "), headers
    form = {"content-type": FORM, **HTML, **SAME_ORIGIN}
    assert server.send("POST", "/transfer", form, sealed, cookie, held.hint()).status == 200


def fresh_form_with_hint(server: Server) -> None:
    held, _, cookie = _held_and_cleared(server)
    form = {"content-type": FORM, **HTML, **SAME_ORIGIN}
    fresh = server.send("POST", "/transfer", form, b"amount=5&to=bob", cookie, held.hint())
    assert fresh.body == b"app POST /transfer replayed=None body=amount=5&to=bob"


def cross_site_held_post(server: Server) -> None:
    for headers in (
        {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
        {"sec-fetch-site": "same-site", "origin": "http://sub.127.0.0.1"},
        {"origin": "null"},
        {},
    ):
        held = _hold(server, headers)
        assert held.status == 403 and not FIELD.search(held.body), headers
        assert b"not kept or sent" in held.body


def spoofed_xff(server: Server) -> None:
    # The allowlisted address, claimed by a client that is not one of the proxy peers.
    reply = server.send("GET", "/", {**HTML, "x-forwarded-for": ALLOWLISTED})
    assert server.challenged(reply)


def open_redirect(server: Server) -> None:
    for target in ("//evil.example/", "/%5Cevil.example/", "/\\evil.example/", "/.//evil.example"):
        reply = server.send("GET", target, HTML)
        location = reply.header("location")
        if location is not None:
            assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    # The return path after a solve is always local.
    page = server.send("GET", "/%2F%2Fevil.example/x", HTML)
    if page.status == 308:
        page = server.send("GET", page.header("location") or "/", HTML)
    redirect = json.loads(server.solve(page).body)["redirect"]
    assert redirect.startswith("/") and not redirect.startswith(("//", "/\\")), redirect


def template_xss(server: Server) -> None:
    script = "%3Cscript%3Ealert(1)%3C/script%3E"
    page = server.send("GET", f"/%22%3E{script}?q=%22%3E{script}", HTML)
    assert server.challenged(page)
    assert b"<script>alert(1)" not in page.body
    hostile = server.send("GET", "/", {**HTML, "user-agent": BROWSER_UA + "<script>x()</script>"})
    assert b"<script>x()" not in hostile.body


def crlf(server: Server) -> None:
    for target in (
        "/x%0D%0AX-Injected:%201",
        "//x%0D%0AX-Injected:%201",
        "/a/../x%0d%0aSet-Cookie:%20a=b",
    ):
        reply = server.send("GET", target, HTML)
        names = [name.lower() for name, _ in reply.headers]
        assert "x-injected" not in names
        assert all("a=b" not in v for k, v in reply.headers if k.lower() == "set-cookie")


def oversized(server: Server) -> None:
    solve = server.send(
        "POST", "/.humangate/solve", {"content-type": "application/json"}, b"{" * 200_000
    )
    assert solve.status == 413
    form = {"content-type": FORM, **HTML, **SAME_ORIGIN}
    too_big = server.send("POST", "/transfer", form, b"a=" + b"x" * 10_000)
    assert too_big.status == 403 and not FIELD.search(too_big.body)
    for header in ({"cookie": "x" * 7000}, {"user-agent": "U" * 7000}, {"x-big": "y" * 7000}):
        server.send("GET", "/", {**HTML, **header})


def path_normalisation(server: Server) -> None:
    for target in ("//admin/x", "/./admin/x", "/%61dmin/x", "/x/../admin/x", "/Admin/x"):
        reply = server.send("GET", target, HTML)
        for _ in range(2):
            if reply.status != 308:
                break
            reply = server.send("GET", reply.header("location") or "/", HTML)
        assert reply.status == 403 and not server.challenged(reply), (target, reply.status)
        assert not reply.body.startswith(b"app ")
    # The other direction: a path rules would read as /public must not reach the app
    # (a catch-all route here) as /admin/...: it is sent to its normal form instead.
    cookie = server.clearance()
    reply = server.send("GET", "/admin/a/../../public", HTML, cookie=cookie)
    assert reply.status == 308 and reply.header("location") == "/public"
    assert server.send("GET", "/public", HTML, cookie=cookie).body.startswith(b"app GET /public")


def forged_preflight(server: Server) -> None:
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
    assert server.send("OPTIONS", "/api", preflight).body.startswith(b"app OPTIONS")
    with_body = server.send("OPTIONS", "/api", {**preflight, "content-type": FORM}, b"a=1")
    assert server.challenged(with_body)
    no_origin = {"access-control-request-method": "POST"}
    assert server.challenged(server.send("OPTIONS", "/api", no_origin))


CASES = [
    Case("tampered", "a clearance is sealed (AEAD): one changed character refuses it", tampered),
    Case("non-canonical", "a token opens only in its canonical spelling", non_canonical),
    Case("foreign-network", "a clearance is bound to the client's network", foreign_network),
    Case("foreign-ua", "a clearance is bound to the User-Agent", foreign_ua),
    Case("expired", "a clearance expires (plus only the 30 s skew grace)", expired),
    Case("level-too-low", "a clearance passes only its level and below", level_too_low),
    Case("work-too-low", "a clearance passes only the work it paid for", work_too_low),
    Case("replayed-ticket", "a solved ticket is spent: one clearance per ticket", replayed_ticket),
    Case("replayed-held-post", "a held POST reaches the app once, marked", replayed_held_post),
    Case(
        "held-post-elsewhere",
        "a held POST is sent only to the address it was sealed for",
        held_post_elsewhere,
    ),
    Case(
        "held-post-sent-cross-site",
        "a held POST is sent only by this site's own holding page",
        held_post_sent_cross_site,
    ),
    Case(
        "fresh-form-with-hint",
        "an ordinary form sent past a hint cookie reaches the app unchanged",
        fresh_form_with_hint,
    ),
    Case("cross-site-held-post", "only a same-origin POST is held", cross_site_held_post),
    Case("spoofed-xff", "only a configured proxy peer may name the client", spoofed_xff),
    Case("open-redirect", "every redirect the gate sends is a local path", open_redirect),
    Case("template-xss", "reflected values are escaped in pages", template_xss),
    Case("crlf", "no request value becomes a response header", crlf),
    Case("oversized", "oversized input is refused cleanly, never a 500", oversized),
    Case("path-normalisation", "rules see the path the app routes", path_normalisation),
    Case("forged-preflight", "only a bodiless browser preflight passes unsolved", forged_preflight),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_matrix(server: Server, case: Case) -> None:
    case.run(server)


def test_every_case_names_its_property() -> None:
    names: dict[str, Any] = {case.name: case.prop for case in CASES}
    assert len(names) == len(CASES) and all(len(prop) > 10 for prop in names.values())
