"""The per-solve log line names the solver the page reports, from a fixed list only.

The page says which engine found the nonce (``wasm-simd`` or ``js`` in a worker, ``main``
for the chunked main-thread fallback); operators and the fallback e2e tests read it from
the ``humangate.signals`` line. It is the client's word: logged, never trusted, and never
echoed unless it is one of the known names.
"""

from __future__ import annotations

import logging

import pytest

from humangate import Config
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, WSGIClient, challenge_data


def _site(environ: object, start_response: object) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])  # type: ignore[operator]
    return [b"app"]


def _solve_line(caplog: pytest.LogCaptureFixture, extra: dict[str, object]) -> tuple[int, str]:
    client = WSGIClient(HumanGate(_site, Config(secret_keys=[SECRET], store="memory://")))
    page = client.request("GET", "/page")
    data = challenge_data(page.body)
    body = solution_body(
        TEST_SECRETS, data, signals=passing_signals(), elapsed_ms=None, extra=extra
    )
    with caplog.at_level(logging.INFO, logger="humangate.signals"):
        answer = client.request(
            "POST",
            data["solve_url"],
            body=body,
            headers={"content-type": "application/json"},
            html=False,
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "humangate.signals"]
    assert len(lines) == 1, lines
    return answer.status, lines[0]


@pytest.mark.parametrize("solver", ["wasm-simd", "js", "main"])
def test_known_solver_and_elapsed_are_logged(caplog: pytest.LogCaptureFixture, solver: str) -> None:
    status, line = _solve_line(caplog, {"solver": solver, "elapsed_ms": 42})
    assert status == 200
    assert line.startswith("solve ray=")
    assert line.endswith(f" outcome=passed score=99 hard=- soft=- solver={solver} ms=42 pat=-")


@pytest.mark.parametrize(
    "solver", ["<script>", "wasm-simd ms=1", "WASM-SIMD", 7, None, ["js"], {"js": 1}]
)
def test_anything_else_is_unknown_and_never_echoed(
    caplog: pytest.LogCaptureFixture, solver: object
) -> None:
    status, line = _solve_line(caplog, {"solver": solver, "elapsed_ms": True})
    assert status == 200, "a strange solver name is no reason to refuse a solve"
    assert line.endswith(" solver=unknown ms=- pat=-")


def test_missing_fields_are_unknown(caplog: pytest.LogCaptureFixture) -> None:
    status, line = _solve_line(caplog, {})
    assert status == 200
    assert line.endswith(" solver=unknown ms=- pat=-")
