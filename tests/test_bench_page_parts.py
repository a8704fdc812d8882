"""bench/page_parts.py measures what it says: each row's server really answers pages with
that part replaced, and only that part. Each row patches the process it runs in, so each
is checked in a process of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# The script's first lines: the row's timed app, by the row's label (argv[1]).
ROW_APP = """
import sys
import bench.page_parts as parts
name = dict(zip(parts.ROWS, parts._APPS, strict=True))[sys.argv[1]]
timed = getattr(parts, name)
"""


def _run(script: str, row_label: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", ROW_APP + script, row_label],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()[-1]


def _pages(row_label: str) -> dict[str, Any]:
    """Two challenge pages from the row's app, each page's ticket and body, and the
    events an observer saw."""
    script = r"""
import asyncio, json
from bench.apps import BENCH_USER_AGENT, BROWSER_ACCEPT
from tests.support import challenge_data

seen = []
class Watch:
    def record(self, event):
        seen.append(event.kind.value)

timed.app.gate.engine.add_observer(Watch())
scope = {
    "type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"",
    "root_path": "", "scheme": "http", "client": ("127.0.0.1", 5000),
    "headers": [(b"host", b"127.0.0.1"), (b"user-agent", BENCH_USER_AGENT.encode()),
                (b"accept", BROWSER_ACCEPT.encode())],
}

async def page():
    sent = []
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        sent.append(message)
    await timed(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]

pages = []
for _ in range(2):
    status, body = asyncio.run(page())
    pages.append({"status": status, "body": body.decode(),
                  "ticket": challenge_data(body)["ticket"]})
print(json.dumps({"pages": pages, "events": seen}))
"""
    result: dict[str, Any] = json.loads(_run(script, row_label))
    assert [page["status"] for page in result["pages"]] == [403, 403]
    return result


def test_the_whole_page_row_is_the_gate_unchanged() -> None:
    result = _pages("the whole page")
    first, second = result["pages"]
    assert first["ticket"] != second["ticket"]
    assert first["body"] != second["body"]
    assert result["events"] == ["challenge_issued"] * 2


@pytest.mark.parametrize("row", ["without: ticket (issue and seal)", "without: sealing only"])
def test_the_ticket_rows_reuse_one_ticket(row: str) -> None:
    first, second = _pages(row)["pages"]
    assert first["ticket"] == second["ticket"]
    assert first["body"] != second["body"]  # the rest of the page is still made anew


def test_the_fill_row_sends_one_page() -> None:
    first, second = _pages("without: page fill")["pages"]
    assert first["body"] == second["body"]


def test_the_report_row_reports_nothing() -> None:
    assert _pages("without: event report")["events"] == []


def test_the_store_read_row_reads_no_store() -> None:
    script = """
from humangate.engine.risk import Strikes
try:
    getattr(parts, "page_99")
except AttributeError:
    print(list(Strikes(print).count("binding")))
"""
    # No store operation is asked for (the gate's own count yields one).
    assert _run(script, "without: failed-solve store read") == "[]"
