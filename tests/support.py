"""Helpers shared by the engine and adapter tests: a solving 'browser' without a browser."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from humangate import pow
from humangate.probes.oracle import known_answers, solution_body
from humangate.signals import passing_signals
from tests.conftest import BROWSER_UA, OLD_SECRET, SECRET

# Every secret a test app may have sealed a ticket with (the oracle opens it); the
# example apps' tests give theirs through HUMANGATE_SECRET_KEYS.
EXAMPLES_SECRET = "examples-secret-0123456789abcdefghijkl"
TEST_SECRETS = (SECRET, OLD_SECRET, EXAMPLES_SECRET)

CHALLENGE_JSON = re.compile(
    rb'<script id="humangate-challenge" type="application/json">(.*?)</script>'
)


def challenge_data(html: bytes) -> dict[str, Any]:
    match = CHALLENGE_JSON.search(html)
    assert match is not None, "no challenge data in page"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def solution(data: dict[str, Any], *, webdriver: bool = False, nonce: int | None = None) -> bytes:
    """The body a real browser would POST to the solve endpoint (probe answers and
    proof-of-work from the server's own knowledge of the ticket; a person's click on the
    button where the level may ask for one)."""
    return solution_body(
        TEST_SECRETS,
        data,
        signals=passing_signals(webdriver=webdriver),
        nonce=nonce,
        interaction="mouse" if "interaction" in data.get("step_params", {}) else None,
    )


def wrong_nonce(data: dict[str, Any]) -> int:
    seed = known_answers(TEST_SECRETS, data["ticket"]).pow_seed
    nonce = 0
    while pow.is_solution(seed, nonce, data["difficulty"]):
        nonce += 1
    return nonce


class Result:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def cookies(self) -> dict[str, str]:
        jar = {}
        for name, value in self.headers:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                jar[key] = val
        return jar

    def json(self) -> Any:
        return json.loads(self.body)


class WSGIClient:
    """Calls a WSGI app directly, with full control of peer address and headers."""

    def __init__(self, app: Any, ip: str | None = "198.51.100.7", user_agent: str = "") -> None:
        self.app = app
        self.ip = ip
        self.user_agent = user_agent or BROWSER_UA
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        ip: str | type[Ellipsis] | None = ...,  # type: ignore[valid-type]
        html: bool = True,
        scheme: str = "http",
    ) -> Result:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "testserver",
            "HTTP_USER_AGENT": self.user_agent,
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        peer = self.ip if ip is ... else ip
        if peer is not None:
            environ["REMOTE_ADDR"] = peer
        if html:
            environ["HTTP_ACCEPT"] = "text/html,application/xhtml+xml,*/*;q=0.8"
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        captured: dict[str, Any] = {}

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(maxsplit=1)[0])
            captured["headers"] = response_headers
            return lambda data: None

        iterable = self.app(environ, start_response)
        try:
            data = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        result = Result(captured["status"], captured["headers"], data)
        for key, value in result.cookies().items():
            if value:
                self.cookies[key] = value
            else:
                self.cookies.pop(key, None)
        return result

    def solve(self, page: Result, *, ip: str | None = None, **kwargs: Any) -> Result:
        """POST the page's solution (``ip``: from another address than the client's)."""
        data = challenge_data(page.body)
        return self.request(
            "POST",
            data["solve_url"],
            body=solution(data, **kwargs),
            headers={"content-type": "application/json"},
            html=False,
            ip=ip or self.ip,
        )


async def call_asgi(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    """Call an ASGI app once with an empty request body; the messages it sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def signed_solution(data: dict[str, Any], body: dict[str, Any]) -> bytes:
    """``body`` (ticket, nonce, signals, steps, extra fields) as a real page posts it:
    probe answers added, the nonce found under the probe's key when ``nonce`` is None,
    every field signed."""
    fields = {k: v for k, v in body.items() if k != "ticket"}
    return solution_body(
        TEST_SECRETS,
        data,
        signals=fields.pop("signals", {}),
        nonce=fields.pop("nonce", None),
        steps=fields.pop("steps", None),
        extra=fields,
    )


def frame_solution(challenge: dict[str, Any]) -> bytes:
    """The body the widget's frame posts: a page's solution plus the frame's context."""
    return solution_body(
        TEST_SECRETS, challenge, signals=passing_signals(), extra={"context": challenge["context"]}
    )
